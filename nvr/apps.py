"""The project app: management commands, console views and project-wide plumbing."""

import time

from django.apps import AppConfig

# Read when Django starts (django.setup() imports every app config): the process's uptime origin.
PROCESS_STARTED = time.monotonic()


class NvrConfig(AppConfig):
    name = "nvr"
    verbose_name = "NVR"
