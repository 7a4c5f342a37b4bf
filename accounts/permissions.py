"""Capability checks for API views.

A view declares what it needs:
  * `capabilities = {"list": "camera:read", "create": "registry:manage", ...}` per action, or
  * `read_capability` (safe methods) and `write_capability` (unsafe methods; default registry:manage);
  * `action_phrases = {"create": "create camera", ...}` names actions in 403 messages;
  * `fleet_only = True` refuses camera-scoped API keys outright;
  * `public = True` needs no credential at all (login, logout, health probes).
"""

from __future__ import annotations

from rest_framework import exceptions, permissions

from accounts import capabilities as caps
from accounts.principal import principal_of

SAFE_METHODS = permissions.SAFE_METHODS


def required_capability(request, view) -> str | None:
    action = getattr(view, "action", None)
    mapping = getattr(view, "capabilities", None) or {}
    if action in mapping:
        return mapping[action]
    if request.method in SAFE_METHODS:
        return getattr(view, "read_capability", None)
    return getattr(view, "write_capability", caps.REGISTRY_MANAGE)


def describe_action(request, view) -> str:
    """Readable action for 403 texts: `view.action_phrases[action]`, else "<action> <basename>"."""
    action = getattr(view, "action", None)
    phrase = (getattr(view, "action_phrases", None) or {}).get(action or "")
    return phrase or f"{(action or request.method).lower()} {getattr(view, 'basename', None) or view.__class__.__name__}"


def deny_capability(principal, capability: str, action: str):
    raise exceptions.PermissionDenied(
        f"role '{principal.role}' is not permitted to {action} (missing capability '{capability}')"
    )


class CapabilityPermission(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        if getattr(view, "public", False):
            return True
        principal = principal_of(request)
        if principal is None:
            raise exceptions.NotAuthenticated("authentication required")
        if getattr(view, "fleet_only", False) and principal.is_scoped:
            raise exceptions.PermissionDenied(f"a camera-scoped credential cannot {describe_action(request, view)}")
        capability = required_capability(request, view)
        if capability and not principal.can(capability):
            deny_capability(principal, capability, describe_action(request, view))
        return True


def require(request, capability: str, action: str) -> None:
    """Imperative check for code paths that need a second capability."""
    principal = principal_of(request)
    if principal is None:
        raise exceptions.NotAuthenticated("authentication required")
    if not principal.can(capability):
        deny_capability(principal, capability, action)
