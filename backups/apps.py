"""Backup destinations, policies, jobs and the replication catalogue."""

from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "backups"
