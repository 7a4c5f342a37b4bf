"""Account operations: login with lockout, bootstrap admin, users with last-admin protection, API keys."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts import audit
from accounts import capabilities as caps
from accounts.authentication import KEY_PREFIX, hash_key
from accounts.models import ApiKey, User
from accounts.principal import Principal, for_user

# A fixed hash verified for unknown users so that login timing does not reveal account existence.
_DUMMY_HASH = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = make_password(secrets.token_hex(16))
    return _DUMMY_HASH


class LoginFailed(Exception):
    """Every login failure looks the same to the caller: `invalid credentials`."""


def authenticate_login(username: str, password: str, request=None, now: datetime | None = None) -> User:
    """Check a username/password with lockout (reference §3.14). Returns the user or raises LoginFailed."""
    now = now or timezone.now()
    username = (username or "").strip()
    user = User.objects.filter(username=username).first() if username else None
    if user is None:
        check_password(password or "", _dummy_hash())
        raise LoginFailed()
    password_ok = user.check_password(password or "")
    if not user.is_active or user.role not in caps.ROLES:
        raise LoginFailed()
    if user.is_locked(now):
        raise LoginFailed()
    if not password_ok:
        _count_failure(user, request, now)
        raise LoginFailed()
    if user.failed_login_count or user.locked_until:
        User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
        user.failed_login_count, user.locked_until = 0, None
    audit.record(for_user(user), "login", "user", user.pk, {"username": user.username}, request)
    return user


def _lockout_enabled() -> bool:
    return settings.NVR_LOGIN_MAX_FAILURES > 0 and settings.NVR_LOGIN_LOCKOUT_MINUTES > 0


def _count_failure(user: User, request, now: datetime) -> None:
    if not _lockout_enabled():
        return
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_login_count=F("failed_login_count") + 1)
        count = User.objects.values_list("failed_login_count", flat=True).get(pk=user.pk)
        if count == settings.NVR_LOGIN_MAX_FAILURES:
            until = now + timedelta(minutes=settings.NVR_LOGIN_LOCKOUT_MINUTES)
            User.objects.filter(pk=user.pk).update(locked_until=until)
            audit.record(
                for_user(user), "login_locked", "user", user.pk,
                {"username": user.username, "locked_until": until.isoformat()}, request,
            )
        elif count > settings.NVR_LOGIN_MAX_FAILURES:
            # a stale counter from before a lock expired: start a new window
            User.objects.filter(pk=user.pk).update(failed_login_count=1)


# --- bootstrap ----------------------------------------------------------------------------------

def bootstrap_admin(password: str | None = None, username: str | None = None) -> tuple[User, str | None] | None:
    """Create the first admin when there is no user at all. Returns (user, generated_password|None)."""
    if User.objects.exists():
        return None
    username = (username or settings.NVR_ADMIN_USERNAME).strip()
    generated = None
    if not password:
        generated = password = secrets.token_urlsafe(12)
    if len(password) < 8:
        raise ValidationError({"password": ["must be at least 8 characters"]})
    with transaction.atomic():
        if User.objects.select_for_update().exists():
            return None
        user = User.objects.create_user(username=username, password=password, role="admin", display_name=username)
    audit.record(None, "create_user", "user", user.pk, {"username": username, "role": "admin", "bootstrap": True})
    return user, generated


# --- users --------------------------------------------------------------------------------------

def _other_active_admin_exists(user: User) -> bool:
    return User.objects.select_for_update().filter(role="admin", is_active=True).exclude(pk=user.pk).exists()


def end_sessions(user: User) -> int:
    """Delete every session of a user (deactivation, password change)."""
    user_id = str(user.pk)
    doomed = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now()) if s.get_decoded().get("_auth_user_id") == user_id]
    Session.objects.filter(pk__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def create_user(principal: Principal, *, username: str, password: str, role: str = "viewer",
                display_name: str | None = None, active: bool = True, request=None) -> User:
    user = User(username=username, role=role, display_name=display_name, is_active=active)
    user.set_password(password)
    user.save()
    audit.record(principal, "create_user", "user", user.pk, {"username": username, "role": role, "active": active}, request)
    return user


@transaction.atomic
def update_user(principal: Principal, user: User, changes: dict, request=None) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    demoting = changes.get("role", user.role) != "admin" or changes.get("is_active", user.is_active) is False
    if user.role == "admin" and user.is_active and demoting and not _other_active_admin_exists(user):
        raise ValidationError({"role": ["cannot demote or disable the last active admin"]})
    revoke = False
    for field in ("role", "display_name", "is_active"):
        if field in changes:
            setattr(user, field, changes[field])
    if changes.get("is_active") is False:
        revoke = True
    if changes.get("password"):
        user.set_password(changes["password"])
        revoke = True
    # any admin edit clears a lockout (reference §3.14)
    user.failed_login_count, user.locked_until = 0, None
    user.save()
    if revoke:
        transaction.on_commit(lambda: end_sessions(user))
    detail = {k: v for k, v in changes.items() if k != "password"}
    if "password" in changes:
        detail["password_changed"] = True
    audit.record(principal, "update_user", "user", user.pk, _jsonable(detail), request)
    return user


@transaction.atomic
def unlock_user(principal: Principal, user: User, request=None) -> User:
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None)
    user.refresh_from_db()
    audit.record(principal, "unlock_user", "user", user.pk, {"username": user.username}, request)
    return user


@transaction.atomic
def delete_user(principal: Principal, user: User, request=None) -> None:
    if principal.kind == "user" and principal.id == user.pk:
        raise ValidationError({"id": ["cannot delete your own account"]})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.role == "admin" and user.is_active and not _other_active_admin_exists(user):
        raise ValidationError({"id": ["cannot delete the last active admin"]})
    end_sessions(user)
    audit.record(principal, "delete_user", "user", user.pk, {"username": user.username}, request)
    user.delete()


# --- API keys -----------------------------------------------------------------------------------

@dataclass
class Grant:
    """The capability/scope part of a key, validated as a whole (reference §3.15 mint rules)."""

    role: str
    capabilities: list[str] | None
    scope_kind: str
    scope_cameras: list[str]
    confirm_privileged: bool = False


def validate_grant(grant: Grant) -> None:
    errors: dict[str, list[str]] = {}
    if grant.role not in caps.ROLES:
        errors["role"] = [f"must be one of: {', '.join(caps.ROLES)}"]
    if grant.capabilities is None:
        if grant.scope_kind != ApiKey.SCOPE_ALL:
            errors["scope_kind"] = ["'scope_kind' requires an explicit 'capabilities' list"]
        effective = caps.role_capabilities(grant.role)
    else:
        unknown = caps.unknown_capabilities(grant.capabilities)
        if not grant.capabilities:
            errors["capabilities"] = ["must not be empty (omit it to use the role's capabilities)"]
        elif unknown:
            errors["capabilities"] = [f"unknown capabilities {unknown}; valid: {', '.join(caps.ALL_CAPABILITIES)}"]
        elif set(grant.capabilities) & caps.PRIVILEGED and not grant.confirm_privileged:
            errors["confirm_privileged"] = ["privileged capabilities (admin, registry:manage, gate:operate) need confirm_privileged: true"]
        effective = caps.expand(grant.capabilities)
    if grant.scope_kind not in (ApiKey.SCOPE_ALL, ApiKey.SCOPE_CAMERAS):
        errors["scope_kind"] = ["must be 'all' or 'cameras'"]
    elif grant.scope_kind == ApiKey.SCOPE_CAMERAS:
        if effective & caps.UNSCOPABLE:
            errors["scope_kind"] = ["a camera-scoped key cannot hold admin, events:read or identity:read"]
        if not grant.scope_cameras or any(not c or not c.strip() for c in grant.scope_cameras):
            errors["scope_cameras"] = ["a camera scope needs a non-empty list of camera ids"]
    if errors:
        raise ValidationError(errors)


def new_key_material() -> str:
    return KEY_PREFIX + secrets.token_hex(32)


@transaction.atomic
def create_api_key(principal: Principal, *, name: str, grant: Grant, expires_at: datetime | None = None,
                   request=None) -> tuple[ApiKey, str]:
    """Mint a key. Returns (row, raw key); the raw key is never stored or shown again."""
    validate_grant(grant)
    raw = new_key_material()
    key = ApiKey.objects.create(
        name=name,
        key_hash=hash_key(raw),
        key_prefix=raw[:12],
        role=grant.role,
        capabilities=grant.capabilities,
        scope_kind=grant.scope_kind,
        scope_cameras=grant.scope_cameras if grant.scope_kind == ApiKey.SCOPE_CAMERAS else [],
        expires_at=expires_at,
        created_by=principal.id,
    )
    audit.record(principal, "create_api_key", "api_key", key.pk, {
        "name": name, "role": grant.role, "capabilities": grant.capabilities,
        "legacy_role_expansion": grant.capabilities is None, "scope_kind": key.scope_kind,
        "scope_cameras": key.scope_cameras, "expires_at": expires_at.isoformat() if expires_at else None,
        "confirm_privileged": grant.confirm_privileged,
    }, request)
    return key, raw


@transaction.atomic
def update_api_key(principal: Principal, key: ApiKey, changes: dict, request=None) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    touches_grant = any(f in changes for f in ("capabilities", "scope_kind", "scope_cameras", "role"))
    if touches_grant:
        if key.capabilities is None and "capabilities" not in changes and (
            "scope_kind" in changes or "scope_cameras" in changes
        ):
            raise ValidationError({"capabilities": ["changing the scope of a legacy key needs an explicit 'capabilities' list"]})
        grant = Grant(
            role=changes.get("role", key.role),
            capabilities=changes.get("capabilities", key.capabilities),
            scope_kind=changes.get("scope_kind", key.scope_kind),
            scope_cameras=changes.get("scope_cameras", key.scope_cameras or []),
            confirm_privileged=changes.get("confirm_privileged", False),
        )
        validate_grant(grant)
        key.role, key.capabilities, key.scope_kind = grant.role, grant.capabilities, grant.scope_kind
        key.scope_cameras = grant.scope_cameras if grant.scope_kind == ApiKey.SCOPE_CAMERAS else []
    for field in ("name", "active", "expires_at"):
        if field in changes:
            setattr(key, field, changes[field])
    if changes.get("revoked_at") is not None or changes.get("revoked") is True:
        # revocation is permanent: a revoked key stays revoked
        key.revoked_at = key.revoked_at or changes.get("revoked_at") or timezone.now()
    key.save()
    audit.record(principal, "update_api_key", "api_key", key.pk, _jsonable({k: v for k, v in changes.items()}), request)
    return key


@transaction.atomic
def delete_api_key(principal: Principal, key: ApiKey, request=None) -> None:
    audit.record(principal, "delete_api_key", "api_key", key.pk, {"name": key.name, "key_prefix": key.key_prefix}, request)
    key.delete()


def _jsonable(detail: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in detail.items()}
