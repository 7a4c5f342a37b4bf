"""The live grid and camera page as Django renders them: login, capabilities, tiles, the page scripts' config."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts import capabilities as caps
from recording.models import CameraState, CameraStatus, GapReason, Segment, Snapshot
from tests.conftest import make_camera, make_user

pytestmark = pytest.mark.django_db


def logged_in(role: str = "viewer") -> Client:
    client = Client()
    client.force_login(make_user(f"{role}-user", role))
    return client


def page_config(response) -> dict:
    match = re.search(r'<script id="page-config" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    assert match, "the page carries its script config"
    return json.loads(match.group(1))


def add_segment(camera, codec: str, minutes_ago: int = 5) -> Segment:
    start = timezone.now() - timedelta(minutes=minutes_ago)
    return Segment.objects.create(camera=camera, path=f"{camera.pk}/{minutes_ago}-{codec}.mp4", start_time=start,
                                  end_time=start + timedelta(seconds=60), duration_s=60, codec=codec)


@pytest.mark.parametrize("url", ["/live/", "/cameras/cam1/"])
def test_footage_pages_require_login(url):
    make_camera("cam1")
    response = Client().get(url)
    assert response.status_code == 302 and response["Location"] == f"/login/?next={url}"


def test_live_grid_shows_a_tile_per_camera_linking_to_its_page():
    make_camera("gate", name="Gate")
    make_camera("yard", name="Yard")
    response = logged_in().get("/live/")
    assert response.status_code == 200
    page = response.content.decode()
    assert [t["camera"].pk for t in response.context["tiles"]] == ["gate", "yard"]
    assert 'href="/cameras/gate/"' in page and 'href="/cameras/yard/"' in page
    assert 'src="/static/console/live-grid.js"' in page
    assert '<a href="/live/" aria-current="page">Live</a>' in page


def test_offline_tile_says_why_and_live_tile_does_not():
    offline = make_camera("gate", name="Gate")
    CameraStatus.objects.create(camera=offline, state=CameraState.OFFLINE, gap_reason=GapReason.CAMERA_OFFLINE)
    recording = make_camera("yard", name="Yard")
    CameraStatus.objects.create(camera=recording, state=CameraState.RECORDING)
    make_camera("dock", name="Dock", enabled=False)
    tiles = {t["camera"].pk: t for t in logged_in().get("/live/").context["tiles"]}
    assert tiles["gate"]["dark"] and tiles["gate"]["message"] == "offline: camera unreachable"
    assert not tiles["yard"]["dark"]
    assert tiles["dock"]["state"] == "disabled" and tiles["dock"]["message"] == "disabled: camera turned off"


def test_offline_tile_shows_the_last_snapshot_as_poster():
    camera = make_camera("gate")
    now = timezone.now()
    Snapshot.objects.create(camera=camera, path="gate/old.jpg", taken_at=now - timedelta(hours=2))
    newest = Snapshot.objects.create(camera=camera, path="gate/new.jpg", taken_at=now - timedelta(minutes=1))
    page = logged_in().get("/live/").content.decode()
    assert f'poster="/api/v1/snapshots/{newest.pk}/image"' in page


def test_tile_codec_comes_from_the_newest_segment_then_the_camera_setting():
    hevc = make_camera("gate", codec="H.264")
    add_segment(hevc, "h264", minutes_ago=30)
    add_segment(hevc, "hevc", minutes_ago=5)
    make_camera("yard", codec="H.265")
    make_camera("dock")
    tiles = {t["camera"].pk: t for t in logged_in().get("/live/").context["tiles"]}
    assert (tiles["gate"]["codec"], tiles["yard"]["codec"], tiles["dock"]["codec"]) == ("hevc", "hevc", None)


def test_live_grid_query_count_does_not_grow_with_cameras(django_assert_max_num_queries):
    client = logged_in()
    for i in range(10):
        camera = make_camera(f"cam{i}")
        add_segment(camera, "h264")
    with django_assert_max_num_queries(6):
        assert client.get("/live/").status_code == 200


def test_a_user_without_camera_read_gets_403(monkeypatch):
    monkeypatch.setitem(caps.ROLE_CAPABILITIES, "viewer", caps.VIEW_SET - {caps.CAMERA_READ})
    make_camera("cam1")
    client = logged_in("viewer")
    assert client.get("/live/").status_code == 403
    assert client.get("/cameras/cam1/").status_code == 403


def test_camera_page_carries_the_camera_and_capabilities_for_its_script():
    camera = make_camera("gate", name="Gate", segment_seconds=4)
    CameraStatus.objects.create(camera=camera, state=CameraState.RECORDING)
    add_segment(camera, "h264")
    response = logged_in("viewer").get("/cameras/gate/")
    assert response.status_code == 200
    config = page_config(response)
    assert config["camera"] == {"id": "gate", "name": "Gate", "state": "recording", "gapReason": None, "codec": "h264",
                                "segmentSeconds": 4}
    assert config["caps"] == {"live": True, "playback": True, "export": True, "events": True}
    assert config["liveSocket"] == "/ws/cameras/{id}/live" and config["statusSocket"] == "/ws/status"
    assert config["reasons"]["camera_offline"] == "camera unreachable"
    page = response.content.decode()
    assert 'src="/static/vendor/hls/hls.min.js"' in page
    assert 'data-action="clip"' in page and 'id="clip-dialog"' in page
    assert 'id="timeline"' in page and 'type="date"' in page


def test_camera_page_hides_what_the_role_may_not_do(monkeypatch):
    monkeypatch.setitem(caps.ROLE_CAPABILITIES, "viewer", caps.VIEW_SET - {caps.VIDEO_EXPORT, caps.VIDEO_PLAYBACK, caps.EVENTS_READ})
    make_camera("gate")
    response = logged_in("viewer").get("/cameras/gate/")
    page = response.content.decode()
    assert page_config(response)["caps"] == {"live": True, "playback": False, "export": False, "events": False}
    assert 'data-action="clip"' not in page and 'id="clip-dialog"' not in page
    assert 'id="timeline"' not in page and "hls.min.js" not in page
    assert 'data-action="next-event"' not in page
    assert "may not play recordings" in page


def test_camera_page_of_an_unknown_camera_is_404():
    assert logged_in().get("/cameras/nope/").status_code == 404


def test_offline_camera_page_says_why_before_any_script_runs():
    camera = make_camera("gate")
    CameraStatus.objects.create(camera=camera, state=CameraState.ERROR, gap_reason=GapReason.AUTH_FAILED)
    page = logged_in().get("/cameras/gate/").content.decode()
    assert "error: camera refused the credentials" in page


def test_home_links_each_camera_to_its_page():
    make_camera("gate", name="Gate")
    page = logged_in().get("/").content.decode()
    assert '<a href="/cameras/gate/"><strong>Gate</strong></a>' in page
