"""Users, API keys, roles and capabilities, the audit log."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from accounts.api import schema  # noqa: F401  (registers the OpenAPI auth extensions)
