"""DRF authentication: API keys (`X-API-Key` or `Authorization: Bearer`) and sessions with CSRF."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts import capabilities as caps
from accounts.models import ApiKey
from accounts.principal import for_api_key, for_user

KEY_PREFIX = "nvk_"
LAST_USED_DEBOUNCE = timedelta(minutes=1)


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def presented_key(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    key = request.META.get("HTTP_X_API_KEY", "").strip()
    return key or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """Resolves a presented API key; a presented but unusable key is a 401, never a fallback."""

    def authenticate(self, request):
        raw = presented_key(request)
        if raw is None:
            return None
        if len(raw) > 200:
            raise exceptions.AuthenticationFailed("invalid or expired credentials")
        key = ApiKey.objects.filter(key_hash=hash_key(raw)).first()
        now = timezone.now()
        if key is None or not key.is_usable(now):
            raise exceptions.AuthenticationFailed("invalid or expired credentials")
        principal = for_api_key(key, settings.NVR_MACHINE_AUTH)
        if principal.is_scoped and principal.capabilities & caps.UNSCOPABLE:
            raise exceptions.AuthenticationFailed("credential combines a camera scope with fleet-wide capabilities")
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_DEBOUNCE:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return principal, key

    def authenticate_header(self, request):
        return 'Bearer realm="nvr"'


class SessionAuthentication(authentication.SessionAuthentication):
    """Django session (console login) with CSRF enforced on unsafe methods."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, _ = result
        if user.role not in caps.ROLES:
            return None
        return for_user(user), None
