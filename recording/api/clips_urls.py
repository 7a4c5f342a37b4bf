"""recording API routes of the clips endpoints (included by recording/api/urls.py)."""

from django.urls import path

from recording.api import clips

urlpatterns = [
    path("cameras/<str:camera_id>/clip", clips.CameraClipViewSet.as_view({"post": "export"}), name="camera-clip"),
    path("cameras/<str:camera_id>/clips", clips.CameraClipViewSet.as_view({"get": "list"}), name="camera-clips"),
    path("clips", clips.ClipListViewSet.as_view({"get": "list"}), name="clips"),
    path("clips/<str:clip_id>", clips.ClipViewSet.as_view({"get": "retrieve", "delete": "destroy"}), name="clip"),
    path("clips/<str:clip_id>/cancel", clips.ClipViewSet.as_view({"post": "cancel"}), name="clip-cancel"),
    path("clips/<str:clip_id>/download", clips.ClipViewSet.as_view({"get": "download"}), name="clip-download"),
]
