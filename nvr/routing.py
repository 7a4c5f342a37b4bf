"""Websocket routes (consumers are added by the apps that push live data)."""

from recording.routing import websocket_urlpatterns as recording_routes

websocket_urlpatterns: list = [*recording_routes]
