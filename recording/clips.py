"""Clip export: one MP4 of a camera's footage between two instants (stream copy), as a background job.

`export_clip` (the API's POST) checks the window, creates the clip row `pending` and queues
`run_export_job` on the task cluster. The job claims the row (`running`), copies the segments under a
media-job permit and its own read locks, reports `progress` with a heartbeat, checks for a cancel between
segments, and ends `completed`, `failed` (with a fixed, scrubbed message) or `cancelled`.

The file is written under a temporary name next to its final place and renamed when complete: a failed or
cancelled job leaves no file. A job whose worker died (no heartbeat for `STALE_AFTER`) is failed by the
expiry task, which also removes its files and releases its read locks (recorded on its row, so exactly the
locks it took are released, exactly once). Clips live in `{NVR_CLIPS_DIR}/{camera_id}/` so a deleted
camera's clips go with its folder, and expire after `CLIP_RETENTION`.
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
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ValidationError

from accounts import audit
from accounts.principal import Principal
from cameras.models import Camera
from nvr.api.exceptions import Conflict, ServiceUnavailable
from nvr.api.fields import format_rfc3339
from recording import coverage, media_jobs
from recording.clip_mux import ClipMuxer, MuxCancelled, MuxTimeout, Piece
from recording.media_jobs import MediaBusy, inside, media_permit
from recording.models import Clip, ClipStatus, Segment
from recording.services import overlapping_segments

log = logging.getLogger(__name__)

MAX_CLIP_SECONDS = 3600
GAP_MIN = timedelta(seconds=1)  # holes longer than this are reported (and closed in the file)
CLIP_RETENTION = timedelta(hours=48)
EXPORT_TIMEOUT_S = 480.0  # under the task cluster's own timeout (Q_CLUSTER["timeout"], 600 s)
JOB_PERMIT_WAIT_S = 60.0  # a queued job may wait for a media-job permit longer than a request could
PROGRESS_EVERY_S = 0.5  # at most this often a job writes its progress (and reads its cancel flag)
STALE_AFTER = timedelta(minutes=5)  # a running job without a heartbeat for this long has died
TEMP_SUFFIX = ".tmp"
ORPHAN_AGE = timedelta(hours=1)  # files without a row are swept once older than this (exports finish sooner)
DISK_MARGIN_BYTES = 64 * 2**20
EXPORT_TASK = "recording.clips.run_export_job"
EXPORT_FAILED = "the recordings could not be copied into a clip"
JOB_DIED = "the export stopped without finishing (its worker ended); export the clip again"


class ExportTimeout(APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "the clip export took too long"
    default_code = "export_timeout"


class InsufficientStorage(APIException):
    status_code = status.HTTP_507_INSUFFICIENT_STORAGE
    default_detail = "not enough free disk space for this clip"
    default_code = "insufficient_storage"


class ExportFailed(APIException):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR
    default_detail = EXPORT_FAILED
    default_code = "export_failed"


class ClipNotReady(Conflict):
    default_detail = "the clip is not ready"
    default_code = "clip_not_ready"


class ClipFinished(Conflict):
    default_detail = "the clip export has already finished"
    default_code = "clip_finished"


# Failures whose message is ours (fixed texts); anything else is reported as EXPORT_FAILED.
OWN_FAILURES = (ExportTimeout, InsufficientStorage, ExportFailed, NotFound, MediaBusy)


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


def progress_fraction(reached: datetime | None, start: datetime, end: datetime) -> float:
    """How much of [start, end] the copy has gone through when it reached `reached` (0..1, 3 decimals)."""
    if reached is None or end <= start:
        return 0.0
    fraction = (reached - start).total_seconds() / (end - start).total_seconds()
    return round(min(1.0, max(0.0, fraction)), 3)


def failure_text(exc: BaseException) -> str:
    """What a failed job tells its user: our own fixed messages, never an exception's text (paths, URLs)."""
    if isinstance(exc, OWN_FAILURES):
        return str(exc.detail)
    return EXPORT_FAILED


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


def temp_file(final: Path) -> Path:
    """Where the job writes before the rename (a dot file beside the final name)."""
    return final.with_name(f".{final.name}{TEMP_SUFFIX}")


# --- the request ------------------------------------------------------------------------------------

def _segments(camera_id: str, start: datetime, end: datetime) -> list[Segment]:
    return list(overlapping_segments(Segment.objects.filter(camera_id=camera_id), start, end).order_by("start_time", "id"))


