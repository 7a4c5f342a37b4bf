"""AI tasks and leases, detections, zones, zone events and the event log."""

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"
