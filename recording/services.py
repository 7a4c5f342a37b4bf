"""Recording operations: schedule CRUD, status views, coverage/timeline, gap retry, evidence, triggers."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from rest_framework.exceptions import NotFound

from accounts import audit
from accounts.principal import Principal
from cameras.models import SECRET_FIELDS, Camera
from nvr.api.exceptions import BadRequest, Conflict
from recording import coverage
from recording.models import (
    CameraState,
    CameraStatus,
    FillState,
    RecordingGap,
    RecordSchedule,
    Segment,
    SnapshotSchedule,
)

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
    "gap_reason",
    "trigger_until",
    "bytes_written",
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


def cameras_with_status() -> QuerySet:
    """Cameras with their status row and without the encrypted columns: a status view never dials a camera."""
    return Camera.objects.select_related("status").defer(*SECRET_FIELDS)


def status_view_for(camera: Camera) -> dict:
    """The health view of a camera: its stored status, `unknown` without a row, `disabled` when off.

    Reads `camera.status` (use `select_related("status")` for lists to avoid a query per camera).
    """
    status = getattr(camera, "status", None) or _EMPTY_STATUS
    state = CameraState.DISABLED if not camera.enabled else status.state
    view = {"camera_id": camera.pk, "state": str(state)}
    view.update({name: getattr(status, name) for name in STATUS_FIELDS})
    return view


# --- coverage, computed gaps and the timeline ------------------------------------------------------

# Segments last at most an hour plus a GOP (segment_seconds ≤ 3600) and refills from camera
# storage less than a day: bounding the start this far back keeps the query a tight range scan of
# the (camera, start_time) index instead of a walk through the camera's whole history.
LONGEST_SEGMENT = timedelta(days=1)
DAWN_OF_TIME = datetime.min.replace(tzinfo=dt_timezone.utc)
# A client's "to = now" is a little behind the server's clock (latency, skew).
NOW_SLACK = timedelta(minutes=1)
SECONDS_DECIMALS = 3


def overlapping_segments(segments: QuerySet, start: datetime | None, end: datetime | None) -> QuerySet:
    """Segments overlapping (start, end) (`end_time > start`, `start_time < end`; either bound optional)."""
    if start is not None:
        segments = segments.filter(end_time__gt=start)
        if start - DAWN_OF_TIME > LONGEST_SEGMENT:
            segments = segments.filter(start_time__gte=start - LONGEST_SEGMENT)
    if end is not None:
        segments = segments.filter(start_time__lt=end)
    return segments


def camera_coverage(camera_id: str, start: datetime, end: datetime) -> coverage.Coverage:
    """A camera's merged recorded ranges in [start, end]: one index-backed query of two columns."""
    rows = overlapping_segments(Segment.objects.filter(camera_id=camera_id), start, end)
    rows = rows.order_by("start_time").values_list("start_time", "end_time")
    return coverage.merge_sorted(rows.iterator(chunk_size=2000), start, end)


def _span_view(span: coverage.Span) -> dict:
    return {"start": span.start, "end": span.end, "seconds": round(span.seconds, SECONDS_DECIMALS)}


def camera_gaps(camera: Camera, start: datetime, end: datetime) -> dict:
    """Computed holes over 2 s in [start, end], leading and trailing edges included (reference `/gaps`)."""
    holes = coverage.find_holes(camera_coverage(camera.pk, start, end).ranges, start, end)
    return {
        "camera_id": camera.pk,
        "from": start,
        "to": end,
        "gaps": [_span_view(hole) for hole in holes],
        "gap_count": len(holes),
        "total_gap_seconds": round(sum(hole.seconds for hole in holes), SECONDS_DECIMALS),
    }


def camera_timeline(camera: Camera, start: datetime, end: datetime, now: datetime | None = None) -> dict:
    """Recorded ranges of a camera in [start, end], what is not recorded yet, what is being written and the holes."""
    now = now or timezone.now()
    covered = camera_coverage(camera.pk, start, end)
    view = {
        "camera_id": camera.pk,
        "from": start,
        "to": end,
        "ranges": [_span_view(span) for span in covered.ranges],
        "recorded_seconds": round(covered.recorded_seconds, SECONDS_DECIMALS),
        "segment_count": covered.segment_count,
        "not_recorded_yet": None,
        "in_progress": None,
        "gaps": [],
    }
    if not coverage.find_holes(covered.ranges, start, end):
        return view  # recorded throughout: nothing to tell apart (and no further query)
    facts = _timeline_facts(camera)
    reaches_now = start <= now and now - NOW_SLACK <= end
    # A camera without footage has been in its current hole since it was added, when the status says why.
    began = facts["first_footage"] or (camera.created_at if reaches_now and facts["gap_reason"] else None)
    parts = coverage.outline(covered.ranges, start, end, began, _writing(camera, facts, end, now) if reaches_now else None)
    view["not_recorded_yet"] = parts.not_recorded_yet and _span_view(parts.not_recorded_yet)
    view["in_progress"] = parts.in_progress and _span_view(parts.in_progress)
    view["gaps"] = _explain_holes(camera, parts.holes, end, now, facts["gap_reason"])
    return view


