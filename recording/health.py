"""Health monitor (reference §3.6): stale `recording` cameras become `error`; recorders that stopped beating are reported."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from nvr import eventlog
from recording import leases
from recording.models import CameraState, CameraStatus, RecorderProcess

STALE_MIN_SEGMENT_SECONDS, STALE_FACTOR, STALE_MIN_SECONDS = 10, 3, 30


def stale_threshold_seconds(segment_seconds: int | None) -> int:
    """How long a `recording` camera may go without a new segment: max(max(segment_seconds, 10) × 3, 30)."""
    return max(max(segment_seconds or 0, STALE_MIN_SEGMENT_SECONDS) * STALE_FACTOR, STALE_MIN_SECONDS)


def heartbeat_horizon(now: datetime) -> datetime:
    """Heartbeats older than this (2 × NVR_RECORDER_LEASE_SECONDS) mean the recorder is gone."""
    return now - timedelta(seconds=2 * settings.NVR_RECORDER_LEASE_SECONDS)


def fresh_recorders(now: datetime | None = None) -> QuerySet:
    """Recorder processes that are running and beat within 2 × the lease TTL."""
    return RecorderProcess.objects.filter(stopped_at__isnull=True, heartbeat_at__gte=heartbeat_horizon(now or timezone.now()))


def _age_seconds(now: datetime, moment: datetime | None) -> int | None:
    return None if moment is None else int((now - moment).total_seconds())


def mark_stale_cameras(now: datetime | None = None) -> list[str]:
    """`recording` cameras with neither a segment nor a (re)start within their threshold → `error` + `recorder_error`."""
    now = now or timezone.now()
    stale = []
    rows = CameraStatus.objects.filter(state=CameraState.RECORDING).values_list(
        "camera_id", "camera__segment_seconds", "last_segment_at", "last_started_at"
    )
    for camera_id, segment_seconds, last_segment_at, last_started_at in rows:
        threshold = stale_threshold_seconds(segment_seconds)
        cutoff = now - timedelta(seconds=threshold)
        if any(moment is not None and moment >= cutoff for moment in (last_segment_at, last_started_at)):
            continue
        # Conditional: the recorder may have indexed a segment or restarted since the read above.
        quiet = (Q(last_segment_at__isnull=True) | Q(last_segment_at__lt=cutoff)) & (
            Q(last_started_at__isnull=True) | Q(last_started_at__lt=cutoff))
        message = f"no new recording for over {threshold} s although the camera is connected"
        if CameraStatus.objects.filter(quiet, camera_id=camera_id, state=CameraState.RECORDING).update(
            state=CameraState.ERROR, last_error=message, updated_at=now
        ):
            stale.append(camera_id)
            eventlog.log_event(camera_id, "recorder_error", "warning", {
                "reason": "stale", "threshold_seconds": threshold,
                "last_segment_age_s": _age_seconds(now, last_segment_at),
            }, now=now)
    return stale


def report_lost_recorders(now: datetime | None = None) -> list[str]:
    """Running recorders whose heartbeat is older than 2 × the lease TTL: reported once, then marked stopped.

    The mark is a conditional UPDATE of `stopped_at`, so one report per loss even with several task
    workers; a recorder that beats again clears `stopped_at` itself (`recording.leases.beat`).
    """
    now = now or timezone.now()
    horizon = heartbeat_horizon(now)
    lost = []
    candidates = RecorderProcess.objects.filter(stopped_at__isnull=True, heartbeat_at__lt=horizon)
    for recorder_id, hostname, heartbeat_at in candidates.values_list("id", "hostname", "heartbeat_at"):
        if RecorderProcess.objects.filter(id=recorder_id, stopped_at__isnull=True, heartbeat_at__lt=horizon).update(stopped_at=now):
            lost.append(recorder_id)
            eventlog.log_event(None, "recorder_error", "warning", {
                "reason": "recorder_heartbeat_lost", "recorder_id": recorder_id, "hostname": hostname,
                "last_heartbeat_age_s": _age_seconds(now, heartbeat_at),
                "threshold_seconds": 2 * settings.NVR_RECORDER_LEASE_SECONDS,
            }, now=now)
    return lost


def unshared_recorders(now: datetime | None = None) -> list[str]:
    """Live recorders whose storage mark this host cannot read: its recordings folder is not theirs.

    Playback, stills, clips, retention and backups on any host read the files a recorder wrote, so every
    host must mount the same recordings folder (README, "Several hosts"); /readyz checks it on each.
    """
    rows = fresh_recorders(now or timezone.now()).exclude(storage_token="").values_list("id", "storage_token")
    unshared = []
    for recorder_id, token in rows:
        try:
            seen = leases.storage_mark_path(recorder_id).read_text()
        except OSError:
            seen = None
        if seen != token:
            unshared.append(recorder_id)
    return unshared


def run_health_check(now: datetime | None = None) -> dict:
    """One health-monitor pass (every NVR_HEALTH_INTERVAL_S, via the task schedule)."""
    now = now or timezone.now()
    return {"stale_cameras": mark_stale_cameras(now), "lost_recorders": report_lost_recorders(now)}
