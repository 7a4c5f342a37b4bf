"""Clip export: one MP4 of a camera's footage between two instants (stream copy), its gaps, and expiry.

The clip file is written under a temporary name next to its final place and renamed when complete:
a failed export leaves neither a partial file nor a row. Clips live in `{NVR_CLIPS_DIR}/{camera_id}/`
so a deleted camera's clips go with its folder, and expire after `CLIP_RETENTION`.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import av
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from accounts import audit
from accounts.principal import Principal
from cameras.models import Camera
from nvr.api.fields import format_rfc3339
from recording import coverage
from recording.clip_mux import ClipMuxer, MuxTimeout, Piece
from recording.media_jobs import inside, media_permit, read_locked
from recording.models import Clip, Segment
from recording.services import overlapping_segments

log = logging.getLogger(__name__)

MAX_CLIP_SECONDS = 3600
GAP_MIN = timedelta(seconds=1)  # holes longer than this are reported (and closed in the file)
CLIP_RETENTION = timedelta(hours=48)
EXPORT_TIMEOUT_S = 180.0
TEMP_SUFFIX = ".tmp"
ORPHAN_AGE = timedelta(hours=1)  # files without a row are swept once older than this (exports finish sooner)
DISK_MARGIN_BYTES = 64 * 2**20


class ExportTimeout(APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = f"the clip export took longer than {EXPORT_TIMEOUT_S:.0f} s"
    default_code = "export_timeout"


class InsufficientStorage(APIException):
    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    default_detail = "not enough free disk space for this clip"
    default_code = "insufficient_storage"


class ExportFailed(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = "the recordings could not be copied into a clip"
    default_code = "export_failed"


# --- pure parts -------------------------------------------------------------------------------------

def window_problem(start: datetime, end: datetime) -> dict[str, list[str]] | None:
    """Field errors of a clip window, or None when it is fine (`to` after `from`, at most an hour)."""
    if end <= start:
        return {"to": ["'to' must be after 'from'"]}
    if (end - start).total_seconds() > MAX_CLIP_SECONDS:
        return {"to": [f"a clip is at most {MAX_CLIP_SECONDS} seconds long"]}
    return None


def footage_report(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> tuple[float, list[coverage.Span]]:
    """Seconds of [start, end] the spans cover, and the holes longer than GAP_MIN (edges included)."""
    merged = coverage.merge(spans, start, end, tolerance=timedelta(0))
    holes = coverage.find_holes(merged.ranges, start, end, minimum=GAP_MIN)
    return round(merged.recorded_seconds, 3), holes


def clip_relpath(clip: Clip) -> str:
    return f"{clip.camera_id}/{clip.pk}.mp4"  # ids read `clip_…`


def _stamp(value: datetime) -> str:
    return value.astimezone(dt_timezone.utc).strftime("%Y%m%dT%H%M%S") + "Z"


def clip_filename(clip: Clip) -> str:
    """The download name: `{camera}_{from}_{to}.mp4` in UTC."""
    return f"{clip.camera_id}_{_stamp(clip.from_time)}_{_stamp(clip.to_time)}.mp4"


def clips_root() -> Path:
    return Path(settings.NVR_CLIPS_DIR)


def clip_file(clip: Clip) -> Path | None:
    return inside(clips_root(), clip.path)


# --- export -----------------------------------------------------------------------------------------

def _pieces(segments: list[Segment]) -> list[tuple[Piece, bool]]:
    """Each segment as a muxer piece, with whether it has audio (paths leaving the root are skipped)."""
    root = Path(settings.NVR_RECORDINGS_DIR)
    pieces = []
    for segment in segments:
        path = inside(root, segment.path)
        if path is not None:
            pieces.append((Piece(segment.pk, path, segment.start_time, segment.end_time), segment.has_audio))
    return pieces


def _check_disk(segments: list[Segment], start: datetime, end: datetime, folder: Path) -> None:
    """Refuse up front when the copied bytes (estimated from the overlap) cannot fit."""
    estimate = 0.0
    for segment in segments:
        span = (segment.end_time - segment.start_time).total_seconds()
        overlap = (min(segment.end_time, end) - max(segment.start_time, start)).total_seconds()
        estimate += segment.size_bytes * (min(1.0, overlap / span) if span > 0 else 1.0)
    if shutil.disk_usage(folder).free < estimate + DISK_MARGIN_BYTES:
        raise InsufficientStorage()


def _write(clip: Clip, segments: list[Segment], temp: Path):
    """Mux the clip into `temp`; the mux result (which segments were used)."""
    pieces = _pieces(segments)
    audio_template = next((piece.path for piece, has_audio in pieces if has_audio), None)
    muxer = ClipMuxer(temp, clip.from_time, clip.to_time, close_holes_over=GAP_MIN,
                      deadline=time.monotonic() + EXPORT_TIMEOUT_S)
    try:
        return muxer.write([piece for piece, _ in pieces], audio_template=audio_template)
    except MuxTimeout:
        raise ExportTimeout() from None
    except (OSError, av.FFmpegError) as exc:
        log.warning("clip %s of camera %s failed: %s", clip.pk, clip.camera_id, exc)
        raise ExportFailed() from None


def _fill(clip: Clip, used, size: int) -> None:
    covered, holes = footage_report([(piece.start, piece.end) for piece in used], clip.from_time, clip.to_time)
    clip.covered_seconds = covered
    clip.gaps = [{"from": format_rfc3339(hole.start), "to": format_rfc3339(hole.end)} for hole in holes]
    clip.segment_count = len(used)
    clip.size_bytes = size


def export_clip(principal: Principal, camera: Camera, start: datetime, end: datetime, request=None, now=None) -> Clip:
    """Write one MP4 of the camera's footage in [start, end) and record it as a Clip (404 without footage)."""
    problem = window_problem(start, end)
    if problem:
        raise ValidationError(problem)
    now = now or timezone.now()
    segments = list(overlapping_segments(Segment.objects.filter(camera=camera), start, end).order_by("start_time", "id"))
    if not segments:
        raise NotFound("no footage in that range")
    clip = Clip(camera=camera, from_time=start, to_time=end, requested_seconds=(end - start).total_seconds(),
                created_by=principal.name, created_at=now, expires_at=now + CLIP_RETENTION)
    clip.path = clip_relpath(clip)
    final = clips_root() / clip.path
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}{TEMP_SUFFIX}")
    try:
        with media_permit(), read_locked(segment.pk for segment in segments):
            _check_disk(segments, start, end, final.parent)
            result = _write(clip, segments, temp)
        if not result.used:
            raise NotFound("no footage in that range")
        _fill(clip, result.used, temp.stat().st_size)
        os.replace(temp, final)
        try:
            clip.save(force_insert=True)
        except BaseException:
            final.unlink(missing_ok=True)
            raise
    finally:
        temp.unlink(missing_ok=True)
    audit.record(principal, "export_clip", "clip", clip.pk, {
        "camera_id": camera.pk, "from": format_rfc3339(start), "to": format_rfc3339(end),
        "covered_seconds": clip.covered_seconds, "size_bytes": clip.size_bytes,
    }, request)
    return clip


