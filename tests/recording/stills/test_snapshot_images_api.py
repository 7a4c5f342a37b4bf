"""Persisted snapshots: their JPEG (ETag, Range), deletion, capability and camera-scope checks."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import av
import numpy as np
import pytest
from django.conf import settings

from accounts.models import AuditLog
from recording import snapshots, stills
from recording.models import Snapshot
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db


def jpeg(level: int = 100) -> bytes:
    frame = av.VideoFrame.from_ndarray(np.full((48, 64), level, dtype=np.uint8), format="gray")
    return stills.encode_jpeg(frame.reformat(format="yuv420p"))


def stored(camera, taken_at=T0, level: int = 100) -> Snapshot:
    return snapshots.save_still(camera, snapshots.Still(jpeg(level), taken_at, "camera"))


def test_snapshot_file_is_named_by_camera_and_millisecond(camera):
    snapshot = stored(camera, T0 + timedelta(milliseconds=123))
    assert snapshot.path == "cam1/20260615T120000123Z.jpg"
    assert (Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path).read_bytes()[:2] == b"\xff\xd8"
    assert snapshot.size_bytes == len((Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path).read_bytes())


def test_two_snapshots_in_one_millisecond_both_keep_their_file(camera):
    first, second = stored(camera, level=50), stored(camera, level=200)
    assert first.path != second.path
    assert not list((Path(settings.NVR_SNAPSHOTS_DIR) / "cam1").glob(".*"))  # no temp files left


def test_image_is_served_with_etag_and_ranges(viewer_client, camera):
    snapshot = stored(camera)
    url = f"/api/v1/snapshots/{snapshot.pk}/image"
    whole = viewer_client.get(url)
    assert whole.status_code == 200 and whole["Content-Type"] == "image/jpeg"
    body = b"".join(whole.streaming_content)
    assert body == (Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path).read_bytes()
    assert whole["Accept-Ranges"] == "bytes" and whole["ETag"]
    part = viewer_client.get(url, HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206 and b"".join(part.streaming_content) == body[:10]
    assert viewer_client.get(url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304
    assert viewer_client.get(url, HTTP_RANGE=f"bytes={len(body) + 5}-").status_code == 416


def test_list_gives_the_image_url(viewer_client, camera):
    snapshot = stored(camera)
    rows = viewer_client.get("/api/v1/cameras/cam1/snapshots").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert rows[0]["url"] == f"/api/v1/snapshots/{snapshot.pk}/image" and "path" not in rows[0]


def test_a_missing_image_file_is_404(viewer_client, camera):
    snapshot = stored(camera)
    (Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path).unlink()
    response = viewer_client.get(f"/api/v1/snapshots/{snapshot.pk}/image")
    assert response.status_code == 404 and str(settings.NVR_SNAPSHOTS_DIR) not in response.content.decode()


def test_image_needs_video_playback(key_client, camera):
    snapshot = stored(camera)
    client = key_client(["camera:read", "video:live"])
    response = client.get(f"/api/v1/snapshots/{snapshot.pk}/image", HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 403 and response["Content-Type"] == "application/json"


def test_scoped_key_cannot_fetch_another_cameras_snapshot(scoped_client, camera, other_camera):
    mine, theirs = stored(camera), stored(other_camera)
    assert scoped_client.get(f"/api/v1/snapshots/{mine.pk}/image").status_code == 200
    assert scoped_client.get(f"/api/v1/snapshots/{theirs.pk}/image").status_code == 403
    assert scoped_client.get("/api/v1/snapshots/snap_missing/image").status_code == 403  # no existence oracle


def test_unscoped_caller_gets_404_for_a_missing_snapshot(viewer_client):
    assert viewer_client.get("/api/v1/snapshots/snap_missing/image").status_code == 404


def test_delete_removes_row_and_file_and_is_audited(admin_client, camera, django_capture_on_commit_callbacks):
    snapshot = stored(camera)
    path = Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"/api/v1/snapshots/{snapshot.pk}")
    assert response.status_code == 204
    assert not Snapshot.objects.filter(pk=snapshot.pk).exists() and not path.exists()
    assert AuditLog.objects.filter(action="delete_snapshot", target_id=snapshot.pk, subject_camera_id="cam1").exists()


def test_viewers_cannot_delete_snapshots(viewer_client, camera):
    snapshot = stored(camera)
    assert viewer_client.delete(f"/api/v1/snapshots/{snapshot.pk}").status_code == 403
    assert Snapshot.objects.filter(pk=snapshot.pk).exists()
