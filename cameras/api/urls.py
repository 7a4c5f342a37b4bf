"""cameras API routes: `/api/v1/cameras` and `/api/v1/cameras/{id}`."""

from rest_framework.routers import SimpleRouter

from cameras.api.views import CameraViewSet

router = SimpleRouter(trailing_slash=False)
router.register("cameras", CameraViewSet, basename="camera")

urlpatterns = router.urls