# --- deletion and expiry ----------------------------------------------------------------------------

def delete_clip(principal: Principal, clip: Clip, request=None) -> None:
    """Delete a clip row and, after commit, its file."""
    path = clip_file(clip)
    with transaction.atomic():
        clip_id, camera_id = clip.pk, clip.camera_id
        clip.delete()
        audit.record(principal, "delete_clip", "clip", clip_id, {"camera_id": camera_id}, request)
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))


def prune_expired_clips(now: datetime | None = None) -> int:
    """Delete clips past `expires_at`: rows first, then files (a file left behind is swept as an orphan)."""
    now = now or timezone.now()
    expired = list(Clip.objects.filter(expires_at__lte=now).values_list("pk", "path")[:5000])
    Clip.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
    for _, relative in expired:
        path = inside(clips_root(), relative)
        try:
            if path is not None:
                path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete an expired clip file: %s", exc.__class__.__name__)
    return len(expired)


def sweep_orphan_files(now: datetime | None = None) -> int:
    """Remove clip files (and export leftovers) no row knows, once older than ORPHAN_AGE."""
    root = clips_root()
    if not root.is_dir():
        return 0
    cutoff = (now or timezone.now()).timestamp() - ORPHAN_AGE.total_seconds()
    known = set(Clip.objects.values_list("path", flat=True))
    removed = 0
    for path in root.glob("*/*"):
        relative = path.relative_to(root).as_posix()
        try:
            if path.is_file() and relative not in known and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except OSError as exc:
            log.warning("could not sweep a clip file: %s", exc.__class__.__name__)
    return removed
