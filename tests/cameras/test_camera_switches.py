"""Camera switches say what they do: refused when unbuilt, `mirror_active` when mirroring is real, honest docs."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command

from cameras.models import Camera
from tests.conftest import make_camera

URL = "/api/v1/cameras"


@pytest.mark.parametrize("method", ["create", "patch"])
def test_native_anpr_cannot_be_switched_on(manager_client, camera, method):
    if method == "create":
        response = manager_client.post(URL, {"name": "Plates", "native_anpr_enabled": True}, format="json")
    else:
        response = manager_client.patch(f"{URL}/cam1", {"native_anpr_enabled": True}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    assert "no vendor ANPR integration exists yet" in body["error"]
    assert list(body["fields"]) == ["native_anpr_enabled"]
    assert "no vendor ANPR integration exists yet" in body["fields"]["native_anpr_enabled"][0]
    assert not Camera.objects.filter(native_anpr_enabled=True).exists()
    assert not Camera.objects.filter(name="Plates").exists()


def test_native_anpr_false_is_accepted(manager_client, camera):
    created = manager_client.post(URL, {"name": "Plates", "native_anpr_enabled": False}, format="json")
    assert created.status_code == 201 and created.json()["native_anpr_enabled"] is False
    patched = manager_client.patch(f"{URL}/cam1", {"native_anpr_enabled": False}, format="json")
    assert patched.status_code == 200 and patched.json()["native_anpr_enabled"] is False


@pytest.mark.parametrize(
    "mirror_enabled,mirror_dir,active",
    [(True, "mirror", True), (True, None, False), (False, "mirror", False), (False, None, False)],
)
def test_mirror_active_says_whether_a_second_copy_is_written(viewer_client, settings, tmp_path, db, mirror_enabled, mirror_dir, active):
    settings.NVR_MIRROR_RECORDINGS_DIR = tmp_path / mirror_dir if mirror_dir else None
    make_camera("cam1", mirror_enabled=mirror_enabled)
    one = viewer_client.get(f"{URL}/cam1").json()
    assert (one["mirror_enabled"], one["mirror_active"]) == (mirror_enabled, active)
    assert viewer_client.get(URL).json()["results"][0]["mirror_active"] is active


def test_mirror_active_is_read_only(manager_client, settings, camera):
    settings.NVR_MIRROR_RECORDINGS_DIR = None
    response = manager_client.patch(f"{URL}/cam1", {"mirror_active": True, "mirror_enabled": True}, format="json")
    assert response.status_code == 200
    assert (response.json()["mirror_enabled"], response.json()["mirror_active"]) == (True, False)


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())["components"]["schemas"]


@pytest.mark.parametrize("component", ["Camera", "CameraCreateRequest", "PatchedCameraUpdateRequest"])
def test_schema_describes_each_switch_honestly(schema, component):
    fields = schema[component]["properties"]
    assert "NVR_MIRROR_RECORDINGS_DIR is unset" in fields["mirror_enabled"]["description"]
    assert "live view starts instantly, even outside the recording schedule" in fields["live_warm"]["description"]
    assert "PullPoint" in fields["native_events_enabled"]["description"]
    assert "camera_motion" in fields["native_events_enabled"]["description"]
    assert "currently has no effect" in fields["anr_enabled"]["description"]
    assert "No vendor ANPR integration exists yet" in fields["native_anpr_enabled"]["description"]


def test_schema_documents_mirror_active_as_read_only(schema):
    field = schema["Camera"]["properties"]["mirror_active"]
    assert field["type"] == "boolean" and field["readOnly"] is True
    assert "NVR_MIRROR_RECORDINGS_DIR" in field["description"]
    assert "mirror_active" not in schema["CameraCreateRequest"]["properties"]
