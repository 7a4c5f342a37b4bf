"""Users, API keys, roles and capabilities, the audit log."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
