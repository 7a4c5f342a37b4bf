"""Who is on the other end of a websocket: an API key from the handshake headers, or the console session's user."""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed

from accounts import capabilities as caps
from accounts.authentication import ApiKeyAuthentication
from accounts.principal import Principal, for_user

_KEY_HEADERS = {"authorization": "HTTP_AUTHORIZATION", "x-api-key": "HTTP_X_API_KEY"}


class _Handshake:
    """Just enough of a request for the HTTP API-key authentication (it reads META), so the rules are one."""

    def __init__(self, scope: dict):
        self.META = {}
        for raw_name, raw_value in scope.get("headers") or ():
            meta = _KEY_HEADERS.get(raw_name.decode("latin-1").lower())
            if meta:
                self.META[meta] = raw_value.decode("latin-1")


def principal_from_scope(scope: dict) -> Principal | None:
    """The caller of a websocket handshake, or None (no credential, or an unusable one). Sync: runs DB queries.

    A presented key wins over the session, and a bad key is refused rather than falling back to the
    session: the same rule as the HTTP API.
    """
    try:
        result = ApiKeyAuthentication().authenticate(_Handshake(scope))
    except AuthenticationFailed:
        return None
    if result is not None:
        return result[0]
    user = scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if getattr(user, "role", None) not in caps.ROLES:
        return None
    return for_user(user)