def _check_disk(segments: list[Segment], start: datetime, end: datetime, folder: Path) -> None:
    """Refuse when the copied bytes (estimated from the overlap) cannot fit."""
    estimate = 0.0
    for segment in segments:
        span = (segment.end_time - segment.start_time).total_seconds()
        overlap = (min(segment.end_time, end) - max(segment.start_time, start)).total_seconds()
        estimate += segment.size_bytes * (min(1.0, overlap / span) if span > 0 else 1.0)
    if shutil.disk_usage(folder).free < estimate + DISK_MARGIN_BYTES:
        raise InsufficientStorage()


def export_clip(principal: Principal, camera: Camera, start: datetime, end: datetime, request=None, now=None) -> Clip:
    """Queue the export of the camera's footage in [start, end): the clip row, `pending` (or further already).

    Refused at once (nothing queued): a bad window (400), no footage (404), not enough disk (507), and 503 when
    the task queue cannot take the job. Must not run inside a transaction: the worker reads the row at once.
    """
    problem = window_problem(start, end)
    if problem:
        raise ValidationError(problem)
    now = now or timezone.now()
    segments = _segments(camera.pk, start, end)
    if not segments:
        raise NotFound("no footage in that range")
    clip = Clip(camera=camera, from_time=start, to_time=end, requested_seconds=(end - start).total_seconds(),
                created_by=principal.name, created_at=now, expires_at=now + CLIP_RETENTION)
    clip.path = clip_relpath(clip)
    folder = (clips_root() / clip.path).parent
    folder.mkdir(parents=True, exist_ok=True)
    _check_disk(segments, start, end, folder)
    clip.save(force_insert=True)
    audit.record(principal, "export_clip", "clip", clip.pk, {
        "camera_id": camera.pk, "from": format_rfc3339(start), "to": format_rfc3339(end),
    }, request)
    _enqueue(clip)
    clip.refresh_from_db()
    return clip


def _enqueue(clip: Clip) -> None:
    try:
        async_task(EXPORT_TASK, clip.pk, task_name=clip.pk)
    except Exception:
        log.exception("clip %s could not be queued", clip.pk)
        _finish(clip.pk, ClipStatus.FAILED, "the export could not be queued", among=(ClipStatus.PENDING,))
        raise ServiceUnavailable("the task queue is not available; retry shortly") from None


# --- the job ----------------------------------------------------------------------------------------

def run_export_job(clip_id: str) -> str:
    """Task: run a pending clip export to its end; the clip's final status.

    Idempotent: only a `pending` row is claimed (conditional UPDATE), so a re-delivered task, or one for a
    cancelled, finished or deleted clip, does nothing. Never raises for a failed export: the row says why.
    """
    now = timezone.now()
    claimed = Clip.objects.filter(pk=clip_id, status=ClipStatus.PENDING).update(
        status=ClipStatus.RUNNING, started_at=now, heartbeat_at=now, progress=0.0)
    if not claimed:
        return Clip.objects.filter(pk=clip_id).values_list("status", flat=True).first() or "missing"
    clip = Clip.objects.get(pk=clip_id)
    _run(clip)
    return Clip.objects.filter(pk=clip_id).values_list("status", flat=True).first() or "missing"


class _Heartbeat:
    """The job's progress hook: writes progress and the heartbeat (at most every PROGRESS_EVERY_S) and stops
    the copy (MuxCancelled) once the row is no longer an uncancelled `running` job."""

    def __init__(self, clip: Clip):
        self.clip = clip
        self.last = None

    def __call__(self, reached: datetime | None) -> None:
        now = time.monotonic()
        if self.last is not None and now - self.last < PROGRESS_EVERY_S:
            return
        self.last = now
        fraction = progress_fraction(reached, self.clip.from_time, self.clip.to_time)
        alive = Clip.objects.filter(pk=self.clip.pk, status=ClipStatus.RUNNING, cancel_requested=False).update(
            progress=fraction, heartbeat_at=timezone.now())
        if not alive:
            raise MuxCancelled()