# A healthy ingest reports packets every few seconds; older than this the recorder is stuck or gone.
LIVE_PACKET_FRESHNESS = timedelta(seconds=30)
# The segment being written began at most one segment length ago, plus a keyframe interval and the
# moment it takes to close and index the previous one.
WRITING_SLACK = timedelta(seconds=30)


def _timeline_facts(camera: Camera) -> dict:
    """Where the camera's footage begins and its status, in one query (the camera may have no status row)."""
    first = Segment.objects.filter(camera_id=OuterRef("pk")).order_by("start_time").values("start_time")[:1]
    columns = ("first_footage", "status__state", "status__gap_reason", "status__last_packet_at", "status__last_started_at")
    row = Camera.objects.filter(pk=camera.pk).annotate(first_footage=Subquery(first)).values(*columns).first() or {}
    return {name.removeprefix("status__"): row.get(name) for name in columns}


def _writing(camera: Camera, facts: dict, end: datetime, now: datetime) -> coverage.Span | None:
    """When the segment not indexed yet may have begun and until when it runs, if the camera records now."""
    packet = facts["last_packet_at"]
    if not camera.enabled or facts["state"] != CameraState.RECORDING or packet is None or now - packet > LIVE_PACKET_FRESHNESS:
        return None
    # Never before the camera existed or its ingest run started.
    earliest = (now - timedelta(seconds=camera.segment_seconds) - WRITING_SLACK, camera.created_at, facts["last_started_at"])
    since = max(moment for moment in earliest if moment is not None)
    return coverage.Span(since, end if end - now <= NOW_SLACK else now)


def _explain_holes(camera: Camera, holes: list[coverage.Span], end: datetime, now: datetime, current: str | None) -> list[dict]:
    """Each hole with the persisted gap overlapping it most; an open hole reaching now takes the status reason."""
    if not holes:
        return []
    rows = (
        RecordingGap.objects.filter(camera_id=camera.pk, gap_start__lt=holes[-1].end, gap_end__gt=holes[0].start)
        .order_by("gap_start")
        .values_list("gap_start", "gap_end", "id", "reason", "fill_state")
    )
    notes = [(start, stop, {"gap_id": gap_id, "reason": reason, "fill_state": state}) for start, stop, gap_id, reason, state in rows]
    views = [
        {**_span_view(item.span), **(item.note or {"gap_id": None, "reason": None, "fill_state": None})}
        for item in coverage.annotate(holes, notes)
    ]
    trailing = holes[-1]
    # The hole the camera is in right now has no row yet (a gap row is written when footage resumes).
    if views[-1]["gap_id"] is None and trailing.end == end and trailing.start <= now and now - NOW_SLACK <= end:
        views[-1]["reason"] = current
    return views


# --- recording gaps --------------------------------------------------------------------------------

RETRYABLE_FILL_STATES = (FillState.PENDING, FillState.FAILED, FillState.EXPIRED)


def retry_recording_gap(principal: Principal | None, gap: RecordingGap, request=None) -> RecordingGap:
    """Queue a gap for ANR again: `pending`, no attempts (deliberate and filled holes are a 409)."""
    if gap.fill_state == FillState.NOT_APPLICABLE:
        raise Conflict(f"recording gap {gap.pk} is a deliberate hole ({gap.reason}) and cannot be refilled")
    if gap.fill_state == FillState.FILLED:
        raise Conflict(f"recording gap {gap.pk} is already filled")
    with transaction.atomic():
        # Conditional: ANR may have filled the gap since it was read.
        reset = RecordingGap.objects.filter(pk=gap.pk, fill_state__in=RETRYABLE_FILL_STATES).update(
            fill_state=FillState.PENDING, fill_attempts=0, last_attempt_at=None, filled_at=None
        )
        if not reset:
            raise Conflict(f"recording gap {gap.pk} changed state meanwhile; reload it")
        audit.record(
            principal, "anr_retry_gap", "recording_gap", gap.pk,
            {"camera_id": gap.camera_id, "previous_state": gap.fill_state}, request,
        )
    gap.refresh_from_db()
    return gap


