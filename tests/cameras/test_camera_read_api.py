"""GET /api/v1/cameras and /api/v1/cameras/{id}: view shape, scope, filters, pagination."""

from __future__ import annotations

import pytest

from tests.cameras.conftest import assert_no_secrets
from tests.conftest import make_camera

URL = "/api/v1/cameras"

VIEW_FIELDS = {
    "id", "name", "vendor", "model", "address", "rtsp_port", "rtsp_transport", "username", "record_stream",
    "codec", "resolution_main", "resolution_sub", "fps_main", "fps_sub", "capabilities", "record_enabled",
    "segment_seconds", "retention_hours", "storage_quota_bytes", "record_audio", "record_mode",
    "pre_roll_seconds", "post_roll_seconds", "mirror_enabled", "anr_enabled", "anr_replay_url_template",
    "native_anpr_enabled", "native_events_enabled", "enabled", "priority", "live_warm", "created_at",
    "updated_at", "has_password", "record_url_masked", "has_main_stream_url", "has_sub_stream_url", "mirror_active",
}


def test_unauthenticated_list_is_401_envelope(anon_client, camera):
    response = anon_client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] and response.json()["error"]


def test_unauthenticated_get_is_401(anon_client, camera):
    assert anon_client.get(f"{URL}/cam1").status_code == 401


def test_viewer_lists_cameras_ordered_by_id(viewer_client, db):
    for camera_id in ("zeta", "alpha", "mid"):
        make_camera(camera_id)
    body = viewer_client.get(URL).json()
    assert body["count"] == 3
    assert [c["id"] for c in body["results"]] == ["alpha", "mid", "zeta"]
    assert body["next"] is None and body["previous"] is None


def test_view_shape_has_every_public_field_and_no_secret_field(viewer_client, secret_camera):
    body = viewer_client.get(f"{URL}/vault").json()
    assert set(body) == VIEW_FIELDS
    assert body["has_password"] is True
    assert body["has_main_stream_url"] is True and body["has_sub_stream_url"] is True
    assert body["record_url_masked"] == "rtsp://***@192.168.1.70:554/live/main"
    assert body["anr_replay_url_template"] == "rtsp://***@192.168.1.70:554/replay?start={start}&end={end}"
    assert body["username"] == "admin"  # the login name is shown in clear, as in the reference
    assert body["created_at"].endswith("Z")


def test_view_of_a_camera_without_secrets(viewer_client, camera):
    body = viewer_client.get(f"{URL}/cam1").json()
    assert body["has_password"] is False
    assert body["has_main_stream_url"] is False and body["has_sub_stream_url"] is False
    assert body["record_url_masked"] is None  # generic vendor without an override: no URL
    assert body["anr_replay_url_template"] is None


def test_built_record_url_is_masked(viewer_client, db):
    make_camera("hik", vendor="hikvision", address="10.0.0.8", username="admin", password="pw@1", record_stream="sub")
    body = viewer_client.get(f"{URL}/hik").json()
    assert body["record_url_masked"] == "rtsp://***@10.0.0.8:554/Streaming/Channels/102"


def test_secrets_never_appear_in_get_or_list_bytes(viewer_client, secret_camera):
    assert_no_secrets(viewer_client.get(f"{URL}/vault").content)
    assert_no_secrets(viewer_client.get(URL).content)


def test_missing_camera_is_404_with_reference_message(viewer_client, db):
    response = viewer_client.get(f"{URL}/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "camera nope not found", "code": "not_found"}


@pytest.mark.parametrize("camera_id", ["x" * 300, "..", "%2e%2e", "caf%C3%A9"])
def test_odd_ids_are_a_plain_404(viewer_client, db, camera_id):
    assert viewer_client.get(f"{URL}/{camera_id}").status_code == 404


def test_nul_in_the_id_is_a_4xx(viewer_client, db):
    response = viewer_client.get(f"{URL}/a%00b")
    assert response.status_code in (400, 404)
    assert response.json()["code"]


def test_scoped_key_lists_only_its_cameras(scoped_client):
    body = scoped_client.get(URL).json()
    assert [c["id"] for c in body["results"]] == ["cam1"]
    assert body["count"] == 1


def test_scoped_key_gets_403_for_other_camera(scoped_client):
    response = scoped_client.get(f"{URL}/cam2")
    assert response.status_code == 403
    assert "cam2" in response.json()["error"]


def test_scoped_key_gets_the_same_403_for_a_missing_camera(scoped_client):
    missing = scoped_client.get(f"{URL}/ghost")
    assert missing.status_code == 403
    assert missing.json()["error"] == scoped_client.get(f"{URL}/cam2").json()["error"].replace("cam2", "ghost")


def test_scoped_key_reads_its_own_camera(scoped_client):
    assert scoped_client.get(f"{URL}/cam1").json()["id"] == "cam1"


def test_filter_by_enabled(viewer_client, db):
    make_camera("on1")
    make_camera("off1", enabled=False)
    assert [c["id"] for c in viewer_client.get(URL, {"enabled": "true"}).json()["results"]] == ["on1"]
    assert [c["id"] for c in viewer_client.get(URL, {"enabled": "false"}).json()["results"]] == ["off1"]


def test_filter_by_record_mode(viewer_client, db):
    make_camera("cont")
    make_camera("evt", record_mode="event")
    assert [c["id"] for c in viewer_client.get(URL, {"record_mode": "event"}).json()["results"]] == ["evt"]


@pytest.mark.parametrize("params", [{"enabled": "yes"}, {"record_mode": "sometimes"}, {"limit": "0"}, {"limit": "5001"}, {"offset": "-1"}])
def test_bad_list_parameters_are_400(viewer_client, db, params):
    response = viewer_client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_list_paginates_with_limit_and_offset(viewer_client, db):
    for index in range(5):
        make_camera(f"cam{index}")
    body = viewer_client.get(URL, {"limit": 2, "offset": 2}).json()
    assert [c["id"] for c in body["results"]] == ["cam2", "cam3"]
    assert body["count"] == 5 and body["next"] and body["previous"]


def test_list_accepts_the_maximum_limit(viewer_client, camera):
    assert viewer_client.get(URL, {"limit": 5000}).status_code == 200


def test_list_makes_no_per_camera_queries(viewer_client, django_assert_max_num_queries, db):
    for index in range(10):
        make_camera(f"cam{index:02}", vendor="hikvision", address=f"10.0.0.{index + 1}", password="pw")
    with django_assert_max_num_queries(3):
        response = viewer_client.get(URL)
    assert response.json()["count"] == 10
