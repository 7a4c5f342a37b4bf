"""Segments, gaps, schedules, snapshots and camera status."""

from django.apps import AppConfig


class RecordingConfig(AppConfig):
    name = "recording"

    def ready(self):
        from recording import checks  # noqa: F401  (registers the NVR_TIME_ZONE check)
