"""Recording operations: record/snapshot schedule CRUD with audit rows, and camera status views."""

from __future__ import annotations

from django.db import transaction

from accounts import audit
from accounts.principal import Principal
from cameras.models import Camera
from recording.models import CameraState, CameraStatus, RecordSchedule, SnapshotSchedule

RECORD_SCHEDULE_FIELDS = ("days", "time_start", "time_end", "enabled")
SNAPSHOT_SCHEDULE_FIELDS = ("interval_seconds", "enabled")

# Status columns reported by the health endpoints, in response order (never a filesystem path).
STATUS_FIELDS = (
    "last_segment_at",
    "last_started_at",
    "reconnect_count",
    "segments_written",
    "fps_observed",
    "bitrate_kbps",
    "last_error",
    "recorder_pid",
    "frames_per_second",
    "last_packet_at",
    "lease_holder",
    "lease_expires_at",
    "clock_skew_seconds",
    "status_note",
    "updated_at",
)
_EMPTY_STATUS = CameraStatus(state=CameraState.UNKNOWN, updated_at=None)


def _apply(instance, changes: dict, allowed: tuple[str, ...]) -> list[str]:
    changed = []
    for name in allowed:
        if name in changes and getattr(instance, name) != changes[name]:
            setattr(instance, name, changes[name])
            changed.append(name)
    return changed


# --- record schedules ------------------------------------------------------------------------------

def create_record_schedule(principal: Principal, camera: Camera, data: dict, request=None) -> RecordSchedule:
    """Add a weekly recording window to a camera (data already validated and normalised)."""
    with transaction.atomic():
        schedule = RecordSchedule(camera=camera)
        _apply(schedule, data, RECORD_SCHEDULE_FIELDS)
        schedule.save()
        audit.record(principal, "create_record_schedule", "record_schedule", schedule.pk, {"camera_id": camera.pk}, request)
    return schedule


def update_record_schedule(principal: Principal, schedule: RecordSchedule, changes: dict, request=None) -> RecordSchedule:
    """Change a recording window (changes validated against the merged result)."""
    with transaction.atomic():
        changed = _apply(schedule, changes, RECORD_SCHEDULE_FIELDS)
        schedule.save()
        audit.record(
            principal,
            "update_record_schedule",
            "record_schedule",
            schedule.pk,
            {"camera_id": schedule.camera_id, "changed": changed},
            request,
        )
    return schedule


def delete_record_schedule(principal: Principal, schedule: RecordSchedule, request=None) -> None:
    """Remove a recording window."""
    with transaction.atomic():
        schedule_id, camera_id = schedule.pk, schedule.camera_id
        schedule.delete()
        audit.record(principal, "delete_record_schedule", "record_schedule", schedule_id, {"camera_id": camera_id}, request)


# --- snapshot schedules ----------------------------------------------------------------------------

def create_snapshot_schedule(principal: Principal, camera: Camera, data: dict, request=None) -> SnapshotSchedule:
    """Start taking periodic snapshots of a camera (interval already clamped)."""
    with transaction.atomic():
        schedule = SnapshotSchedule(camera=camera)
        _apply(schedule, data, SNAPSHOT_SCHEDULE_FIELDS)
        schedule.save()
        audit.record(principal, "create_snapshot_schedule", "snapshot_schedule", schedule.pk, {"camera_id": camera.pk}, request)
    return schedule


def update_snapshot_schedule(principal: Principal, schedule: SnapshotSchedule, changes: dict, request=None) -> SnapshotSchedule:
    """Change a snapshot schedule's interval or enabled flag."""
    with transaction.atomic():
        changed = _apply(schedule, changes, SNAPSHOT_SCHEDULE_FIELDS)
        schedule.save()
        audit.record(
            principal,
            "update_snapshot_schedule",
            "snapshot_schedule",
            schedule.pk,
            {"camera_id": schedule.camera_id, "changed": changed},
            request,
        )
    return schedule


def delete_snapshot_schedule(principal: Principal, schedule: SnapshotSchedule, request=None) -> None:
    """Remove a snapshot schedule (its snapshots stay, with `schedule` cleared)."""
    with transaction.atomic():
        schedule_id, camera_id = schedule.pk, schedule.camera_id
        schedule.delete()
        audit.record(principal, "delete_snapshot_schedule", "snapshot_schedule", schedule_id, {"camera_id": camera_id}, request)


# --- camera status ---------------------------------------------------------------------------------

def ensure_camera_status(camera: Camera) -> CameraStatus:
    """The camera's status row, created in state `unknown` if missing (call on camera create)."""
    status, _ = CameraStatus.objects.get_or_create(camera=camera)
    return status


def status_view_for(camera: Camera) -> dict:
    """The health view of a camera: its stored status, `unknown` without a row, `disabled` when off.

    Reads `camera.status` (use `select_related("status")` for lists to avoid a query per camera).
    """
    status = getattr(camera, "status", None) or _EMPTY_STATUS
    state = CameraState.DISABLED if not camera.enabled else status.state
    view = {"camera_id": camera.pk, "state": str(state)}
    view.update({name: getattr(status, name) for name in STATUS_FIELDS})
    return view
