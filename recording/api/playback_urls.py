"""recording API routes of the playback endpoints (included by recording/api/urls.py)."""

from django.urls import path

from recording.api import playback

urlpatterns: list = [
    path("segments/<str:segment_id>/media", playback.SegmentMediaViewSet.as_view({"get": "media"}), name="segment-media"),
    path("segments/<str:segment_id>/init.mp4", playback.SegmentMediaViewSet.as_view({"get": "init_segment"}), name="segment-init"),
    path(
        "segments/<str:segment_id>/fragments.m4s",
        playback.SegmentMediaViewSet.as_view({"get": "fragments"}),
        name="segment-fragments",
    ),
    path("cameras/<str:camera_id>/playlist.m3u8", playback.CameraPlaylistViewSet.as_view({"get": "retrieve"}), name="camera-playlist"),
]
