"""Websocket routes (consumers are added by the apps that push live data)."""

websocket_urlpatterns: list = []
