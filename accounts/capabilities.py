"""Roles → capabilities (reference §1.4), pure and tested without a database."""

from __future__ import annotations

ADMIN = "admin"
REGISTRY_MANAGE = "registry:manage"
GATE_OPERATE = "gate:operate"
CAMERA_READ = "camera:read"
VIDEO_LIVE = "video:live"
VIDEO_PLAYBACK = "video:playback"
VIDEO_EXPORT = "video:export"
EVENTS_READ = "events:read"
IDENTITY_READ = "identity:read"
AI_TASKS = "ai:tasks"
AI_FRAMES = "ai:frames"
AI_INGEST = "ai:ingest"
AI_EMBEDWORK = "ai:embedwork"
SYSTEM_READ = "system:read"
NET_SCAN = "net:scan"
MODULE_PROXY = "module:proxy"

ALL_CAPABILITIES: tuple[str, ...] = (
    ADMIN, REGISTRY_MANAGE, GATE_OPERATE, CAMERA_READ, VIDEO_LIVE, VIDEO_PLAYBACK, VIDEO_EXPORT,
    EVENTS_READ, IDENTITY_READ, AI_TASKS, AI_FRAMES, AI_INGEST, AI_EMBEDWORK, SYSTEM_READ, NET_SCAN,
    MODULE_PROXY,
)
VIEW_SET = frozenset({
    CAMERA_READ, VIDEO_LIVE, VIDEO_PLAYBACK, VIDEO_EXPORT, EVENTS_READ, IDENTITY_READ, AI_TASKS,
    AI_FRAMES, SYSTEM_READ, NET_SCAN, MODULE_PROXY,
})
# Capabilities a minted key may only hold with confirm_privileged=true.
PRIVILEGED = frozenset({ADMIN, REGISTRY_MANAGE, GATE_OPERATE})
# Capabilities that cannot be combined with a camera scope (they read fleet-wide data).
UNSCOPABLE = frozenset({EVENTS_READ, IDENTITY_READ})

ROLES: tuple[str, ...] = ("admin", "manager", "guard", "viewer", "integration")
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "admin": frozenset(ALL_CAPABILITIES),
    "manager": VIEW_SET | {GATE_OPERATE, REGISTRY_MANAGE},
    "guard": VIEW_SET | {GATE_OPERATE},
    "viewer": VIEW_SET,
    "integration": VIEW_SET | {AI_INGEST, AI_EMBEDWORK},
}
# Under machine-auth `enforce`, legacy integration keys shrink to the machine surface.
ENFORCED_INTEGRATION = frozenset({AI_TASKS, AI_FRAMES, AI_INGEST, AI_EMBEDWORK, CAMERA_READ, EVENTS_READ})


def role_capabilities(role: str, machine_auth: str = "warn", for_key: bool = False) -> frozenset[str]:
    """The expansion of a role; integration keys under `enforce` get the narrow machine set."""
    caps = ROLE_CAPABILITIES.get(role, frozenset())
    if for_key and role == "integration" and machine_auth == "enforce":
        return ENFORCED_INTEGRATION
    return caps


def expand(capabilities) -> frozenset[str]:
    """Explicit capability list → effective set (`admin` implies every capability)."""
    known = frozenset(c for c in capabilities if c in ALL_CAPABILITIES)
    return frozenset(ALL_CAPABILITIES) if ADMIN in known else known


def holds(effective: frozenset[str], capability: str) -> bool:
    return ADMIN in effective or capability in effective


def unknown_capabilities(capabilities) -> list[str]:
    return [c for c in capabilities if c not in ALL_CAPABILITIES]
