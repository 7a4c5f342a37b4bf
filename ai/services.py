"""Domain operations of the AI app: AI task and zone lifecycle (audited) and the event-log writer."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import audit
from accounts.principal import Principal
from ai.models import EVENT_TYPE_LENGTH, AiTask, Event, Severity, Zone
from cameras.models import Camera
from cameras.stream_urls import mask_credentials

log = logging.getLogger(__name__)

AI_TASK_FIELDS = ("task_type", "enabled", "stream_profile", "fps", "width", "config")
ZONE_FIELDS = ("name", "kind", "polygon", "dwell_seconds", "labels", "severity", "config", "enabled")


def _apply(instance, changes: dict, allowed: tuple[str, ...]) -> list[str]:
    changed = []
    for field in allowed:
        if field in changes and getattr(instance, field) != changes[field]:
            setattr(instance, field, changes[field])
            changed.append(field)
    return changed


# --- AI tasks ------------------------------------------------------------------------------------

def create_ai_task(principal: Principal | None, camera: Camera, data: dict, request=None, now=None) -> tuple[AiTask, bool]:
    """Create a task, or return the existing one for (camera, task_type, stream_profile) unchanged."""
    fields = {k: v for k, v in data.items() if k in AI_TASK_FIELDS}
    fields.setdefault("stream_profile", AiTask._meta.get_field("stream_profile").default)
    lookup = {"camera": camera, "task_type": fields["task_type"], "stream_profile": fields["stream_profile"]}
    existing = AiTask.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            task = AiTask.objects.create(camera=camera, created_at=now, **fields)
            audit.record(principal, "create_ai_task", "ai_task", task.pk, {
                "camera_id": camera.pk, "task_type": task.task_type, "stream_profile": task.stream_profile,
            }, request)
    except IntegrityError:
        # A concurrent create won the race: answer like any other duplicate.
        existing = AiTask.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing, False
    return task, True


def update_ai_task(principal: Principal | None, task: AiTask, changes: dict, request=None) -> AiTask:
    """Apply a partial update; a (type, profile) collision surfaces as IntegrityError (409)."""
    with transaction.atomic():
        changed = _apply(task, changes, AI_TASK_FIELDS)
        if changed:
            task.save()
        audit.record(principal, "update_ai_task", "ai_task", task.pk, {"camera_id": task.camera_id, "fields": changed}, request)
    return task


def delete_ai_task(principal: Principal | None, task: AiTask, request=None) -> None:
    """Delete a task (its lease goes with it)."""
    detail = {"camera_id": task.camera_id, "task_type": task.task_type, "stream_profile": task.stream_profile}
    with transaction.atomic():
        task_id = task.pk
        task.delete()
        audit.record(principal, "delete_ai_task", "ai_task", task_id, detail, request)


# --- zones ---------------------------------------------------------------------------------------

def create_zone(principal: Principal | None, camera: Camera, data: dict, request=None, now=None) -> tuple[Zone, bool]:
    """Create a zone, or return the camera's existing zone of the same name unchanged."""
    fields = {k: v for k, v in data.items() if k in ZONE_FIELDS}
    existing = Zone.objects.filter(camera=camera, name=fields["name"]).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    try:
        with transaction.atomic():
            zone = Zone.objects.create(camera=camera, created_at=now, **fields)
            audit.record(principal, "create_zone", "zone", zone.pk, {
                "camera_id": camera.pk, "name": zone.name, "kind": zone.kind,
            }, request)
    except IntegrityError:
        existing = Zone.objects.filter(camera=camera, name=fields["name"]).first()
        if existing is None:
            raise
        return existing, False
    return zone, True


def update_zone(principal: Principal | None, zone: Zone, changes: dict, request=None) -> Zone:
    """Apply a partial update (already validated against the resulting kind and polygon)."""
    with transaction.atomic():
        changed = _apply(zone, changes, ZONE_FIELDS)
        if changed:
            zone.save()
        audit.record(principal, "update_zone", "zone", zone.pk, {"camera_id": zone.camera_id, "fields": changed}, request)
    return zone


def delete_zone(principal: Principal | None, zone: Zone, request=None) -> None:
    """Delete a zone; its past zone events keep the copied zone name."""
    detail = {"camera_id": zone.camera_id, "name": zone.name}
    with transaction.atomic():
        zone_id = zone.pk
        zone.delete()
        audit.record(principal, "delete_zone", "zone", zone_id, detail, request)


# --- event log -----------------------------------------------------------------------------------

def _scrub(value):
    """Mask stream credentials in every string of a payload (and drop NULs PostgreSQL refuses)."""
    if isinstance(value, str):
        return mask_credentials(value).replace("\x00", "")
    if isinstance(value, dict):
        return {_scrub(str(k)): _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def log_event(camera_id, event_type: str, severity: str = Severity.INFO, payload: dict | None = None, now=None) -> Event:
    """Append one event to the log: the single writer other apps call (reference §2.10, §3.11)."""
    if isinstance(camera_id, Camera):
        camera_id = camera_id.pk
    if not isinstance(event_type, str) or not event_type or len(event_type) > EVENT_TYPE_LENGTH:
        raise ValueError(f"event_type must be 1..{EVENT_TYPE_LENGTH} characters")
    if severity not in Severity.values:
        raise ValueError(f"severity must be one of: {', '.join(Severity.values)}")
    if payload is not None and not isinstance(payload, dict):
        raise ValueError("payload must be a dict")
    now = now or timezone.now()
    return Event.objects.create(
        camera_id=camera_id or None,
        event_type=event_type,
        severity=str(severity),
        timestamp=now,
        created_at=now,
        payload=_scrub(payload or {}),
    )
