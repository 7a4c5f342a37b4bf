"""Websocket routes of the recording app: live video and camera status."""

from django.urls import path

from recording.live.consumer import LiveConsumer
from recording.status_feed import CameraStatusConsumer

websocket_urlpatterns: list = [
    path("ws/status", CameraStatusConsumer.as_asgi()),
    path("ws/cameras/<str:camera_id>/live", LiveConsumer.as_asgi()),
]
