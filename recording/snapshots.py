"""Stills: live JPEGs (recorder's stream, else a short camera connection), recorded stills, persisted snapshots.

Live pictures come from the recorder's own connection when it is ingesting the camera (the latest
keyframe kept by its live tap, `recording.live.client.fetch_keyframe`), otherwise from a short-lived
RTSP connection to the sub stream (or the record stream). A camera that just failed to answer is not
dialled again for `UNREACHABLE_COOLDOWN_S`: a dashboard polling an offline camera must not tie up a
media permit for 20 s on every refresh.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound

from accounts import audit
from accounts.principal import Principal
from cameras import egress
from cameras.models import Camera
from cameras.stream_urls import StreamSource, effective_url, mask_credentials, record_url
from nvr.api.exceptions import BadRequest
from recording import stills
from recording.live import client as live_client
from recording.media_jobs import inside, media_permit, read_locked
from recording.models import Segment, Snapshot, SnapshotSchedule
from recording.services import LONGEST_SEGMENT

log = logging.getLogger(__name__)

TAP_TIMEOUT_S = 5.0
# A kept keyframe older than this means the recorder's stream stalled: not a live picture any more.
TAP_STALE_AFTER = timedelta(seconds=30)
UNREACHABLE_COOLDOWN_S = 15.0


class CameraUnreachable(APIException):
    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "the camera cannot be reached"
    default_code = "camera_unreachable"


class CameraTimeout(APIException):
    status_code = status.HTTP_504_GATEWAY_TIMEOUT
    default_detail = "the camera did not answer in time"
    default_code = "camera_timeout"


@dataclass(frozen=True)
class Still:
    """A JPEG and when its picture was taken."""

    jpeg: bytes
    taken_at: datetime
    source: str  # "recorder" (live tap) or "camera" (direct connection)


# --- live pictures ----------------------------------------------------------------------------------

def snapshot_stream_url(camera: Camera) -> str | None:
    """The sub stream when one can be built (lighter to decode), else the record stream."""
    source = StreamSource.of(camera)
    return effective_url(source, "sub") or record_url(source)


def _recorder_keyframe(camera_id: str) -> live_client.Keyframe | None:
    """The live tap's latest keyframe, or None when no recorder is ingesting the camera."""
    try:
        return live_client.fetch_keyframe(camera_id, timeout=TAP_TIMEOUT_S)
    except Exception:  # the tap is an optimisation: any failure falls back to dialling the camera
        log.warning("live tap keyframe fetch failed for camera %s", camera_id, exc_info=True)
        return None


def _from_recorder(camera_id: str) -> Still | None:
    keyframe = _recorder_keyframe(camera_id)
    if keyframe is None:
        return None
    if timezone.now() - keyframe.captured_at > TAP_STALE_AFTER:
        log.info("camera %s: the recorder's latest keyframe is stale; dialling the camera", camera_id)
        return None
    try:
        jpeg = stills.jpeg_from_keyframe(keyframe.codec, keyframe.extradata, keyframe.data)
    except stills.StillFailed as exc:
        log.warning("camera %s: recorder keyframe unusable (%s); dialling the camera", camera_id, exc)
        return None
    return Still(jpeg, keyframe.captured_at, "recorder")


