"""ai API routes (reference §4.5, §4.6): no trailing slashes."""

from rest_framework.routers import SimpleRouter

from ai.api import views

# Camera ids are slugs of at most 64 characters; NUL never reaches a database query.
CAMERA = r"cameras/(?P<camera_id>[^/\x00]{1,64})"

router = SimpleRouter(trailing_slash=False)
router.register(f"{CAMERA}/ai-tasks", views.CameraAiTaskViewSet, basename="camera-ai-task")
router.register(f"{CAMERA}/zones", views.CameraZoneViewSet, basename="camera-zone")
router.register(f"{CAMERA}/zone-events", views.CameraZoneEventViewSet, basename="camera-zone-event")
router.register(f"{CAMERA}/detections", views.CameraDetectionViewSet, basename="camera-detection")
router.register("ai-tasks", views.AiTaskViewSet, basename="ai-task")
router.register("zones", views.ZoneViewSet, basename="zone")
router.register("events", views.EventViewSet, basename="event")

urlpatterns = router.urls
