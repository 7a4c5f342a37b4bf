"""PATCH /api/v1/cameras/{id}: absent keeps, null clears, clamps, roles, scope, audit, secrets."""

from __future__ import annotations

import json

import pytest

from accounts.models import AuditLog
from cameras.models import Camera
from tests.cameras.conftest import MAIN_URL, PASSWORD, assert_no_secrets

URL = "/api/v1/cameras"


def patch(client, camera_id, body):
    return client.patch(f"{URL}/{camera_id}", body, format="json")


def test_rename_keeps_the_id(manager_client, camera):
    response = patch(manager_client, "cam1", {"name": "Front Door"})
    assert response.status_code == 200
    assert response.json()["id"] == "cam1" and response.json()["name"] == "Front Door"
    assert Camera.objects.get(pk="cam1").name == "Front Door"


def test_id_in_the_body_is_ignored(manager_client, camera):
    assert patch(manager_client, "cam1", {"id": "renamed", "name": "X"}).json()["id"] == "cam1"
    assert not Camera.objects.filter(pk="renamed").exists()


def test_absent_fields_are_kept(manager_client, secret_camera):
    patch(manager_client, "vault", {"priority": 5})
    camera = Camera.objects.get(pk="vault")
    assert camera.password == PASSWORD and camera.main_stream_url == MAIN_URL
    assert camera.address == "192.168.1.70" and camera.username == "admin" and camera.priority == 5


@pytest.mark.parametrize(
    "field",
    ["password", "main_stream_url", "sub_stream_url", "anr_replay_url_template", "address", "username", "model", "storage_quota_bytes"],
)
def test_null_clears_a_nullable_field(manager_client, secret_camera, field):
    Camera.objects.filter(pk="vault").update(model="IPC", storage_quota_bytes=10**9)
    response = patch(manager_client, "vault", {field: None})
    assert response.status_code == 200, response.content
    assert getattr(Camera.objects.get(pk="vault"), field) is None


def test_cleared_secrets_show_in_the_view_flags(manager_client, secret_camera):
    body = patch(manager_client, "vault", {"password": None, "main_stream_url": None, "sub_stream_url": None}).json()
    assert body["has_password"] is False and body["has_main_stream_url"] is False and body["has_sub_stream_url"] is False
    assert body["record_url_masked"] == "rtsp://***@192.168.1.70:554/Streaming/Channels/101"  # built from username


@pytest.mark.parametrize("field", ["name", "enabled", "segment_seconds", "record_mode", "capabilities", "vendor", "rtsp_port"])
def test_null_for_a_required_field_is_400(manager_client, camera, field):
    response = patch(manager_client, "cam1", {field: None})
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_blank_name_is_400(manager_client, camera):
    assert patch(manager_client, "cam1", {"name": "  "}).status_code == 400


def test_capabilities_are_replaced_whole(manager_client, camera):
    patch(manager_client, "cam1", {"capabilities": {"ptz": True, "audio": True}})
    body = patch(manager_client, "cam1", {"capabilities": {"ir": 1}}).json()
    assert body["capabilities"] == {"ir": 1}


def test_new_password_replaces_the_old_one(manager_client, secret_camera):
    patch(manager_client, "vault", {"password": "another one"})
    assert Camera.objects.get(pk="vault").password == "another one"


@pytest.mark.parametrize(
    ("field", "sent", "stored"),
    [
        ("retention_hours", 10**9, 43800),
        ("retention_hours", -3, 1),
        ("segment_seconds", 0, 2),
        ("pre_roll_seconds", 1000, 300),
        ("post_roll_seconds", 10**6, 3600),
        ("priority", 2**80, 1_000_000),
        ("storage_quota_bytes", -1, None),
        ("storage_quota_bytes", 2**63, 2**62),
    ],
)
def test_update_clamps_numbers(manager_client, camera, field, sent, stored):
    assert patch(manager_client, "cam1", {field: sent}).json()[field] == stored


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("record_stream", "both"),
        ("record_mode", "never"),
        ("rtsp_port", 70000),
        ("main_stream_url", "gopher://h/x"),
        ("sub_stream_url", "rtsp://169.254.169.254/x"),
        ("anr_replay_url_template", "rtsp://metadata/replay?start={start}"),
        ("address", "fe80::2"),
        ("address", "a b"),
        ("enabled", "false"),
        ("capabilities", [1]),
    ],
)
def test_update_validates_like_create(manager_client, camera, field, value):
    response = patch(manager_client, "cam1", {field: value})
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_viewer_cannot_update(viewer_client, camera):
    response = patch(viewer_client, "cam1", {"name": "x"})
    assert response.status_code == 403
    assert Camera.objects.get(pk="cam1").name == "Cam 1"


def test_unauthenticated_update_is_401(anon_client, camera):
    assert patch(anon_client, "cam1", {"name": "x"}).status_code == 401


def test_missing_camera_is_404(manager_client, db):
    response = patch(manager_client, "ghost", {"name": "x"})
    assert response.status_code == 404
    assert response.json()["error"] == "camera ghost not found"


def test_scoped_key_updates_its_camera(scoped_client):
    assert patch(scoped_client, "cam1", {"name": "Mine"}).status_code == 200


def test_scoped_key_gets_403_for_other_and_missing_cameras(scoped_client):
    assert patch(scoped_client, "cam2", {"name": "x"}).status_code == 403
    assert patch(scoped_client, "ghost", {"name": "x"}).status_code == 403
    assert Camera.objects.get(pk="cam2").name == "Cam 2"


def test_scope_is_checked_before_the_body(scoped_client):
    assert patch(scoped_client, "cam2", {"name": None}).status_code == 403


def test_put_is_not_allowed(manager_client, camera):
    assert manager_client.put(f"{URL}/cam1", {"name": "x"}, format="json").status_code == 405


def test_update_audit_names_changed_fields_only(manager_client, secret_camera):
    patch(manager_client, "vault", {"name": "Vault 2", "password": "new-secret-value", "main_stream_url": None, "priority": 100})
    row = AuditLog.objects.get(action="update_camera")
    assert row.detail == {"changed": ["main_stream_url", "name", "password"]}
    assert row.subject_camera_id == "vault"
    text = json.dumps(row.detail)
    assert "new-secret-value" not in text and PASSWORD not in text


def test_patch_response_never_contains_secrets(manager_client, secret_camera):
    response = patch(manager_client, "vault", {"password": "fresh-secret-123", "sub_stream_url": "rtsp://u:fresh-url-secret@10.0.0.9/s"})
    assert response.status_code == 200
    assert_no_secrets(response.content, "fresh-secret-123", "fresh-url-secret")
