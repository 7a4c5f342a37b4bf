"""GET /api/v1/clips: every clip the caller may see, newest first; camera and time filters, scope, pagination."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recording.models import Clip, ClipStatus
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db


def make_clip(camera, start=T0, seconds: int = 60, *, created_ago_s: int = 0, expires_in_h: float = 1,
              status: str = ClipStatus.COMPLETED, **fields) -> Clip:
    now = timezone.now()
    index = Clip.objects.count()
    return Clip.objects.create(
        camera=camera, path=f"{camera.pk}/clip_{index}.mp4", from_time=start, to_time=start + timedelta(seconds=seconds),
        requested_seconds=seconds, covered_seconds=seconds, size_bytes=1000, created_at=now - timedelta(seconds=created_ago_s),
        expires_at=now + timedelta(hours=expires_in_h), status=status, **fields,
    )


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_lists_every_cameras_clips_newest_first(viewer_client, camera, other_camera):
    old = make_clip(camera, created_ago_s=60)
    theirs = make_clip(other_camera, created_ago_s=30)
    new = make_clip(camera)
    response = viewer_client.get("/api/v1/clips")
    assert ids(response) == [new.pk, theirs.pk, old.pk]
    row = response.json()["results"][1]
    assert row["camera_id"] == "cam2" and row["url"] == f"/api/v1/clips/{theirs.pk}/download"
    assert row["expires_at"] and "path" not in row


def test_expired_clips_are_not_listed(viewer_client, camera):
    live = make_clip(camera)
    make_clip(camera, expires_in_h=-0.01)
    assert ids(viewer_client.get("/api/v1/clips")) == [live.pk]


def test_filters_by_camera(viewer_client, camera, other_camera):
    make_clip(camera)
    theirs = make_clip(other_camera)
    assert ids(viewer_client.get("/api/v1/clips?camera_id=cam2")) == [theirs.pk]
    assert ids(viewer_client.get("/api/v1/clips?camera_id=nope")) == []


def test_filters_by_overlap_with_a_time_range(viewer_client, camera):
    morning = make_clip(camera, T0 - timedelta(hours=3), created_ago_s=10)
    noon = make_clip(camera, T0)  # 12:00–12:01
    at = lambda delta: (T0 + delta).strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    assert ids(viewer_client.get(f"/api/v1/clips?from={at(timedelta(seconds=30))}")) == [noon.pk]
    assert ids(viewer_client.get(f"/api/v1/clips?to={at(timedelta(hours=-1))}")) == [morning.pk]
    assert ids(viewer_client.get(f"/api/v1/clips?from={at(timedelta(seconds=60))}&to={at(timedelta(hours=1))}")) == [noon.pk]
    assert ids(viewer_client.get(f"/api/v1/clips?from={at(timedelta(minutes=2))}&to={at(timedelta(hours=1))}")) == []


@pytest.mark.parametrize(
    ("query", "field"),
    [("from=yesterday", "from"), ("from=2026-06-15T13:00:00Z&to=2026-06-15T12:00:00Z", "from"),
     ("camera_id=" + "x" * 65, "camera_id"), ("limit=0", "limit"), ("limit=1001", "limit")],
)
def test_bad_filters_are_400(viewer_client, camera, query, field):
    response = viewer_client.get(f"/api/v1/clips?{query}")
    assert response.status_code == 400 and field in response.json()["fields"]


def test_is_paginated(viewer_client, camera):
    made = [make_clip(camera, created_ago_s=100 - index) for index in range(5)]
    first = viewer_client.get("/api/v1/clips?limit=2").json()
    assert first["count"] == 5 and [row["id"] for row in first["results"]] == [made[4].pk, made[3].pk]
    assert "offset=2" in first["next"]
    assert ids(viewer_client.get("/api/v1/clips?limit=2&offset=4")) == [made[0].pk]


def test_a_camera_scoped_key_sees_only_its_cameras_clips(key_client, camera, other_camera):
    mine = make_clip(camera)
    make_clip(other_camera)
    scoped = key_client(["camera:read", "video:export"], cameras=["cam1"])
    assert ids(scoped.get("/api/v1/clips")) == [mine.pk]
    assert ids(scoped.get("/api/v1/clips?camera_id=cam1")) == [mine.pk]
    response = scoped.get("/api/v1/clips?camera_id=cam2")
    assert response.status_code == 403 and "list clips" in response.json()["error"]


def test_listing_needs_video_export(key_client, anon_client, camera):
    make_clip(camera)
    response = key_client(["camera:read", "video:playback"]).get("/api/v1/clips")
    assert response.status_code == 403 and "video:export" in response.json()["error"]
    assert anon_client.get("/api/v1/clips").status_code == 401


def test_listing_takes_a_fixed_number_of_queries(viewer_client, key_client, camera, other_camera, django_assert_max_num_queries):
    for index in range(15):
        make_clip(camera if index % 2 else other_camera)
    scoped = key_client(["camera:read", "video:export"], cameras=["cam1"])
    with django_assert_max_num_queries(4):
        assert len(ids(viewer_client.get("/api/v1/clips?limit=100"))) == 15
    with django_assert_max_num_queries(6):
        assert len(ids(scoped.get("/api/v1/clips?camera_id=cam1&from=2026-06-15T00:00:00Z"))) == 7


def test_is_in_the_openapi_schema(admin_client):
    schema = admin_client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    operation = schema.json()["paths"]["/api/v1/clips"]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"camera_id", "from", "to", "limit", "offset"} <= names
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PaginatedClipList"}


def test_lists_show_every_status_with_results_only_for_completed_clips(viewer_client, camera):
    made = {
        "completed": make_clip(camera, created_ago_s=50),
        "failed": make_clip(camera, created_ago_s=40, status=ClipStatus.FAILED, error="no footage in that range"),
        "cancelled": make_clip(camera, created_ago_s=30, status=ClipStatus.CANCELLED, cancel_requested=True),
        "running": make_clip(camera, created_ago_s=20, status=ClipStatus.RUNNING, progress=0.25),
        "pending": make_clip(camera, created_ago_s=10, status=ClipStatus.PENDING),
    }
    for url in ("/api/v1/clips", "/api/v1/cameras/cam1/clips"):
        rows = {row["id"]: row for row in viewer_client.get(url).json()["results"]}
        assert [rows[clip.pk]["status"] for clip in made.values()] == list(made)
        done = rows[made["completed"].pk]
        assert done["url"] and done["covered_seconds"] == 60 and done["gaps"] == [] and done["error"] is None
        for state in ("failed", "cancelled", "running", "pending"):
            row = rows[made[state].pk]
            assert (row["url"], row["covered_seconds"], row["gaps"], row["size_bytes"]) == (None, None, None, None), state
        assert rows[made["running"].pk]["progress"] == 0.25
        assert rows[made["failed"].pk]["error"] == "no footage in that range"
        assert rows[made["cancelled"].pk]["error"] is None and rows[made["cancelled"].pk]["cancel_requested"]
