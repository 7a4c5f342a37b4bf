"""recording API routes (paths exactly as the reference, no trailing slashes)."""

from django.urls import path

from recording.api import views

LIST_CREATE = {"get": "list", "post": "create"}
PATCH_DELETE = {"patch": "partial_update", "delete": "destroy"}

urlpatterns = [
    path("cameras/<str:camera_id>/schedules", views.CameraRecordScheduleViewSet.as_view(LIST_CREATE), name="camera-record-schedules"),
    path("schedules/<str:schedule_id>", views.RecordScheduleViewSet.as_view(PATCH_DELETE), name="record-schedule"),
    path(
        "cameras/<str:camera_id>/snapshot-schedules",
        views.CameraSnapshotScheduleViewSet.as_view(LIST_CREATE),
        name="camera-snapshot-schedules",
    ),
    path("snapshot-schedules/<str:schedule_id>", views.SnapshotScheduleViewSet.as_view(PATCH_DELETE), name="snapshot-schedule"),
    path("health/cameras", views.CameraHealthListViewSet.as_view({"get": "list"}), name="camera-health-list"),
    path("cameras/<str:camera_id>/health", views.CameraHealthViewSet.as_view({"get": "retrieve"}), name="camera-health"),
    path("cameras/<str:camera_id>/segments", views.SegmentListViewSet.as_view({"get": "list"}), name="camera-segments"),
    path(
        "cameras/<str:camera_id>/recording-gaps",
        views.RecordingGapListViewSet.as_view({"get": "list"}),
        name="camera-recording-gaps",
    ),
    path("cameras/<str:camera_id>/snapshots", views.SnapshotListViewSet.as_view({"get": "list"}), name="camera-snapshots"),
]
