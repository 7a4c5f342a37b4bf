"""What `GET /api/v1/system` reports: cameras, recorders, recordings and the storage forecast.

Forecast (`storage.projected_days_remaining`), fleet-wide because the cap and the disk are:
  write rate  = bytes of segments started in the last 24 h ÷ the observed window (24 h, or since the
                oldest segment when recording began less than 24 h ago), per day;
  capacity    = min(effective cap, footprint + free disk − free-disk floor) — what recordings may
                occupy before the cap or the floor makes retention delete;
  days        = (capacity − evidence-locked bytes) ÷ write rate; null without a write rate.
Per-camera age limits (`retention_hours`) may keep footage for less time than this.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from accounts import scoping
from accounts.principal import Principal
from cameras.models import Camera
from nvr.apps import PROCESS_STARTED
from recording import leases, retention, storage
from recording.health import fresh_recorders
from recording.models import CameraState, Segment
from recording.storage import GIB

PRODUCT_NAME = "NVR"
RATE_WINDOW = timedelta(hours=24)


def uptime_seconds() -> int:
    """Seconds since this (web) process started Django."""
    return int(time.monotonic() - PROCESS_STARTED)


def _segment_figures(segments, now: datetime) -> dict:
    return segments.aggregate(
        count=Count("id"), bytes=Sum("size_bytes"), oldest=Min("start_time"), newest=Max("end_time"),
        locked=Sum("size_bytes", filter=Q(evidence_locked=True)),
        recent=Sum("size_bytes", filter=Q(start_time__gte=now - RATE_WINDOW)),
    )


def _rate(figures: dict, now: datetime) -> float | None:
    if figures["oldest"] is None:
        return None
    window = now - max(figures["oldest"], now - RATE_WINDOW)
    rate = retention.write_rate_per_day(figures["recent"] or 0, window.total_seconds())
    return None if rate is None else round(rate, 1)


def forecast(fleet: dict, limits: storage.Limits, disk: tuple[int, int] | None, now: datetime) -> tuple[int, float | None]:
    """(retention capacity in bytes, projected days of retention) from the fleet-wide segment figures."""
    capacity = retention.retention_capacity(limits.cap_bytes, fleet["bytes"] or 0, disk[1] if disk else None, limits.floor_bytes)
    return capacity, retention.projected_days(capacity, fleet["locked"] or 0, _rate(fleet, now))


def storage_block(mine: dict, fleet: dict, limits: storage.Limits, now: datetime) -> dict:
    disk = storage.disk_usage()
    capacity, days = forecast(fleet, limits, disk, now)
    return {
        "disk_total_bytes": disk[0] if disk else None,
        "disk_free_bytes": disk[1] if disk else None,
        "footprint_bytes": mine["bytes"] or 0,
        "segment_count": mine["count"],
        "oldest_segment_start": mine["oldest"],
        "newest_segment_end": mine["newest"],
        "write_rate_bytes_per_day_24h": _rate(mine, now),
        "retention_capacity_bytes": max(capacity, 0),
        "projected_days_remaining": days,
    }


def _recorders(principal: Principal, now: datetime) -> tuple[int, list[dict] | None]:
    rows = list(fresh_recorders(now).order_by("id").values(
        "id", "hostname", "version", "started_at", "heartbeat_at", "cameras_claimed", "cameras_recording"
    ))
    return len(rows), (None if principal.is_scoped else rows)


def system_overview(principal: Principal, now: datetime | None = None) -> dict:
    """The system report; camera, segment and byte counts narrowed to a scoped caller's cameras."""
    now = now or timezone.now()
    cameras = scoping.filter_queryset(Camera.objects.all(), principal, "id").aggregate(
        total=Count("id"), recording=Count("id", filter=Q(status__state=CameraState.RECORDING))
    )
    mine = _segment_figures(scoping.filter_queryset(Segment.objects.all(), principal), now)
    fleet = mine if not principal.is_scoped else _segment_figures(Segment.objects.all(), now)
    active, recorders = _recorders(principal, now)
    limits = storage.current_limits()
    return {
        "name": PRODUCT_NAME,
        "version": leases.VERSION,
        "uptime_seconds": uptime_seconds(),
        "recorder_enabled": settings.NVR_RECORDER_ENABLED,
        "cameras_total": cameras["total"],
        "cameras_recording": cameras["recording"],
        "active_recorders": active,
        "recorders": recorders,
        "segments_total": mine["count"],
        "recordings_bytes": mine["bytes"] or 0,
        "recordings_gb": round((mine["bytes"] or 0) / GIB, 3),
        "max_recordings_gb": round(limits.cap_bytes / GIB, 3),
        "storage": storage_block(mine, fleet, limits, now),
    }
