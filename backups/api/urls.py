"""backups API routes: /backup/destinations, /backup/policies, /backup/jobs."""

from rest_framework.routers import SimpleRouter

from backups.api import views

router = SimpleRouter(trailing_slash=False)
router.register("backup/destinations", views.DestinationViewSet, basename="backup-destination")
router.register("backup/policies", views.PolicyViewSet, basename="backup-policy")
router.register("backup/jobs", views.JobViewSet, basename="backup-job")

urlpatterns = router.urls