def _run(clip: Clip) -> None:
    final = clips_root() / clip.path
    temp = temp_file(final)
    completed = False
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        with media_permit(wait=JOB_PERMIT_WAIT_S):
            result = _copy_locked(clip, temp)
        if not result.used:
            raise NotFound("no footage in that range")
        _fill(clip, result.used, temp.stat().st_size)
        os.replace(temp, final)
        completed = _complete(clip)
    except MuxCancelled:
        _finish(clip.pk, ClipStatus.CANCELLED)  # a no-op when the expiry task failed the job meanwhile
    except Exception as exc:
        if not isinstance(exc, OWN_FAILURES):
            log.exception("clip %s of camera %s failed", clip.pk, clip.camera_id)
        _finish(clip.pk, ClipStatus.FAILED, failure_text(exc))
    except BaseException:
        _finish(clip.pk, ClipStatus.FAILED, "the export was interrupted")
        raise
    finally:
        temp.unlink(missing_ok=True)
        if not completed:
            final.unlink(missing_ok=True)


def _copy_locked(clip: Clip, temp: Path):
    """Read-lock the window's segments (recorded on the clip row), check the disk, copy; locks released after."""
    heartbeat = _Heartbeat(clip)
    heartbeat(None)  # a cancel while the job waited for its permit stops it here
    segments = _segments(clip.camera_id, clip.from_time, clip.to_time)
    if not segments:
        raise NotFound("no footage in that range")
    _take_read_locks(clip, segments)
    try:
        _check_disk(segments, clip.from_time, clip.to_time, temp.parent)
        return _write(clip, segments, temp, heartbeat)
    finally:
        release_read_locks(clip.pk)


def _pieces(segments: list[Segment]) -> list[tuple[Piece, bool]]:
    """Each segment as a muxer piece, with whether it has audio (paths leaving the root are skipped)."""
    root = Path(settings.NVR_RECORDINGS_DIR)
    pieces = []
    for segment in segments:
        path = inside(root, segment.path)
        if path is not None:
            pieces.append((Piece(segment.pk, path, segment.start_time, segment.end_time), segment.has_audio))
    return pieces


def _write(clip: Clip, segments: list[Segment], temp: Path, on_progress):
    """Mux the clip into `temp`; the mux result (which segments were used)."""
    pieces = _pieces(segments)
    audio_template = next((piece.path for piece, has_audio in pieces if has_audio), None)
    muxer = ClipMuxer(temp, clip.from_time, clip.to_time, close_holes_over=GAP_MIN,
                      deadline=time.monotonic() + EXPORT_TIMEOUT_S, on_progress=on_progress)
    try:
        return muxer.write([piece for piece, _ in pieces], audio_template=audio_template)
    except MuxTimeout:
        raise ExportTimeout(f"the clip export took longer than {EXPORT_TIMEOUT_S:.0f} s") from None
    except (OSError, av.FFmpegError) as exc:
        log.warning("clip %s of camera %s failed: %s", clip.pk, clip.camera_id, exc)
        raise ExportFailed() from None


def _fill(clip: Clip, used, size: int) -> None:
    covered, holes = footage_report([(piece.start, piece.end) for piece in used], clip.from_time, clip.to_time)
    clip.covered_seconds = covered
    clip.gaps = [{"from": format_rfc3339(hole.start), "to": format_rfc3339(hole.end)} for hole in holes]
    clip.segment_count = len(used)
    clip.size_bytes = size


def _complete(clip: Clip) -> bool:
    """running → completed with the report; False (and cancelled, if asked) when the job may not complete."""
    now = timezone.now()
    done = Clip.objects.filter(pk=clip.pk, status=ClipStatus.RUNNING, cancel_requested=False).update(
        status=ClipStatus.COMPLETED, progress=1.0, covered_seconds=clip.covered_seconds, gaps=clip.gaps,
        segment_count=clip.segment_count, size_bytes=clip.size_bytes, heartbeat_at=now, finished_at=now)
    if not done:
        _finish(clip.pk, ClipStatus.CANCELLED)
    return bool(done)


def _finish(clip_id: str, status: str, error: str = "", among=(ClipStatus.RUNNING,)) -> bool:
    """A job's end other than completion (only from the statuses `among`: a finished job stays finished)."""
    return bool(Clip.objects.filter(pk=clip_id, status__in=among).update(
        status=status, error=error[:200], finished_at=timezone.now()))


# --- read locks owned by a job ----------------------------------------------------------------------

