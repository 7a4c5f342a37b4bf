"""Factories for recording rows (what the recorder will write later)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from recording.models import FillState, RecordingGap, RecordSchedule, Segment, Snapshot, SnapshotSchedule

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def make_segment(camera, start: datetime, seconds: float = 60, **fields) -> Segment:
    fields.setdefault("path", f"{camera.pk}/{start:%Y/%m/%d/%Y%m%dT%H%M%S}Z.mp4")
    fields.setdefault("size_bytes", 1_000_000)
    return Segment.objects.create(
        camera=camera, start_time=start, end_time=start + timedelta(seconds=seconds), duration_s=seconds, **fields
    )


def make_gap(camera, start: datetime, seconds: int = 30, reason: str = "camera_offline", **fields) -> RecordingGap:
    fields.setdefault("fill_state", FillState.PENDING)
    return RecordingGap.objects.create(
        camera=camera, gap_start=start, gap_end=start + timedelta(seconds=seconds), gap_seconds=seconds, reason=reason, **fields
    )


def make_snapshot(camera, taken_at: datetime, schedule=None, **fields) -> Snapshot:
    fields.setdefault("path", f"{camera.pk}/{taken_at:%Y%m%dT%H%M%S%f}Z.jpg")
    fields.setdefault("size_bytes", 50_000)
    return Snapshot.objects.create(camera=camera, taken_at=taken_at, schedule=schedule, **fields)


def make_record_schedule(camera, days=(0,), time_start="09:00", time_end="17:00", **fields) -> RecordSchedule:
    return RecordSchedule.objects.create(camera=camera, days=list(days), time_start=time_start, time_end=time_end, **fields)


def make_snapshot_schedule(camera, interval_seconds: int = 300, **fields) -> SnapshotSchedule:
    return SnapshotSchedule.objects.create(camera=camera, interval_seconds=interval_seconds, **fields)
