"""GET cameras/{id}/snapshot?at=: the recorded frame on screen at an instant, as a JPEG."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recording.models import Segment
from tests.recording.clips.footage import epoch_ms, jpeg_ms, make_footage
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db


def still_url(camera_id: str, at) -> str:
    return f"/api/v1/cameras/{camera_id}/snapshot?at={at.strftime('%Y-%m-%dT%H:%M:%S.%f')}Z"


def test_recorded_still_shows_the_frame_at_that_instant(viewer_client, camera):
    make_footage(camera, T0, 10, gop=20)
    make_footage(camera, T0 + timedelta(seconds=10), 10, gop=20)
    response = viewer_client.get(still_url("cam1", T0 + timedelta(seconds=13.27)))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["ETag"] and "private" in response["Cache-Control"]
    assert jpeg_ms(response.content) == epoch_ms(T0 + timedelta(seconds=13.2))


def test_the_read_lock_is_released_after_the_still(viewer_client, camera):
    segment = make_footage(camera, T0, 4)
    assert viewer_client.get(still_url("cam1", T0 + timedelta(seconds=1))).status_code == 200
    assert Segment.objects.get(pk=segment.pk).read_locks == 0


def test_same_still_again_is_not_modified(viewer_client, camera):
    make_footage(camera, T0, 4)
    first = viewer_client.get(still_url("cam1", T0 + timedelta(seconds=2)))
    again = viewer_client.get(still_url("cam1", T0 + timedelta(seconds=2)), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content


def test_no_footage_at_that_timestamp_is_404(viewer_client, camera):
    make_footage(camera, T0, 4)
    response = viewer_client.get(still_url("cam1", T0 + timedelta(seconds=30)))
    assert response.status_code == 404
    assert response.json() == {"error": "no footage at that timestamp", "code": "not_found"}


def test_a_segment_whose_file_vanished_is_404_not_500(viewer_client, camera):
    make_footage(camera, T0, 4, write=False)
    assert viewer_client.get(still_url("cam1", T0 + timedelta(seconds=1))).status_code == 404


def test_a_bad_timestamp_is_a_400_envelope(viewer_client, camera):
    response = viewer_client.get("/api/v1/cameras/cam1/snapshot?at=yesterday")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_recorded_still_needs_video_playback(key_client, camera):
    make_footage(camera, T0, 4)
    live_only = key_client(["camera:read", "video:live"])
    response = live_only.get(still_url("cam1", T0 + timedelta(seconds=1)), HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 403
    assert "video:playback" in response.json()["error"]


def test_a_camera_scoped_key_gets_no_still_of_another_camera(scoped_client, other_camera):
    make_footage(other_camera, T0, 4)
    assert scoped_client.get(still_url("cam2", T0 + timedelta(seconds=1))).status_code == 403
    assert scoped_client.get(still_url("nope", T0 + timedelta(seconds=1))).status_code == 403


def test_unknown_camera_is_404(viewer_client):
    assert viewer_client.get(still_url("nope", T0)).status_code == 404


def test_unauthenticated_is_401(anon_client, camera):
    assert anon_client.get(still_url("cam1", T0)).status_code == 401
