"""Websocket routes of the recording app: live video and camera status."""

from django.urls import path

from recording.status_feed import CameraStatusConsumer

websocket_urlpatterns: list = [
    path("ws/status", CameraStatusConsumer.as_asgi()),
]
