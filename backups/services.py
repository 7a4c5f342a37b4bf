"""Backup operations: destinations and policies, each mutation audited with secrets masked."""

from __future__ import annotations

from django.db import transaction
from rest_framework.exceptions import NotFound, ValidationError

from accounts import audit, scoping
from accounts.principal import Principal
from backups.destination_config import ConfigError, allowed_keys, validate_config
from backups.masking import mask_backup_config, merge_config_update
from backups.models import BackupDestination, BackupPolicy

POLICY_FIELDS = ("name", "destination_id", "camera_ids", "incident_lock_only", "schedule_interval_s", "lookback_hours", "enabled")


def prepare_config(kind: str, stored, new) -> dict:
    """Merge a submitted config over the stored one (`***` round-trip) and validate it for `kind`.

    `new=None` means no config was sent: the stored one is re-validated (a kind change must fit).
    Raises ConfigError.
    """
    if new is None:
        merged = stored if isinstance(stored, dict) else {}
    else:
        merged = merge_config_update(stored, new, allowed_keys(kind))
    return validate_config(kind, merged)


def _config_or_400(kind: str, stored, new) -> dict:
    try:
        return prepare_config(kind, stored, new)
    except ConfigError as exc:
        if set(exc.errors) == {"kind"}:
            raise ValidationError(exc.errors) from None
        raise ValidationError({"config": exc.errors}) from None


def destination_audit_detail(destination: BackupDestination) -> dict:
    masked, has_credentials = mask_backup_config(destination.config)
    return {
        "name": destination.name,
        "kind": destination.kind,
        "config": masked,
        "has_credentials": has_credentials,
        "enabled": destination.enabled,
    }


def create_destination(principal: Principal, *, name: str, kind: str, config: dict | None = None,
                       enabled: bool = True, request=None) -> BackupDestination:
    """Create a destination with a validated config; the audit row carries the masked config only."""
    clean = _config_or_400(kind, {}, config or {})
    with transaction.atomic():
        destination = BackupDestination.objects.create(name=name, kind=kind, config=clean, enabled=enabled)
        audit.record(principal, "create_backup_destination", "backup_destination", destination.pk,
                     destination_audit_detail(destination), request)
    return destination


def update_destination(principal: Principal, destination: BackupDestination, changes: dict,
                       request=None) -> BackupDestination:
    """Apply a partial update. A blank name keeps the old one; a kind change re-validates the config."""
    kind = changes.get("kind", destination.kind)
    if "config" in changes or kind != destination.kind:
        destination.config = _config_or_400(kind, destination.config, changes.get("config"))
    destination.kind = kind
    if changes.get("name"):
        destination.name = changes["name"]
    if "enabled" in changes:
        destination.enabled = changes["enabled"]
    with transaction.atomic():
        destination.save()
        detail = destination_audit_detail(destination)
        detail["changed"] = sorted(key for key in changes if key in ("name", "kind", "config", "enabled"))
        audit.record(principal, "update_backup_destination", "backup_destination", destination.pk, detail, request)
    return destination


def delete_destination(principal: Principal, destination: BackupDestination, request=None) -> None:
    """Delete a destination: its policies and catalogue go with it, its jobs keep a NULL destination."""
    detail = {"name": destination.name, "kind": destination.kind}
    with transaction.atomic():
        pk = destination.pk
        destination.delete()
        audit.record(principal, "delete_backup_destination", "backup_destination", pk, detail, request)


def _existing_destination(destination_id: str) -> BackupDestination:
    destination = BackupDestination.objects.filter(pk=destination_id).first()
    if destination is None:
        raise NotFound(f"backup destination {destination_id} not found")
    return destination


def _policy_detail(policy: BackupPolicy) -> dict:
    return {
        "name": policy.name,
        "destination_id": policy.destination_id,
        "camera_ids": list(policy.camera_ids),
        "incident_lock_only": policy.incident_lock_only,
        "schedule_interval_s": policy.schedule_interval_s,
        "lookback_hours": policy.lookback_hours,
        "enabled": policy.enabled,
    }


def create_policy(principal: Principal, *, name: str, destination_id: str, camera_ids: list[str] | None = None,
                  incident_lock_only: bool = False, schedule_interval_s: int | None = None,
                  lookback_hours: int | None = None, enabled: bool = True, request=None) -> BackupPolicy:
    """Create a policy; a scoped caller's camera list is confined to its scope (empty = its cameras)."""
    cameras = scoping.confine_camera_list(principal, camera_ids or [], "create backup policy")
    destination = _existing_destination(destination_id)
    fields = {"schedule_interval_s": schedule_interval_s, "lookback_hours": lookback_hours}
    with transaction.atomic():
        policy = BackupPolicy.objects.create(
            name=name, destination=destination, camera_ids=cameras, incident_lock_only=incident_lock_only,
            enabled=enabled, **{k: v for k, v in fields.items() if v is not None},
        )
        audit.record(principal, "create_backup_policy", "backup_policy", policy.pk, _policy_detail(policy), request)
    return policy


def update_policy(principal: Principal, policy: BackupPolicy, changes: dict, request=None) -> BackupPolicy:
    """Apply a partial update; a blank name keeps the old one, camera lists are confined to the scope."""
    if "camera_ids" in changes:
        policy.camera_ids = scoping.confine_camera_list(principal, changes["camera_ids"], "update backup policy")
    if "destination_id" in changes:
        policy.destination = _existing_destination(changes["destination_id"])
    if changes.get("name"):
        policy.name = changes["name"]
    for field in ("incident_lock_only", "schedule_interval_s", "lookback_hours", "enabled"):
        if field in changes:
            setattr(policy, field, changes[field])
    with transaction.atomic():
        policy.save()
        detail = _policy_detail(policy)
        detail["changed"] = sorted(key for key in changes if key in POLICY_FIELDS)
        audit.record(principal, "update_backup_policy", "backup_policy", policy.pk, detail, request)
    return policy


def delete_policy(principal: Principal, policy: BackupPolicy, request=None) -> None:
    """Delete a policy; its jobs stay with a NULL policy."""
    detail = {"name": policy.name, "destination_id": policy.destination_id, "camera_ids": list(policy.camera_ids)}
    with transaction.atomic():
        pk = policy.pk
        policy.delete()
        audit.record(principal, "delete_backup_policy", "backup_policy", pk, detail, request)
