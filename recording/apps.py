"""Segments, gaps, schedules, snapshots and camera status."""

from django.apps import AppConfig


class RecordingConfig(AppConfig):
    name = "recording"
