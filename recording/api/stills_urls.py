"""recording API routes of the stills endpoints (included by recording/api/urls.py)."""

from django.urls import path

from recording.api import stills

urlpatterns = [
    path("cameras/<str:camera_id>/snapshot", stills.CameraStillViewSet.as_view({"get": "snapshot"}), name="camera-snapshot"),
    # GET lists, POST takes one: this route replaces the list-only one of recording/api/urls.py.
    path(
        "cameras/<str:camera_id>/snapshots",
        stills.CameraSnapshotViewSet.as_view({"get": "list", "post": "create"}),
        name="camera-snapshots",
    ),
    path("snapshots/<str:snapshot_id>/image", stills.SnapshotViewSet.as_view({"get": "image"}), name="snapshot-image"),
    path("snapshots/<str:snapshot_id>", stills.SnapshotViewSet.as_view({"delete": "destroy"}), name="snapshot"),
]
