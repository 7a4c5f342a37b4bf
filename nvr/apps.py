"""The project app: management commands, console views and project-wide plumbing."""

from django.apps import AppConfig


class NvrConfig(AppConfig):
    name = "nvr"
    verbose_name = "NVR"
