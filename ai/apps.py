"""AI tasks and leases, detections, zones, zone events and the event log."""

from django.apps import AppConfig


class AiConfig(AppConfig):
    name = "ai"

    def ready(self):
        # Lower apps (recording, cameras) log events through nvr.eventlog; this app owns the table.
        from ai import services
        from nvr import eventlog

        eventlog.register_writer(services.log_event)