# --- evidence locks and incidents ------------------------------------------------------------------

def lock_segment_evidence(principal: Principal | None, segment: Segment, incident_id: str | None = None, request=None) -> Segment:
    """Hold a segment as evidence (retention never prunes it); an incident id tags it, none keeps the tag."""
    changes: dict = {"evidence_locked": True}
    if incident_id:
        changes["incident_id"] = incident_id
    return _change_segment(principal, segment, changes, "evidence_lock_segment", request)


def unlock_segment_evidence(principal: Principal | None, segment: Segment, request=None) -> Segment:
    """Release a segment's evidence hold; its incident tag stays."""
    return _change_segment(principal, segment, {"evidence_locked": False}, "evidence_unlock_segment", request)


def tag_segment_incident(principal: Principal | None, segment: Segment, incident_id: str | None, request=None) -> Segment:
    """Set (or, with None, clear) a segment's incident tag."""
    return _change_segment(principal, segment, {"incident_id": incident_id}, "tag_segment_incident", request)


def _change_segment(principal, segment: Segment, changes: dict, action: str, request) -> Segment:
    with transaction.atomic():
        # Only the named columns: readers change `read_locks` concurrently, and a segment that
        # retention removed meanwhile is a 404 rather than a failed save.
        if not Segment.objects.filter(pk=segment.pk).update(**changes):
            raise NotFound(f"segment {segment.pk} not found")
        for name, value in changes.items():
            setattr(segment, name, value)
        detail = {"camera_id": segment.camera_id, "evidence_locked": segment.evidence_locked, "incident_id": segment.incident_id}
        audit.record(principal, action, "segment", segment.pk, detail, request)
    return segment


# --- event triggers --------------------------------------------------------------------------------

POST_ROLL_MAX_SECONDS = 3600


class TriggerRefused(BadRequest):
    """A record trigger for a camera that cannot take one."""

    default_code = "trigger_refused"


def trigger_refusal(camera: Camera) -> str | None:
    """Why a camera cannot be triggered now, or None when it can."""
    if not settings.NVR_RECORDER_ENABLED:
        return "the recorder is disabled on this server (NVR_RECORDER_ENABLED)"
    if not camera.should_record:
        return f"camera {camera.pk} is not recording (camera or recording disabled)"
    if not camera.is_event_capable:
        return f"camera {camera.pk} records in mode '{camera.record_mode}'; triggers need 'event' or 'scheduled_event'"
    return None


def trigger_recording(
    camera: Camera, now: datetime | None = None, principal: Principal | None = None, *, audited: bool = True, request=None
) -> dict:
    """Open or extend a camera's event window to now + post-roll (never shortens it); the recorder polls it.

    Raises TriggerRefused (a 400) when the camera cannot record on events. Zone-driven callers pass
    `audited=False`: one audit row per manual trigger, not per detection.
    """
    refusal = trigger_refusal(camera)
    if refusal:
        raise TriggerRefused(refusal)
    post_roll = min(max(camera.post_roll_seconds, 0), POST_ROLL_MAX_SECONDS)
    window_end = _extend_trigger_window(camera, (now or timezone.now()) + timedelta(seconds=post_roll))
    if audited:
        detail = {"window_end": window_end.isoformat(), "post_roll_seconds": post_roll}
        audit.record(principal, "record_trigger", "camera", camera.pk, detail, request)
    return {
        "camera_id": camera.pk,
        "triggered": True,
        "window_end": window_end,
        "pre_roll_seconds": camera.pre_roll_seconds,
        "post_roll_seconds": post_roll,
    }


def _extend_trigger_window(camera: Camera, window_end: datetime) -> datetime:
    """Set `trigger_until` to window_end unless it is already later (conditional UPDATE); the result."""
    shorter = Q(trigger_until__isnull=True) | Q(trigger_until__lt=window_end)
    if CameraStatus.objects.filter(shorter, camera_id=camera.pk).update(trigger_until=window_end):
        return window_end
    status, created = CameraStatus.objects.get_or_create(camera_id=camera.pk, defaults={"trigger_until": window_end})
    # A row created concurrently between the two statements gets the conditional update again.
    if created or CameraStatus.objects.filter(shorter, camera_id=camera.pk).update(trigger_until=window_end):
        return window_end
    return status.trigger_until