def _take_read_locks(clip: Clip, segments: list[Segment]) -> None:
    """Read-lock the segments and record them on the clip row, in one transaction (a kill leaves both or neither)."""
    with transaction.atomic():
        ids = media_jobs.take_read_locks(segment.pk for segment in segments)
        owned = Clip.objects.filter(pk=clip.pk, status=ClipStatus.RUNNING).update(
            read_locked_segments=ids, holds_read_locks=True)
        if not owned:
            raise MuxCancelled()  # rolls the increments back: the job was cancelled or failed meanwhile


def release_read_locks(clip_id: str) -> bool:
    """Release the read locks a job holds, exactly once whoever calls (the job or the expiry task)."""
    with transaction.atomic():
        ids = Clip.objects.filter(pk=clip_id, holds_read_locks=True).values_list("read_locked_segments", flat=True).first()
        if ids is None or not Clip.objects.filter(pk=clip_id, holds_read_locks=True).update(holds_read_locks=False):
            return False
        media_jobs.drop_read_locks(ids)
    return True


# --- cancel, delete, expiry -------------------------------------------------------------------------

def cancel_clip(principal: Principal, clip: Clip, request=None) -> Clip:
    """Stop an export: a pending one is cancelled at once, a running one at its next check (within a segment or
    half a second). 409 when it already completed or failed; cancelling a cancelled clip changes nothing."""
    if clip.status in (ClipStatus.COMPLETED, ClipStatus.FAILED):
        raise ClipFinished(f"the clip export has already {clip.status}")
    if clip.status != ClipStatus.CANCELLED:
        Clip.objects.filter(pk=clip.pk, status__in=(ClipStatus.PENDING, ClipStatus.RUNNING)).update(cancel_requested=True)
        _finish(clip.pk, ClipStatus.CANCELLED, among=(ClipStatus.PENDING,))
        audit.record(principal, "cancel_clip", "clip", clip.pk, {"camera_id": clip.camera_id}, request)
    clip.refresh_from_db()
    return clip


def delete_clip(principal: Principal, clip: Clip, request=None) -> Clip | None:
    """Delete a clip's row and, after commit, its file. A running export is cancelled instead (its worker holds a
    partial file and read locks it must clean up) and returned: delete it once it has stopped. A pending one is
    simply deleted (its queued task then finds nothing to do)."""
    if clip.status == ClipStatus.RUNNING:
        return cancel_clip(principal, clip, request)
    path = clip_file(clip)
    with transaction.atomic():
        clip_id, camera_id = clip.pk, clip.camera_id
        clip.delete()
        audit.record(principal, "delete_clip", "clip", clip_id, {"camera_id": camera_id}, request)
        if path is not None:
            transaction.on_commit(lambda: _remove_files(path))
    return None


def _remove_files(final: Path | None) -> None:
    """A clip's file and its export leftover."""
    if final is None:
        return
    for path in (final, temp_file(final)):
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not delete a clip file: %s", exc.__class__.__name__)


def fail_stale_jobs(now: datetime | None = None) -> int:
    """Jobs `running` without a heartbeat for STALE_AFTER died with their worker: failed (cancelled when a
    cancel was asked), their files removed and their read locks released. Also releases the read locks of any
    job that holds them while not running (its worker died between steps)."""
    now = now or timezone.now()
    silent = Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True, created_at__lt=now - STALE_AFTER)
    stale = Clip.objects.filter(silent, status=ClipStatus.RUNNING)
    ended = 0
    for pk, relative, cancelled in stale.values_list("pk", "path", "cancel_requested")[:1000]:
        status, error = (ClipStatus.CANCELLED, "") if cancelled else (ClipStatus.FAILED, JOB_DIED)
        if Clip.objects.filter(silent, pk=pk, status=ClipStatus.RUNNING).update(status=status, error=error, finished_at=now):
            ended += 1
            log.warning("clip %s: its export job stopped reporting; marked %s", pk, status)
            _remove_files(inside(clips_root(), relative))
    for pk in Clip.objects.filter(holds_read_locks=True).exclude(status=ClipStatus.RUNNING).values_list("pk", flat=True):
        release_read_locks(pk)
    return ended


def prune_expired_clips(now: datetime | None = None) -> int:
    """Delete clips past `expires_at`: rows first, then files (a file left behind is swept as an orphan)."""
    now = now or timezone.now()
    expired = list(Clip.objects.filter(expires_at__lte=now).values_list("pk", "path")[:5000])
    Clip.objects.filter(pk__in=[pk for pk, _ in expired]).delete()
    for _, relative in expired:
        _remove_files(inside(clips_root(), relative))
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
