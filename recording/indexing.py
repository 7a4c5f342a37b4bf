"""The segment index: record closed segments, detect gaps with reasons, salvage crash leftovers, reconcile files."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from nvr import eventlog
from recording.models import CameraStatus, RecordingGap, Segment, initial_fill_state
from recording.recorder.segments import ClosedSegment, probe_segment_file, salvage_part

log = logging.getLogger(__name__)
GAP_THRESHOLD = timedelta(seconds=3)
MIN_DURATION_S = 0.05


def recordings_root() -> Path:
    return Path(settings.NVR_RECORDINGS_DIR)


def index_segment(segment: ClosedSegment, gap_reason: str, now=None) -> Segment | None:
    """Insert a closed segment (idempotent by path), keep segments from overlapping, and record a gap before it.

    `gap_reason` explains a hole of more than 3 s before this segment (reference §3.4, SPEC §5).
    """
    if segment.duration_s <= MIN_DURATION_S or segment.size_bytes <= 0:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        existing = Segment.objects.filter(path=segment.relpath).first()
        if existing is not None:
            return existing
        prev_end = (
            Segment.objects.filter(camera_id=segment.camera_id, start_time__lt=segment.start)
            .aggregate(end=Max("end_time"))["end"]
        )
        row = Segment.objects.create(
            camera_id=segment.camera_id, path=segment.relpath, start_time=segment.start, end_time=segment.end,
            duration_s=segment.duration_s, size_bytes=segment.size_bytes, codec=segment.codec,
            width=segment.width, height=segment.height, fps=segment.fps, has_audio=segment.has_audio, created_at=now,
        )
        if prev_end is not None:
            _settle_previous(segment, prev_end, gap_reason, now)
        _count_segment(segment)
    return row


def _settle_previous(segment: ClosedSegment, prev_end, gap_reason: str, now) -> None:
    if prev_end > segment.start:
        # Never overlap: an earlier segment reaching past this start is clamped to it.
        Segment.objects.filter(
            camera_id=segment.camera_id, start_time__lt=segment.start, end_time__gt=segment.start
        ).update(end_time=segment.start)
    elif segment.start - prev_end > GAP_THRESHOLD:
        record_gap(segment.camera_id, prev_end, segment.start, gap_reason, now)


def record_gap(camera_id: str, start, end, reason: str, now=None) -> RecordingGap | None:
    """A hole between two segments, with why; re-detection of the same hole is ignored."""
    now = now or timezone.now()
    seconds = int((end - start).total_seconds())
    try:
        with transaction.atomic():
            gap = RecordingGap.objects.create(
                camera_id=camera_id, gap_start=start, gap_end=end, gap_seconds=seconds, reason=reason,
                fill_state=initial_fill_state(reason), created_at=now,
            )
    except IntegrityError:
        return None
    eventlog.log_event(camera_id, "recording_gap", "warning", {
        "gap_seconds": seconds, "prev_end": start.isoformat(), "next_start": end.isoformat(), "reason": reason,
    }, now=now)
    return gap


def _count_segment(segment: ClosedSegment) -> None:
    bitrate = segment.size_bytes * 8 / segment.duration_s / 1000 if segment.duration_s > 0 else None
    updated = CameraStatus.objects.filter(camera_id=segment.camera_id).update(
        last_segment_at=segment.end, segments_written=F("segments_written") + 1,
        bitrate_kbps=bitrate, fps_observed=segment.fps,
    )
    if not updated:
        CameraStatus.objects.get_or_create(camera_id=segment.camera_id, defaults={
            "last_segment_at": segment.end, "segments_written": 1, "bitrate_kbps": bitrate,
            "fps_observed": segment.fps,
        })


def salvage_camera(camera_id: str, gap_reason: str) -> list[Segment]:
    """Turn `*.part` files a crash left behind into indexed segments (oldest first)."""
    root = recordings_root()
    rows = []
    for part in sorted((root / camera_id).glob("*/*/*/*.mp4.part")):
        salvaged = salvage_part(part, root)
        if salvaged is not None and salvaged.camera_id == camera_id:
            row = index_segment(salvaged, gap_reason)
            if row is not None:
                rows.append(row)
    return rows


STRAY_MIN_AGE_S = 60.0


def _mtime(path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return float("inf")  # vanished: not ours to index


def reconcile_camera_files(camera_id: str, gap_reason: str = "stream_error") -> tuple[int, int]:
    """Index closed `.mp4` files without a row (e.g. refills) and drop rows whose file vanished.

    Returns (indexed, dropped). `.part` files are left to the recorder (open segments or salvage).
    """
    root = recordings_root()
    files = {p.relative_to(root).as_posix(): p for p in sorted((root / camera_id).glob("*/*/*/*.mp4"))}
    known = set(Segment.objects.filter(camera_id=camera_id).values_list("path", flat=True))
    indexed = 0
    settled = time.time() - STRAY_MIN_AGE_S
    for relpath in sorted(set(files) - known):
        if _mtime(files[relpath]) > settled:
            continue  # just closed: the recorder indexes it itself (with the right gap reason)
        probed = probe_segment_file(files[relpath], root)
        if probed is not None and probed.camera_id == camera_id and index_segment(probed, gap_reason):
            indexed += 1
    vanished = [path for path in known - set(files) if not (root / path).exists()]
    dropped = Segment.objects.filter(camera_id=camera_id, path__in=vanished, evidence_locked=False).delete()[0]
    if vanished:
        log.warning("camera %s: %d indexed segment file(s) vanished from disk", camera_id, len(vanished))
    return indexed, dropped
