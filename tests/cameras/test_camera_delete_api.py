"""DELETE /api/v1/cameras/{id}: admin only, evidence locks, cascade, media folders, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.exceptions import PermissionDenied

from accounts.models import AuditLog
from accounts.principal import Principal
from cameras import services
from cameras.models import Camera, CameraOnvif, PtzPreset
from tests.conftest import make_camera

URL = "/api/v1/cameras"


def make_media(settings, camera_id: str):
    folders = [settings.NVR_RECORDINGS_DIR / camera_id, settings.NVR_SNAPSHOTS_DIR / camera_id / "2026"]
    for folder in folders:
        folder.mkdir(parents=True)
        (folder / "clip.mp4").write_bytes(b"x")
    return [settings.NVR_RECORDINGS_DIR / camera_id, settings.NVR_SNAPSHOTS_DIR / camera_id]


def make_segment(camera, **fields):
    try:
        from recording.models import Segment
    except ImportError:
        pytest.skip("recording.models.Segment does not exist yet")
    start = timezone.now() - timedelta(minutes=1)
    fields.setdefault("path", f"{camera.pk}/{start:%Y%m%d_%H%M%S}.mp4")
    return Segment.objects.create(camera=camera, start_time=start, end_time=start + timedelta(seconds=60), duration_s=60, **fields)


def test_admin_deletes_a_camera_and_its_media(admin_client, camera, other_camera, settings, django_capture_on_commit_callbacks):
    mine = make_media(settings, "cam1")
    theirs = make_media(settings, "cam2")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"{URL}/cam1")
    assert response.status_code == 204
    assert not Camera.objects.filter(pk="cam1").exists()
    assert not any(folder.exists() for folder in mine)
    assert all(folder.exists() for folder in theirs)
    assert settings.NVR_RECORDINGS_DIR.is_dir()


def test_delete_cascades_to_child_rows(admin_client, camera):
    CameraOnvif.objects.create(camera=camera, device_url="http://10.0.0.1/onvif/device_service")
    PtzPreset.objects.create(camera=camera, token="1", name="Home")
    assert admin_client.delete(f"{URL}/cam1").status_code == 204
    assert not CameraOnvif.objects.exists() and not PtzPreset.objects.exists()


def test_delete_also_removes_unlocked_segments(admin_client, camera):
    make_segment(camera)
    assert admin_client.delete(f"{URL}/cam1").status_code == 204
    assert not camera.__class__.objects.filter(pk="cam1").exists()


def test_evidence_locked_segment_blocks_delete(admin_client, camera, settings, django_capture_on_commit_callbacks):
    make_segment(camera, evidence_locked=True)
    folders = make_media(settings, "cam1")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.delete(f"{URL}/cam1")
    assert response.status_code == 409
    assert "evidence-locked" in response.json()["error"]
    assert Camera.objects.filter(pk="cam1").exists()
    assert all(folder.exists() for folder in folders)
    assert not AuditLog.objects.filter(action="delete_camera").exists()


def test_manager_cannot_delete(manager_client, camera):
    response = manager_client.delete(f"{URL}/cam1")
    assert response.status_code == 403
    assert "'admin'" in response.json()["error"]
    assert Camera.objects.filter(pk="cam1").exists()


def test_scoped_manager_key_cannot_delete(scoped_client):
    assert scoped_client.delete(f"{URL}/cam1").status_code == 403


def test_unauthenticated_delete_is_401(anon_client, camera):
    assert anon_client.delete(f"{URL}/cam1").status_code == 401


def test_missing_camera_is_404(admin_client, db):
    response = admin_client.delete(f"{URL}/ghost")
    assert response.status_code == 404
    assert response.json()["error"] == "camera ghost not found"


def test_delete_service_refuses_a_camera_outside_the_callers_scope(camera):
    scoped_admin = Principal(kind="api_key", id="key_x", name="k", role="admin", capabilities=frozenset({"admin"}), camera_scope=frozenset({"cam9"}))
    with pytest.raises(PermissionDenied):
        services.delete_camera(scoped_admin, camera)
    assert Camera.objects.filter(pk="cam1").exists()


def test_delete_writes_an_audit_row(admin_client, admin_user, camera):
    admin_client.delete(f"{URL}/cam1")
    row = AuditLog.objects.get(action="delete_camera")
    assert row.target_id == "cam1" and row.subject_camera_id == "cam1" and row.actor == admin_user.pk


def test_symlinked_camera_folder_is_not_followed(admin_client, settings, tmp_path, django_capture_on_commit_callbacks, db):
    make_camera("linked")
    outside = tmp_path / "precious"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    settings.NVR_RECORDINGS_DIR.mkdir(parents=True)
    (settings.NVR_RECORDINGS_DIR / "linked").symlink_to(outside, target_is_directory=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert admin_client.delete(f"{URL}/linked").status_code == 204
    assert (outside / "keep.txt").read_text() == "keep"


def test_media_of_an_id_that_is_not_a_slug_is_left_alone(settings, tmp_path, db):
    make_camera("Odd.Id")  # only possible outside the API; such an id is never used as a path
    folder = settings.NVR_RECORDINGS_DIR / "Odd.Id"
    folder.mkdir(parents=True)
    assert services.camera_media_dirs("Odd.Id") == []
    assert services.camera_media_dirs("..") == []
    services.remove_camera_media("Odd.Id")
    assert folder.exists()


def test_media_removal_without_folders_is_quiet(settings, db):
    services.remove_camera_media("never_recorded")
