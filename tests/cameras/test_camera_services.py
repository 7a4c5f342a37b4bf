"""Camera services: ids, ingest-change detection, audit rows (without HTTP)."""

from __future__ import annotations

import pytest
from rest_framework.exceptions import PermissionDenied

from accounts.models import AuditLog
from accounts.principal import SYSTEM, Principal
from cameras import services
from cameras.models import Camera
from nvr.api.exceptions import Conflict

SCOPED = Principal(kind="api_key", id="key_s", name="s", role="manager", capabilities=frozenset({"registry:manage"}), camera_scope=frozenset({"cam1"}))


def test_create_derives_the_id_from_the_name(db):
    camera = services.create_camera(SYSTEM, {"name": "Gate A 01"})
    assert camera.pk == "gate_a_01"
    assert AuditLog.objects.get(action="create_camera").actor == "system"


def test_create_refuses_a_taken_id(camera):
    with pytest.raises(Conflict, match="camera id 'cam1' already exists"):
        services.create_camera(SYSTEM, {"name": "Cam 1", "id": "cam1"})


def test_scope_is_checked_before_existence_on_create(camera, other_camera):
    with pytest.raises(PermissionDenied):
        services.create_camera(SCOPED, {"name": "x", "id": "cam2"})


def test_unknown_fields_are_a_programming_error(camera):
    with pytest.raises(ValueError):
        services.update_camera(SYSTEM, camera, {"id": "other"})
    with pytest.raises(ValueError):
        services.create_camera(SYSTEM, {"name": "x", "created_at": None})


@pytest.mark.parametrize(
    ("changes", "ingest"),
    [
        ({"name": "Renamed"}, False),
        ({"priority": 3, "live_warm": True, "retention_hours": 5}, False),
        ({"main_stream_url": "rtsp://10.0.0.1/x"}, True),
        ({"password": "pw"}, True),
        ({"username": "op"}, True),
        ({"record_stream": "sub"}, True),
        ({"record_audio": True}, True),
        ({"segment_seconds": 30}, True),
        ({"record_mode": "event"}, True),
        ({"rtsp_transport": "udp"}, True),
        ({"enabled": False}, True),
        ({"record_enabled": False}, True),
        ({"address": "10.0.0.9"}, True),
        ({"segment_seconds": 60}, False),  # same as before: nothing changed
    ],
)
def test_update_reports_ingest_relevant_changes(camera, changes, ingest):
    _, changed = services.update_camera(SYSTEM, camera, changes)
    assert changed is ingest


def test_update_saves_only_changed_fields_and_audits_names(camera):
    services.update_camera(SYSTEM, camera, {"name": "New", "enabled": True, "password": "pw"})
    camera.refresh_from_db()
    assert camera.name == "New" and camera.password == "pw"
    assert AuditLog.objects.get(action="update_camera").detail == {"changed": ["name", "password"]}


def test_update_outside_scope_is_refused(other_camera):
    with pytest.raises(PermissionDenied):
        services.update_camera(SCOPED, other_camera, {"name": "x"})
    assert Camera.objects.get(pk="cam2").name == "Cam 2"


def test_ingest_fields_are_model_fields():
    names = {f.name for f in Camera._meta.concrete_fields}
    assert set(services.INGEST_FIELDS) <= names
    assert services.WRITABLE_FIELDS <= names
