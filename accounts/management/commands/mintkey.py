"""Mint an API key from the command line; the key is printed once."""

from django.core.management.base import BaseCommand, CommandError
from rest_framework.exceptions import ValidationError

from accounts import capabilities as caps
from accounts import services
from accounts.api.serializers import ApiKeyCreateSerializer
from accounts.principal import SYSTEM
from accounts.services import Grant


def _csv(value: str | None) -> list[str] | None:
    return None if value is None else [part.strip() for part in value.split(",") if part.strip()]


class Command(BaseCommand):
    help = "Mint an API key (printed once). Without --capabilities the role's capabilities apply."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--role", default="integration", choices=caps.ROLES)
        parser.add_argument("--capabilities", help="comma-separated capability slugs")
        parser.add_argument("--scope-cameras", help="comma-separated camera ids (limits the key to them)")
        parser.add_argument("--expires-at", help="RFC 3339 expiry, e.g. 2027-01-01T00:00:00Z")
        parser.add_argument("--confirm-privileged", action="store_true")

    def handle(self, *args, name, role, capabilities, scope_cameras, expires_at, confirm_privileged, **options):
        data = {"name": name, "role": role, "confirm_privileged": confirm_privileged}
        if capabilities is not None:
            data["capabilities"] = _csv(capabilities)
        if scope_cameras is not None:
            data.update(scope_kind="cameras", scope_cameras=_csv(scope_cameras))
        if expires_at:
            data["expires_at"] = expires_at
        body = ApiKeyCreateSerializer(data=data)
        if not body.is_valid():
            raise CommandError("; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in body.errors.items()))
        v = body.validated_data
        try:
            key, raw = services.create_api_key(
                SYSTEM, name=v["name"], expires_at=v.get("expires_at"),
                grant=Grant(v["role"], v.get("capabilities"), v["scope_kind"], v["scope_cameras"], v["confirm_privileged"]),
            )
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(map(str, m))}" for k, m in exc.detail.items())) from None
        self.stdout.write(f"minted key {key.pk} ({key.role}); the key is shown only once:\n{raw}")