class _Cooldown:
    """Recent direct-connection failures per (camera, URL), shared by the threads of this process."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str], tuple[float, stills.StillFailed]] = {}

    @staticmethod
    def key(camera_id: str, url: str) -> tuple[str, str]:
        return camera_id, hashlib.sha256(url.encode()).hexdigest()  # a changed URL is dialled at once

    def recent(self, key) -> tuple[float, stills.StillFailed] | None:
        with self._lock:
            entry = self._failures.get(key)
            if entry and time.monotonic() - entry[0] < UNREACHABLE_COOLDOWN_S:
                return entry
            self._failures.pop(key, None)
            return None

    def failed(self, key, error: stills.StillFailed) -> None:
        with self._lock:
            self._failures[key] = (time.monotonic(), error)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()


cooldown = _Cooldown()


def _camera_error(camera_id: str, error: stills.StillFailed, ago: float | None = None) -> APIException:
    message = f"camera {camera_id}: {mask_credentials(str(error))}"
    if ago is not None:
        message += f" (last attempt {ago:.0f} s ago; retrying after {UNREACHABLE_COOLDOWN_S:.0f} s)"
    return CameraTimeout(message) if error.timed_out else CameraUnreachable(message)


def _from_camera(camera: Camera) -> Still:
    url = snapshot_stream_url(camera)
    if not url:
        raise BadRequest("camera has no stream URL")
    key = _Cooldown.key(camera.pk, url)
    recent = cooldown.recent(key)
    if recent is not None:
        raise _camera_error(camera.pk, recent[1], time.monotonic() - recent[0])
    try:
        jpeg = stills.grab_rtsp_jpeg(url)
    except egress.EgressRefused as exc:
        raise BadRequest(f"the camera's stream address is not allowed: {mask_credentials(str(exc))}") from None
    except stills.StillFailed as exc:
        cooldown.failed(key, exc)
        raise _camera_error(camera.pk, exc) from None
    return Still(jpeg, timezone.now(), "camera")


def live_still(camera: Camera) -> Still:
    """A JPEG of what the camera shows now (holds a media-job permit while decoding)."""
    with media_permit():
        return _from_recorder(camera.pk) or _from_camera(camera)


# --- recorded stills --------------------------------------------------------------------------------

def segment_at(camera: Camera, at: datetime) -> Segment | None:
    """The latest segment with start ≤ at ≤ end (index-backed: bounded by the longest segment)."""
    candidates = Segment.objects.filter(
        camera=camera, start_time__lte=at, start_time__gte=at - LONGEST_SEGMENT, end_time__gte=at
    )
    return candidates.order_by("-start_time", "-id").first()


def recorded_still(camera: Camera, at: datetime) -> tuple[bytes, Segment]:
    """The JPEG of the recorded frame on screen at `at`, and the segment it came from."""
    segment = segment_at(camera, at)
    path = inside(Path(settings.NVR_RECORDINGS_DIR), segment.path) if segment else None
    if path is None:
        raise NotFound("no footage at that timestamp")
    with media_permit(), read_locked([segment.pk]):
        try:
            jpeg = stills.jpeg_from_recording(path, (at - segment.start_time).total_seconds())
        except FileNotFoundError:
            raise NotFound("no footage at that timestamp") from None
        except stills.StillFailed as exc:
            if exc.timed_out:
                raise CameraTimeout(str(exc)) from None
            log.warning("segment %s cannot give a still: %s", segment.pk, exc)
            raise NotFound("no decodable footage at that timestamp") from None
    return jpeg, segment


# --- persisted snapshots ----------------------------------------------------------------------------

def snapshot_relpath(camera_id: str, taken_at: datetime, attempt: int = 0) -> str:
    """`{camera_id}/{YYYYMMDDTHHMMSSmmm}Z.jpg` (UTC); `-N` before `.jpg` for the Nth clash of one millisecond."""
    taken_at = taken_at.astimezone(dt_timezone.utc)
    stamp = f"{taken_at:%Y%m%dT%H%M%S}{taken_at.microsecond // 1000:03d}Z"
    return f"{camera_id}/{stamp}{f'-{attempt}' if attempt else ''}.jpg"


def _store(camera_id: str, taken_at: datetime, jpeg: bytes) -> str:
    """Write the JPEG under a free name (temp file + hard link: never a half-written or clobbered file)."""
    root = Path(settings.NVR_SNAPSHOTS_DIR)
    folder = root / camera_id
    folder.mkdir(parents=True, exist_ok=True)
    temp = folder / f".{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}.tmp"
    temp.write_bytes(jpeg)
    try:
        for attempt in range(100):
            relpath = snapshot_relpath(camera_id, taken_at, attempt)
            try:
                os.link(temp, root / relpath)
                return relpath
            except FileExistsError:
                continue
        raise FileExistsError(f"no free snapshot name for {camera_id} at {taken_at}")
    finally:
        temp.unlink(missing_ok=True)


def save_still(camera: Camera, still: Still, schedule: SnapshotSchedule | None = None) -> Snapshot:
    """Persist a JPEG as a Snapshot row and file (the file is removed again if the row cannot be written)."""
    relpath = _store(camera.pk, still.taken_at, still.jpeg)
    try:
        return Snapshot.objects.create(
            camera=camera, schedule=schedule, path=relpath, taken_at=still.taken_at, size_bytes=len(still.jpeg)
        )
    except BaseException:
        (Path(settings.NVR_SNAPSHOTS_DIR) / relpath).unlink(missing_ok=True)
        raise


def take_snapshot(principal: Principal | None, camera: Camera, request=None) -> Snapshot:
    """Take a live JPEG now and keep it (audited when a principal asked for it)."""
    snapshot = save_still(camera, live_still(camera))
    if principal is not None:
        audit.record(principal, "take_snapshot", "snapshot", snapshot.pk, {"camera_id": camera.pk}, request)
    return snapshot


def snapshot_file(snapshot: Snapshot) -> Path | None:
    """Where a snapshot's JPEG lives (None if its stored path is unusable)."""
    return inside(Path(settings.NVR_SNAPSHOTS_DIR), snapshot.path)


def delete_snapshot(principal: Principal, snapshot: Snapshot, request=None) -> None:
    """Delete a snapshot row and, after commit, its file."""
    path = snapshot_file(snapshot)
    with transaction.atomic():
        snapshot_id, camera_id = snapshot.pk, snapshot.camera_id
        snapshot.delete()
        audit.record(principal, "delete_snapshot", "snapshot", snapshot_id, {"camera_id": camera_id}, request)
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
