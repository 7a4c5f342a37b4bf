"""Clip API: POST cameras/{id}/clip (202, a job run inline here), GET/DELETE clips/{id}, download, list; capabilities
and scope."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import AuditLog
from recording import clips, media_jobs
from recording.models import Clip
from tests.recording.clips.footage import make_footage
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db

WINDOW = {"from": "2026-06-15T12:00:02Z", "to": "2026-06-15T12:00:08Z"}


@pytest.fixture
def footage(camera):
    return make_footage(camera, T0, 10)


def export(client, camera_id="cam1", body=WINDOW):
    return client.post(f"/api/v1/cameras/{camera_id}/clip", body, format="json")


def test_export_is_accepted_and_the_clip_follows_the_job_to_completed(viewer_client, footage):
    response = export(viewer_client)
    assert response.status_code == 202, response.content
    body = response.json()
    clip = Clip.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/clips/{clip.pk}"
    assert body == {
        "id": clip.pk, "camera_id": "cam1", "status": "completed", "progress": 1.0, "error": None, "cancel_requested": False,
        "filename": "cam1_20260615T120002Z_20260615T120008Z.mp4", "url": f"/api/v1/clips/{clip.pk}/download",
        "from": WINDOW["from"], "to": WINDOW["to"], "requested_seconds": 6.0, "covered_seconds": 6.0, "gaps": [],
        "size_bytes": clip.size_bytes, "segment_count": 1, "created_by": "vera", "created_at": body["created_at"],
        "started_at": body["started_at"], "finished_at": body["finished_at"], "expires_at": body["expires_at"],
    }
    assert body["created_at"] <= body["started_at"] <= body["finished_at"]
    assert viewer_client.get(f"/api/v1/clips/{clip.pk}").json() == body
    assert str(settings.NVR_CLIPS_DIR) not in response.content.decode() and "path" not in body
    assert AuditLog.objects.filter(action="export_clip", target_id=clip.pk, subject_camera_id="cam1").exists()


def test_download_is_an_attachment_with_ranges(viewer_client, footage):
    clip = export(viewer_client).json()
    response = viewer_client.get(clip["url"], HTTP_ACCEPT="video/mp4")
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"] == f'attachment; filename="{clip["filename"]}"'
    body = b"".join(response.streaming_content)
    assert len(body) == clip["size_bytes"] and body[4:8] == b"ftyp"
    part = viewer_client.get(clip["url"], HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part["Content-Range"] == f"bytes 100-199/{clip['size_bytes']}"
    assert b"".join(part.streaming_content) == body[100:200]


def test_get_and_list_clips(viewer_client, camera, footage):
    first, second = export(viewer_client).json(), export(viewer_client).json()
    assert viewer_client.get(f"/api/v1/clips/{first['id']}").json() == first
    listed = viewer_client.get("/api/v1/cameras/cam1/clips").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [second["id"], first["id"]]


def test_delete_removes_the_file(viewer_client, footage, django_capture_on_commit_callbacks):
    clip = export(viewer_client).json()
    path = Path(settings.NVR_CLIPS_DIR) / "cam1" / f"{clip['id']}.mp4"
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert viewer_client.delete(f"/api/v1/clips/{clip['id']}").status_code == 204
    assert not path.exists() and not Clip.objects.exists()
    assert viewer_client.get(f"/api/v1/clips/{clip['id']}").status_code == 404


def test_expired_clips_are_gone_for_the_api(viewer_client, footage):
    clip = export(viewer_client).json()
    Clip.objects.filter(pk=clip["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert viewer_client.get(f"/api/v1/clips/{clip['id']}").status_code == 404
    assert viewer_client.get(clip["url"]).status_code == 404


def test_no_footage_in_range_is_404(viewer_client, footage):
    response = export(viewer_client, body={"from": "2026-06-15T13:00:00Z", "to": "2026-06-15T13:01:00Z"})
    assert response.status_code == 404 and response.json()["error"] == "no footage in that range"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": "2026-06-15T12:00:08Z", "to": "2026-06-15T12:00:02Z"}, "to"),
        ({"from": "2026-06-15T12:00:00Z", "to": "2026-06-15T13:00:01Z"}, "to"),
        ({"from": "yesterday", "to": "2026-06-15T12:00:02Z"}, "from"),
        ({"from": "2026-06-15T12:00:00", "to": "2026-06-15T12:00:02Z"}, "from"),
        ({"to": "2026-06-15T12:00:02Z"}, "from"),
        ({"from": 5, "to": None}, "from"),
    ],
)
def test_bad_windows_are_400(viewer_client, footage, body, field):
    response = export(viewer_client, body=body)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_a_job_finding_no_media_permit_fails_with_media_busy(viewer_client, footage, settings, monkeypatch):
    settings.NVR_MEDIA_JOB_CONCURRENCY = 1
    monkeypatch.setattr(clips, "JOB_PERMIT_WAIT_S", 0.05)
    with media_jobs.media_permit():
        response = export(viewer_client)
    assert response.status_code == 202
    assert (response.json()["status"], response.json()["error"]) == ("failed", "too many media jobs are running; retry shortly")
    assert export(viewer_client).json()["status"] == "completed"  # the permit came back


def test_exporting_needs_video_export(key_client, footage):
    client = key_client(["camera:read", "video:live", "video:playback"])
    response = export(client)
    assert response.status_code == 403 and "video:export" in response.json()["error"]
    assert not Clip.objects.exists()


def test_reading_clips_needs_video_export(viewer_client, key_client, footage):
    clip = export(viewer_client).json()
    client = key_client(["camera:read", "video:playback"])
    for url in (f"/api/v1/clips/{clip['id']}", clip["url"], "/api/v1/cameras/cam1/clips"):
        assert client.get(url).status_code == 403, url
    assert client.get(clip["url"], HTTP_ACCEPT="video/mp4").status_code == 403  # a player's request too
    assert client.delete(f"/api/v1/clips/{clip['id']}").status_code == 403


def test_a_camera_scoped_key_cannot_touch_another_cameras_clips(viewer_client, key_client, camera, other_camera):
    make_footage(other_camera, T0, 10)
    theirs = export(viewer_client, "cam2").json()
    scoped = key_client(["camera:read", "video:export"], cameras=["cam1"])
    assert export(scoped, "cam2").status_code == 403
    assert scoped.get(f"/api/v1/clips/{theirs['id']}").status_code == 403
    assert scoped.get(theirs["url"]).status_code == 403
    assert scoped.delete(f"/api/v1/clips/{theirs['id']}").status_code == 403
    assert scoped.get("/api/v1/clips/clip_missing").status_code == 403  # same answer as out of scope
    assert scoped.get("/api/v1/cameras/cam2/clips").status_code == 403
    assert viewer_client.get("/api/v1/clips/clip_missing").status_code == 404


def test_listing_clips_takes_a_fixed_number_of_queries(viewer_client, camera, django_assert_max_num_queries):
    now = timezone.now()
    for index in range(12):
        Clip.objects.create(camera=camera, path=f"cam1/clip_{index}.mp4", from_time=T0, to_time=T0 + timedelta(seconds=5),
                            requested_seconds=5, expires_at=now + timedelta(hours=1))
    with django_assert_max_num_queries(6):
        response = viewer_client.get("/api/v1/cameras/cam1/clips?limit=100")
    assert response.status_code == 200
