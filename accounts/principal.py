"""The caller of a request: a user, an API key or the system, with effective capabilities and scope."""

from __future__ import annotations

from dataclasses import dataclass, field

from accounts import capabilities as caps


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "api_key" | "system"
    id: str
    name: str
    role: str
    capabilities: frozenset[str] = field(default_factory=frozenset)
    camera_scope: frozenset[str] | None = None  # None = fleet-wide; a set = only these cameras
    user: object | None = None  # the accounts.User for kind "user"
    api_key: object | None = None  # the accounts.ApiKey for kind "api_key"

    is_authenticated = True
    is_anonymous = False
    is_active = True

    def can(self, capability: str) -> bool:
        return caps.holds(self.capabilities, capability)

    @property
    def is_scoped(self) -> bool:
        return self.camera_scope is not None

    def in_scope(self, camera_id: str) -> bool:
        return self.camera_scope is None or camera_id in self.camera_scope

    @property
    def pk(self) -> str:  # lets DRF throttles and logging treat it like a user
        return self.id


SYSTEM = Principal(kind="system", id="system", name="system", role="admin", capabilities=frozenset(caps.ALL_CAPABILITIES))


def for_user(user) -> Principal:
    return Principal(
        kind="user",
        id=user.pk,
        name=user.username,
        role=user.role,
        capabilities=caps.role_capabilities(user.role),
        user=user,
    )


def for_api_key(key, machine_auth: str) -> Principal:
    if key.capabilities is None:
        effective = caps.role_capabilities(key.role, machine_auth, for_key=True)
    else:
        effective = caps.expand(key.capabilities)
    scope = None
    if key.scope_kind == key.SCOPE_CAMERAS:
        cameras = key.scope_cameras if isinstance(key.scope_cameras, list) else []
        scope = frozenset(c for c in cameras if isinstance(c, str) and c)
    elif key.scope_kind != key.SCOPE_ALL:
        scope = frozenset()  # unknown scope kind: sees nothing
    return Principal(kind="api_key", id=key.pk, name=key.name, role=key.role, capabilities=effective, camera_scope=scope, api_key=key)


def principal_of(request) -> Principal | None:
    """The Principal of a DRF or Django request (cached on the request)."""
    cached = getattr(request, "_nvr_principal", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    if isinstance(user, Principal):
        principal = user
    elif user is not None and getattr(user, "is_authenticated", False) and user.is_active:
        principal = for_user(user)
    else:
        return None
    try:
        request._nvr_principal = principal
    except AttributeError:
        pass
    return principal
