"""Camera registry operations: create, update and delete cameras, with audit rows (reference §4.1)."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts import audit, scoping
from accounts.principal import Principal
from cameras.models import Camera
from cameras.slugs import is_valid_camera_id, slugify_camera_id
from nvr.api.exceptions import Conflict

log = logging.getLogger(__name__)

# A change to any of these means the camera's ingest pipeline must be rebuilt (new URL, new
# credentials, another stream, audio on/off, segment length, record mode, transport, switches).
INGEST_FIELDS = (
    "vendor",
    "address",
    "rtsp_port",
    "rtsp_transport",
    "username",
    "password",
    "main_stream_url",
    "sub_stream_url",
    "record_stream",
    "record_audio",
    "segment_seconds",
    "record_mode",
    "mirror_enabled",
    "enabled",
    "record_enabled",
)
# Field names a caller may set; everything else on the model is server-maintained.
WRITABLE_FIELDS = frozenset(
    {
        "name", "vendor", "model", "address", "rtsp_port", "rtsp_transport", "username", "password",
        "main_stream_url", "sub_stream_url", "record_stream", "capabilities", "record_enabled",
        "segment_seconds", "retention_hours", "storage_quota_bytes", "record_audio", "record_mode",
        "pre_roll_seconds", "post_roll_seconds", "mirror_enabled", "anr_enabled",
        "anr_replay_url_template", "native_anpr_enabled", "native_events_enabled", "enabled", "priority",
        "live_warm",
    }
)


def _writable(data: dict) -> dict:
    unknown = set(data) - WRITABLE_FIELDS
    if unknown:
        raise ValueError(f"not writable camera fields: {', '.join(sorted(unknown))}")
    return dict(data)


def create_camera(principal: Principal, data: dict, request=None, now=None) -> Camera:
    """Register a camera under the slug of `data['id']` or its name; 409 if the id is taken."""
    fields = dict(data)
    requested_id = fields.pop("id", None)
    fields = _writable(fields)
    camera_id = slugify_camera_id(requested_id or fields["name"])
    # Scope before existence: a scoped key learns nothing about cameras outside its list.
    scoping.require_camera(principal, camera_id, "create camera")
    with transaction.atomic():
        if Camera.objects.filter(pk=camera_id).exists():
            raise Conflict(f"camera id '{camera_id}' already exists")
        camera = Camera(id=camera_id, created_at=now or timezone.now(), **fields)
        camera.save(force_insert=True)
        audit.record(principal, "create_camera", "camera", camera_id, {"name": camera.name, "vendor": camera.vendor}, request)
    return camera


def update_camera(principal: Principal, camera: Camera, changes: dict, request=None) -> tuple[Camera, bool]:
    """Apply a partial update; returns the camera and whether an ingest-relevant field changed.

    The id never changes (a rename only changes `name`). `None` clears a nullable field.
    """
    scoping.require_camera(principal, camera.pk, "update camera")
    changes = _writable(changes)
    changed = sorted(name for name, value in changes.items() if getattr(camera, name) != value)
    with transaction.atomic():
        if changed:
            for name in changed:
                setattr(camera, name, changes[name])
            camera.save(update_fields=[*changed, "updated_at"])
        # Field names only: the values of secrets must never reach the audit log.
        audit.record(principal, "update_camera", "camera", camera.pk, {"changed": changed}, request)
    return camera, any(name in INGEST_FIELDS for name in changed)


def has_evidence_locked_segments(camera: Camera) -> bool:
    # `segments` is the reverse relation of recording.Segment; cameras must not import recording
    # (apps depend upward only), so reach it through the camera and tolerate its absence.
    segments = getattr(camera, "segments", None)
    return segments is not None and segments.filter(evidence_locked=True).exists()


def delete_camera(principal: Principal, camera: Camera, request=None) -> None:
    """Delete a camera, its rows (cascade) and, after commit, its recordings and snapshots folders."""
    scoping.require_camera(principal, camera.pk, "delete camera")
    camera_id = camera.pk
    with transaction.atomic():
        if has_evidence_locked_segments(camera):
            raise Conflict(f"camera {camera_id} has evidence-locked segments; unlock them before deleting the camera")
        camera.delete()
        audit.record(principal, "delete_camera", "camera", camera_id, {"name": camera.name}, request)
        transaction.on_commit(lambda: remove_camera_media(camera_id))


def camera_media_dirs(camera_id: str) -> list[Path]:
    """The camera's own folders under the media roots, only when the id is a safe single path part."""
    if not is_valid_camera_id(camera_id):
        return []
    folders = []
    for root_setting in ("NVR_RECORDINGS_DIR", "NVR_MIRROR_RECORDINGS_DIR", "NVR_SNAPSHOTS_DIR", "NVR_CLIPS_DIR"):
        if getattr(settings, root_setting, None) is None:
            continue  # mirroring is off
        root = Path(getattr(settings, root_setting)).resolve()
        folder = root / camera_id
        # A symlinked camera folder could point anywhere: only ever remove real children of the root.
        if folder.is_symlink() or folder.resolve().parent != root:
            log.warning("not removing %s: it is not a plain folder under %s", folder, root)
            continue
        folders.append(folder)
    return folders


def remove_camera_media(camera_id: str) -> None:
    """Remove a deleted camera's media folders (best-effort: a failure is logged, not raised)."""
    for folder in camera_media_dirs(camera_id):
        if not folder.is_dir():
            continue
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            log.warning("could not remove %s: %s", folder, exc)
