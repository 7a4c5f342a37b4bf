"""Who may fetch recorded media: video:playback, camera scope (no existence oracle), anonymous, hostile ids."""

from __future__ import annotations

import pytest

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from tests.conftest import client_for_key
from tests.recording.playback.media import T0, place_segment

PARTS = ["media", "init.mp4", "fragments.m4s"]
PLAYLIST_QUERY = "playlist.m3u8?from=2026-06-15T12:00:00Z&to=2026-06-15T13:00:00Z"


@pytest.fixture
def own(camera, recordings, blobs):
    return place_segment(recordings, camera, T0, blobs[0])


@pytest.fixture
def foreign(other_camera, recordings, blobs):
    return place_segment(recordings, other_camera, T0, blobs[1])


@pytest.fixture
def no_playback_client(admin_user, camera):
    """An API key minted with an explicit capability list that lacks video:playback."""
    grant = Grant("integration", ["camera:read", "video:live", "video:export"], "all", [])
    _, raw = create_api_key(for_user(admin_user), name="no playback", grant=grant)
    return client_for_key(raw)


def all_urls(segment, camera_id):
    return [f"/api/v1/segments/{segment.pk}/{part}" for part in PARTS] + [f"/api/v1/cameras/{camera_id}/{PLAYLIST_QUERY}"]


def test_a_key_without_video_playback_gets_403_on_every_media_url(no_playback_client, own):
    for url in all_urls(own, "cam1"):
        response = no_playback_client.get(url)
        assert response.status_code == 403, url
        assert "video:playback" in response.json()["error"]


def test_a_viewer_may_play(viewer_client, own):
    for url in all_urls(own, "cam1"):
        assert viewer_client.get(url).status_code == 200, url


def test_a_scoped_key_plays_its_own_camera(scoped_client, own):
    for url in all_urls(own, "cam1"):
        assert scoped_client.get(url).status_code == 200, url


def test_a_scoped_key_cannot_fetch_another_cameras_media(scoped_client, foreign):
    for url in all_urls(foreign, "cam2"):
        response = scoped_client.get(url)
        assert response.status_code == 403, url
        assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("part", PARTS)
def test_a_scoped_key_gets_the_same_403_for_missing_and_foreign_segments(scoped_client, foreign, part):
    missing = scoped_client.get(f"/api/v1/segments/seg_doesnotexist/{part}")
    other = scoped_client.get(f"/api/v1/segments/{foreign.pk}/{part}")
    assert missing.status_code == other.status_code == 403
    assert missing.json()["code"] == other.json()["code"]
    assert missing.json()["error"].replace("seg_doesnotexist", "ID") == other.json()["error"].replace(foreign.pk, "ID")


def test_a_scoped_key_gets_403_for_unknown_cameras_playlists_before_lookup(scoped_client, db):
    assert scoped_client.get(f"/api/v1/cameras/nowhere/{PLAYLIST_QUERY}").status_code == 403


@pytest.mark.parametrize("part", PARTS)
def test_fleet_wide_callers_get_404_for_unknown_segments(viewer_client, db, part):
    response = viewer_client.get(f"/api/v1/segments/seg_doesnotexist/{part}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_anonymous_callers_get_401(anon_client, own):
    for url in all_urls(own, "cam1"):
        response = anon_client.get(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("segment_id", [
    "..%2F..%2Fetc%2Fpasswd", "..%2F", "%2e%2e", "..", "%00", "seg_x%00", "seg%0a", "a" * 5000, "%E2%80%AE", "seg_%25%32%65",
])
@pytest.mark.parametrize("part", PARTS)
def test_hostile_segment_ids_are_4xx(viewer_client, own, segment_id, part):
    response = viewer_client.get(f"/api/v1/segments/{segment_id}/{part}")
    assert 400 <= response.status_code < 500
    assert b"root:" not in response.content


@pytest.mark.parametrize("camera_id", ["..%2Fcam1", "%00", "cam1%00", "x" * 3000])
def test_hostile_camera_ids_in_playlists_are_4xx(viewer_client, own, camera_id):
    response = viewer_client.get(f"/api/v1/cameras/{camera_id}/{PLAYLIST_QUERY}")
    assert 400 <= response.status_code < 500
