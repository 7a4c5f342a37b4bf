"""recording API routes (paths exactly as the reference, no trailing slashes)."""

from django.urls import path, re_path

from recording.api import clips_urls, playback_urls, recordings, stills_urls, system, views

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
    path("cameras/<str:camera_id>/timeline", recordings.CameraTimelineViewSet.as_view({"get": "retrieve"}), name="camera-timeline"),
    path("cameras/<str:camera_id>/gaps", recordings.CameraGapsViewSet.as_view({"get": "retrieve"}), name="camera-gaps"),
    path(
        "cameras/<str:camera_id>/recording-gaps/<str:gap_id>/retry",
        recordings.RecordingGapRetryViewSet.as_view({"post": "retry"}),
        name="camera-recording-gap-retry",
    ),
    path("cameras/<str:camera_id>/record-trigger", recordings.RecordTriggerViewSet.as_view({"post": "trigger"}), name="camera-record-trigger"),
    path(
        "segments/<str:segment_id>/evidence-lock",
        recordings.SegmentEvidenceViewSet.as_view({"post": "lock", "delete": "unlock"}),
        name="segment-evidence-lock",
    ),
    path("segments/<str:segment_id>/incident", recordings.SegmentEvidenceViewSet.as_view({"patch": "tag"}), name="segment-incident"),
    path("incidents", recordings.IncidentListViewSet.as_view({"get": "list"}), name="incidents"),
    # Incident tags are free-form and may contain "/".
    re_path(r"^incidents/(?P<incident_id>.+)/segments$", recordings.IncidentSegmentListViewSet.as_view({"get": "list"}), name="incident-segments"),
]

urlpatterns += [
    path("system", system.SystemView.as_view(), name="system"),
    path("system/retention", system.RetentionLimitsView.as_view(), name="system-retention"),
]

urlpatterns += playback_urls.urlpatterns + stills_urls.urlpatterns + clips_urls.urlpatterns
