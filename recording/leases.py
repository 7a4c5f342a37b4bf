"""Camera leases and recorder heartbeats: several recorders share one database, each camera recorded by one."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from recording.models import CameraStatus, RecorderProcess

log = logging.getLogger(__name__)
VERSION = "0.3.0"


class RecorderIdInUse(Exception):
    """Another live recorder process on this host already uses this identity."""


def recorder_identity() -> str:
    """`NVR_RECORDER_ID`, else stable for this host and data directory (not the pid).

    A restarted recorder then holds the same leases (a claim accepts leases that are already ours) and
    resumes its cameras at once instead of waiting for its old leases to expire.
    """
    if settings.NVR_RECORDER_ID:
        return settings.NVR_RECORDER_ID
    digest = hashlib.sha256(str(Path(settings.NVR_DATA_DIR).resolve()).encode()).hexdigest()[:8]
    return f"{socket.gethostname()}-{digest}"


def _running_recorder(pid: int) -> bool:
    """Whether `pid` is a live `manage.py record` process on this host."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False
    return b"record" in cmdline and pid != os.getpid()


def lease_ttl() -> timedelta:
    return timedelta(seconds=settings.NVR_RECORDER_LEASE_SECONDS)


STORAGE_MARKS = ".recorders"


def storage_mark_path(recorder_id: str, root: Path | None = None) -> Path:
    """Where a recorder leaves its token in the recordings folder (named by a hash: ids are free text)."""
    root = Path(root or settings.NVR_RECORDINGS_DIR)
    return root / STORAGE_MARKS / hashlib.sha256(recorder_id.encode()).hexdigest()[:16]


def write_storage_mark(recorder_id: str, token: str) -> None:
    """Leave (or restore) this recorder's token where every web, task and recorder host must see it."""
    path = storage_mark_path(recorder_id)
    try:
        if path.is_file() and path.read_text() == token:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        part = path.with_name(path.name + ".part")
        part.write_text(token)
        part.replace(path)
    except OSError as exc:  # a full or read-only disk: /readyz on the other hosts says so
        log.warning("cannot write the storage mark %s: %s", path, exc)


def register_recorder(recorder_id: str, now=None) -> RecorderProcess:
    """Announce this process; refuses when a live twin on this host runs under the same identity."""
    now = now or timezone.now()
    twin = RecorderProcess.objects.filter(id=recorder_id, stopped_at__isnull=True, hostname=socket.gethostname(),
                                          heartbeat_at__gte=now - lease_ttl()).exclude(pid=os.getpid()).first()
    if twin is not None and _running_recorder(twin.pid):
        raise RecorderIdInUse(f"recorder id {recorder_id!r} is in use by process {twin.pid} on this host; "
                              "give each recorder sharing a data directory its own NVR_RECORDER_ID")
    token = secrets.token_hex(16)
    write_storage_mark(recorder_id, token)
    row, _ = RecorderProcess.objects.update_or_create(id=recorder_id, defaults={
        "hostname": socket.gethostname(), "pid": os.getpid(), "version": VERSION, "started_at": now,
        "heartbeat_at": now, "stopped_at": None, "cameras_claimed": 0, "cameras_recording": 0, "storage_token": token,
    })
    return row


def beat(recorder_id: str, claimed: int, recording: int, now=None) -> None:
    now = now or timezone.now()
    RecorderProcess.objects.filter(id=recorder_id).update(
        heartbeat_at=now, cameras_claimed=claimed, cameras_recording=recording, stopped_at=None
    )


def live_recorder_count(now=None) -> int:
    """Recorders whose heartbeat is fresher than the lease TTL (this one included once it has beaten)."""
    now = now or timezone.now()
    return RecorderProcess.objects.filter(stopped_at__isnull=True, heartbeat_at__gte=now - lease_ttl()).count()


def claim(camera_id: str, recorder_id: str, now=None) -> tuple[bool, CameraStatus | None]:
    """Take a camera's lease with a conditional UPDATE: free, expired, or already ours.

    Returns (claimed, the status row as it was before the claim) so the caller can tell a takeover.
    """
    now = now or timezone.now()
    CameraStatus.objects.get_or_create(camera_id=camera_id)
    before = CameraStatus.objects.filter(camera_id=camera_id).first()
    free = Q(lease_holder__isnull=True) | Q(lease_holder=recorder_id) | Q(lease_expires_at__lt=now)
    updated = CameraStatus.objects.filter(free, camera_id=camera_id).update(
        lease_holder=recorder_id, lease_expires_at=now + lease_ttl()
    )
    return updated == 1, before


def renew(recorder_id: str, camera_ids, now=None) -> set[str]:
    """Extend our leases; returns the cameras we still hold (a lease lost while we stalled is gone)."""
    now = now or timezone.now()
    CameraStatus.objects.filter(lease_holder=recorder_id, camera_id__in=list(camera_ids)).update(
        lease_expires_at=now + lease_ttl()
    )
    return set(CameraStatus.objects.filter(lease_holder=recorder_id).values_list("camera_id", flat=True))


def release(recorder_id: str, camera_ids=None, **status_changes) -> None:
    """Give leases back (all of ours when `camera_ids` is None), optionally updating those status rows."""
    rows = CameraStatus.objects.filter(lease_holder=recorder_id)
    if camera_ids is not None:
        rows = rows.filter(camera_id__in=list(camera_ids))
    rows.update(lease_holder=None, lease_expires_at=None, recorder_pid=None, **status_changes)


def stop_recorder(recorder_id: str, now=None) -> None:
    RecorderProcess.objects.filter(id=recorder_id).update(
        stopped_at=now or timezone.now(), cameras_claimed=0, cameras_recording=0
    )
