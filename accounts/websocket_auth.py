"""Who is on the other end of a websocket: the console session's user, or an API key from the handshake headers."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from accounts import capabilities as caps
from accounts.authentication import hash_key
from accounts.models import ApiKey
from accounts.principal import Principal, for_api_key, for_user

MAX_KEY_LENGTH = 200


def _header(scope: dict, name: bytes) -> str:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return ""


def presented_key(scope: dict) -> str | None:
    """The API key of the handshake (`Authorization: Bearer` first, then `X-API-Key`), as for HTTP."""
    scheme, _, token = _header(scope, b"authorization").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return _header(scope, b"x-api-key") or None


def principal_from_scope(scope: dict) -> Principal | None:
    """The caller of a websocket handshake, or None (no credential, or an unusable one). Sync: runs DB queries.

    A presented key wins over the session, and a bad key is refused rather than falling back to the
    session, the same rule as the HTTP API.
    """
    raw = presented_key(scope)
    if raw is not None:
        if len(raw) > MAX_KEY_LENGTH:
            return None
        key = ApiKey.objects.filter(key_hash=hash_key(raw)).first()
        if key is None or not key.is_usable(timezone.now()):
            return None
        principal = for_api_key(key, settings.NVR_MACHINE_AUTH)
        if principal.is_scoped and principal.capabilities & caps.UNSCOPABLE:
            return None
        return principal
    user = scope.get("user")
    if user is not None and getattr(user, "is_authenticated", False) and user.is_active and user.role in caps.ROLES:
        return for_user(user)
    return None
