"""Camera scope of API keys (reference §1.5): 403 before existence, list filtering in SQL."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.exceptions import PermissionDenied

from accounts.principal import Principal


def out_of_scope(camera_id: str, action: str) -> PermissionDenied:
    return PermissionDenied(f"credential is not scoped to camera '{camera_id}' (cannot {action})")


def require_camera(principal: Principal, camera_id: str, action: str) -> None:
    """Raise 403 when a scoped credential addresses a camera outside its list (checked before lookup)."""
    if not principal.in_scope(camera_id):
        raise out_of_scope(camera_id, action)


def filter_queryset(queryset: QuerySet, principal: Principal, field: str = "camera_id") -> QuerySet:
    """Narrow a queryset to the principal's cameras (no-op for fleet-wide principals)."""
    if principal.camera_scope is None:
        return queryset
    return queryset.filter(**{f"{field}__in": sorted(principal.camera_scope)})


def confine_camera_list(principal: Principal, camera_ids: list[str], action: str) -> list[str]:
    """A caller-supplied camera list: empty means 'mine' for scoped callers; outsiders are a 403."""
    if principal.camera_scope is None:
        return list(camera_ids)
    if not camera_ids:
        return sorted(principal.camera_scope)
    for camera_id in camera_ids:
        require_camera(principal, camera_id, action)
    return list(camera_ids)


def covers(principal: Principal, camera_ids: list[str]) -> bool:
    """True when the principal may see every camera of a list ([] = fleet-wide)."""
    if principal.camera_scope is None:
        return True
    return bool(camera_ids) and all(c in principal.camera_scope for c in camera_ids)
