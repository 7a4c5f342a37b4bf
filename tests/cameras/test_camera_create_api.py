"""POST /api/v1/cameras: ids, defaults, validation, clamps, roles, scope, audit, secrets."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditLog
from cameras.models import Camera
from tests.cameras.conftest import ANR_TEMPLATE, MAIN_URL, PASSWORD, SUB_URL, assert_no_secrets

URL = "/api/v1/cameras"


def post(client, body):
    return client.post(URL, body, format="json")


def error_fields(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error"
    return body["fields"]


def test_manager_creates_a_camera_with_an_id_from_the_name(manager_client, db):
    response = post(manager_client, {"name": "Gate A 01"})
    assert response.status_code == 201
    assert response.json()["id"] == "gate_a_01"
    assert Camera.objects.get(pk="gate_a_01").name == "Gate A 01"


def test_explicit_id_is_slugified(manager_client, db):
    assert post(manager_client, {"name": "x", "id": "Café-Cam #2"}).json()["id"] == "caf_cam_2"


@pytest.mark.parametrize("blank_id", ["", "   ", None])
def test_blank_id_falls_back_to_the_name(manager_client, db, blank_id):
    assert post(manager_client, {"name": "Lobby", "id": blank_id}).json()["id"] == "lobby"


def test_name_of_symbols_gives_id_camera(manager_client, db):
    assert post(manager_client, {"name": "!!!"}).json()["id"] == "camera"


def test_defaults_come_from_settings(manager_client, settings, db):
    settings.NVR_DEFAULT_SEGMENT_SECONDS = 30
    settings.NVR_DEFAULT_RETENTION_HOURS = 72
    settings.NVR_DEFAULT_CAMERA_QUOTA_GB = 2
    settings.NVR_DEFAULT_RECORD_AUDIO = True
    settings.NVR_DEFAULT_PRE_ROLL_SECONDS = 5
    settings.NVR_DEFAULT_POST_ROLL_SECONDS = 20
    body = post(manager_client, {"name": "Defaults"}).json()
    assert body["segment_seconds"] == 30 and body["retention_hours"] == 72
    assert body["storage_quota_bytes"] == 2 * 2**30
    assert body["record_audio"] is True
    assert body["pre_roll_seconds"] == 5 and body["post_roll_seconds"] == 20
    assert body["vendor"] == "generic" and body["record_mode"] == "continuous" and body["record_stream"] == "main"
    assert body["rtsp_port"] == 554 and body["rtsp_transport"] == "tcp"
    assert body["enabled"] is True and body["record_enabled"] is True and body["priority"] == 100
    assert body["capabilities"] == {}


def test_every_writable_field_is_stored(manager_client, db):
    body = {
        "name": "Full", "vendor": "dahua", "model": "IPC-1", "address": "10.1.2.3", "rtsp_port": 8554,
        "rtsp_transport": "udp", "username": "op", "password": "pw", "record_stream": "sub",
        "capabilities": {"ptz": True, "nested": {"a": [1, 2]}}, "record_enabled": False, "segment_seconds": 120,
        "retention_hours": 48, "storage_quota_bytes": 10**9, "record_audio": True, "record_mode": "scheduled_event",
        "pre_roll_seconds": 3, "post_roll_seconds": 60, "mirror_enabled": True, "anr_enabled": True,
        "native_anpr_enabled": False, "native_events_enabled": True, "enabled": False, "priority": 7, "live_warm": True,
    }
    response = post(manager_client, body)
    assert response.status_code == 201, response.content
    view = response.json()
    for key, value in body.items():
        if key != "password":
            assert view[key] == value, key
    camera = Camera.objects.get(pk="full")
    assert camera.password == "pw"
    assert view["record_url_masked"] == "rtsp://***@10.1.2.3:8554/cam/realmonitor?channel=1&subtype=1"


def test_priority_can_be_set_on_create(manager_client, db):
    assert post(manager_client, {"name": "P", "priority": 250}).json()["priority"] == 250


def test_server_maintained_fields_are_ignored(manager_client, db):
    body = post(manager_client, {"name": "Ign", "codec": "h265", "fps_main": 25, "has_password": True}).json()
    assert body["codec"] is None and body["fps_main"] is None and body["has_password"] is False


def test_duplicate_id_is_409(manager_client, camera):
    response = post(manager_client, {"name": "Cam 1", "id": "cam1"})
    assert response.status_code == 409
    assert response.json() == {"error": "camera id 'cam1' already exists", "code": "conflict"}


def test_missing_name_is_400(manager_client, db):
    response = post(manager_client, {"vendor": "hikvision"})
    assert error_fields(response) == {"name": ["'name' is required"]}
    assert response.json()["error"] == "name: 'name' is required"


@pytest.mark.parametrize("name", ["", "   ", None, 5, ["a"], "x" * 201])
def test_bad_names_are_400(manager_client, db, name):
    assert "name" in error_fields(post(manager_client, {"name": name}))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("record_stream", "third"),
        ("record_mode", "sometimes"),
        ("rtsp_transport", "quic"),
        ("rtsp_port", 0),
        ("rtsp_port", 65536),
        ("rtsp_port", "abc"),
        ("rtsp_port", 1.5),
        ("capabilities", []),
        ("capabilities", "ptz"),
        ("capabilities", None),
        ("capabilities", {"big": "x" * 70000}),
        ("enabled", "yes"),
        ("enabled", 1),
        ("enabled", None),
        ("record_audio", "true"),
        ("segment_seconds", "often"),
        ("segment_seconds", True),
        ("segment_seconds", 2.5),
        ("segment_seconds", None),
        ("vendor", None),
        ("vendor", "v" * 65),
        ("address", "has space"),
        ("address", "rtsp://10.0.0.1/x"),
        ("address", "user@10.0.0.1"),
        ("address", "x" * 256),
        ("password", "p" * 1025),
        ("password", "enc:v1:looks-sealed"),
        ("username", "u" * 201),
        ("model", 12),
    ],
)
def test_invalid_values_are_400_naming_the_field(manager_client, db, field, value):
    fields = error_fields(post(manager_client, {"name": "Bad", field: value}))
    assert field in fields
    assert not Camera.objects.exists()


@pytest.mark.parametrize("field", ["main_stream_url", "sub_stream_url", "anr_replay_url_template"])
@pytest.mark.parametrize(
    "url",
    ["ftp://10.0.0.1/x", "rtsp://10.0.0.1/a b", "10.0.0.1/x", "rtsp://", "rtsp://h:99999/x", "rtsp://h/x\ty", "u" * 2049],
)
def test_invalid_stream_urls_are_400(manager_client, db, field, url):
    assert field in error_fields(post(manager_client, {"name": "Bad", field: url}))


@pytest.mark.parametrize("field", ["main_stream_url", "sub_stream_url", "anr_replay_url_template"])
@pytest.mark.parametrize(
    "url",
    [
        "rtsp://169.254.169.254/latest/meta-data",
        "http://metadata.google.internal/computeMetadata/v1/",
        "rtsp://[fe80::1]:554/x",
        "rtsp://0.0.0.0/x",
        "rtsp://255.255.255.255/x",
        "rtsp://239.1.1.1:5004/x",
        "rtsp://u:p@[fd00:ec2::254]/x",
        "http://2852039166/",
    ],
)
def test_stream_urls_to_forbidden_targets_are_refused(manager_client, db, field, url):
    assert field in error_fields(post(manager_client, {"name": "Bad", field: url}))


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "metadata", "metadata.google.internal", "0.0.0.0", "224.0.0.251"])
def test_addresses_of_forbidden_targets_are_refused(manager_client, db, address):
    assert "address" in error_fields(post(manager_client, {"name": "Bad", "address": address}))


@pytest.mark.parametrize("address", ["127.0.0.1", "192.168.1.64", "cam.lan", "fd00::5", "10.0.0.1:8554"])
def test_lan_and_loopback_addresses_are_accepted(manager_client, db, address):
    assert post(manager_client, {"name": "Ok", "address": address}).status_code == 201


def test_stream_urls_are_trimmed_and_blank_ones_are_null(manager_client, db):
    response = post(
        manager_client,
        {"name": "Trim", "main_stream_url": "  rtsp://127.0.0.1:8554/live  ", "sub_stream_url": "  ", "anr_replay_url_template": ""},
    )
    assert response.status_code == 201
    camera = Camera.objects.get(pk="trim")
    assert camera.main_stream_url == "rtsp://127.0.0.1:8554/live"
    assert camera.sub_stream_url is None and camera.anr_replay_url_template is None


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        ("segment_seconds", 1, 2),
        ("segment_seconds", 10**30, 3600),
        ("retention_hours", 0, 1),
        ("retention_hours", 10**9, 43800),
        ("pre_roll_seconds", -5, 0),
        ("pre_roll_seconds", 301, 300),
        ("post_roll_seconds", -1, 0),
        ("post_roll_seconds", 99999, 3600),
        ("priority", 10**12, 1_000_000),
        ("priority", -(10**12), -1_000_000),
        ("storage_quota_bytes", 0, None),
        ("storage_quota_bytes", -5, None),
        ("storage_quota_bytes", 2**70, 2**62),
        ("storage_quota_bytes", None, None),
        ("storage_quota_bytes", 1, 1),
    ],
)
def test_numbers_are_clamped(manager_client, db, field, sent, stored):
    response = post(manager_client, {"name": "Clamp", field: sent})
    assert response.status_code == 201, response.content
    assert response.json()[field] == stored
    assert getattr(Camera.objects.get(pk="clamp"), field) == stored


@pytest.mark.parametrize("capabilities", [{"bad": "nul\x00char"}, {"nul\x00key": 1}, {"a": ["\x00"]}])
def test_nul_characters_in_capabilities_are_400(manager_client, db, capabilities):
    # Refused by the project's JSON parser or, failing that, by the capabilities check.
    assert post(manager_client, {"name": "Nul", "capabilities": capabilities}).status_code == 400
    assert not Camera.objects.exists()


def test_huge_float_is_400_not_500(manager_client, db):
    response = manager_client.post(URL, '{"name": "F", "segment_seconds": 1e400}', content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize("raw", ["[]", '"camera"', "42", "null", "{bad json", ""])
def test_non_object_or_malformed_bodies_are_400(manager_client, db, raw):
    response = manager_client.post(URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"error", "code"}


def test_lone_surrogate_in_name_is_400(manager_client, db):
    response = manager_client.post(URL, '{"name": "bad \\ud800"}', content_type="application/json")
    assert response.status_code == 400


def test_lone_surrogate_in_capabilities_is_400(manager_client, db):
    response = manager_client.post(URL, '{"name": "x", "capabilities": {"k": "\\udc00"}}', content_type="application/json")
    assert response.status_code == 400


def test_viewer_cannot_create(viewer_client, db):
    response = post(viewer_client, {"name": "Nope"})
    assert response.status_code == 403
    assert "registry:manage" in response.json()["error"]
    assert not Camera.objects.exists()


def test_unauthenticated_create_is_401(anon_client, db):
    assert post(anon_client, {"name": "Nope"}).status_code == 401


def test_scoped_key_can_create_only_ids_in_scope(scoped_client, camera):
    camera.delete()
    assert post(scoped_client, {"name": "Cam 1", "id": "cam1"}).status_code == 201
    response = post(scoped_client, {"name": "Elsewhere"})
    assert response.status_code == 403
    assert "elsewhere" in response.json()["error"]


def test_scoped_key_gets_403_not_409_for_an_existing_camera_outside_scope(scoped_client):
    response = post(scoped_client, {"name": "whatever", "id": "cam2"})
    assert response.status_code == 403


def test_scoped_key_gets_409_for_its_own_existing_camera(scoped_client):
    assert post(scoped_client, {"name": "again", "id": "cam1"}).status_code == 409


def test_create_writes_an_audit_row(manager_client, manager_user, db):
    post(manager_client, {"name": "Audited", "vendor": "hikvision", "password": PASSWORD})
    row = AuditLog.objects.get(action="create_camera")
    assert row.detail == {"name": "Audited", "vendor": "hikvision"}
    assert row.target_type == "camera" and row.target_id == "audited" and row.subject_camera_id == "audited"
    assert row.actor == manager_user.pk
    assert PASSWORD not in json.dumps(row.detail)


def test_create_response_never_contains_secrets(manager_client, db):
    response = post(
        manager_client,
        {
            "name": "Secretive", "vendor": "hikvision", "address": "192.168.1.70", "username": "admin",
            "password": PASSWORD, "main_stream_url": MAIN_URL, "sub_stream_url": SUB_URL, "anr_replay_url_template": ANR_TEMPLATE,
        },
    )
    assert response.status_code == 201
    assert_no_secrets(response.content)
    body = response.json()
    assert body["has_password"] is True and body["record_url_masked"] == "rtsp://***@192.168.1.70:554/live/main"


def test_secrets_are_encrypted_at_rest(manager_client, db):
    from django.db import connection

    post(manager_client, {"name": "Sealed", "password": PASSWORD, "main_stream_url": MAIN_URL})
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, main_stream_url FROM cameras_camera WHERE id = %s", ["sealed"])
        stored = cursor.fetchone()
    assert all(value.startswith("enc:v1:") for value in stored)
    assert PASSWORD not in "".join(stored) and "main-url-secret" not in "".join(stored)


def test_deeply_nested_capabilities_are_400(manager_client, db):
    nested: dict = {}
    for _ in range(40):
        nested = {"a": nested}
    assert "capabilities" in error_fields(post(manager_client, {"name": "Deep", "capabilities": nested}))


def test_moderately_nested_capabilities_are_accepted(manager_client, db):
    assert post(manager_client, {"name": "Ok", "capabilities": {"a": {"b": [{"c": [1, 2, {"d": None}]}]}}}).status_code == 201
