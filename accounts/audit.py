"""The single writer of the audit log (reference §3.16). Best-effort: never fails the request."""

from __future__ import annotations

import logging

from django.db import transaction

from accounts.models import AuditLog
from accounts.principal import SYSTEM, Principal

log = logging.getLogger(__name__)


def subject_camera(target_type: str, target_id: str, detail: dict) -> str | None:
    """The camera an audit row is about, if any (reference §3.16 derivation)."""
    if target_type == "camera" and target_id and target_id != "*":
        return target_id
    camera_id = detail.get("camera_id")
    if isinstance(camera_id, str) and camera_id:
        return camera_id
    camera_ids = detail.get("camera_ids")
    if isinstance(camera_ids, list) and len(camera_ids) == 1 and isinstance(camera_ids[0], str):
        return camera_ids[0]
    return None


def client_ip(request) -> str | None:
    if request is None:
        return None
    meta = getattr(request, "META", {})
    return meta.get("REMOTE_ADDR") or None


def record(
    principal: Principal | None,
    action: str,
    target_type: str = "",
    target_id: str = "",
    detail: dict | None = None,
    request=None,
) -> AuditLog | None:
    """Append one audit row. Secrets must never be placed in `detail` by callers."""
    principal = principal or SYSTEM
    detail = detail or {}
    try:
        with transaction.atomic():
            return AuditLog.objects.create(
                actor=principal.id,
                actor_name=principal.name,
                actor_kind=principal.kind,
                role=principal.role,
                action=action,
                target_type=target_type,
                target_id=str(target_id or "")[:200],
                detail=detail,
                subject_camera_id=subject_camera(target_type, str(target_id or ""), detail),
                ip_address=client_ip(request),
            )
    except Exception:  # audit is best-effort by design: log and carry on
        log.exception("could not write audit row for %s", action)
        return None
