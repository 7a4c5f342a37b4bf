"""GET /api/v1/system (overview, forecast, scoping) and GET/PUT /api/v1/system/retention (cap and floor)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from accounts.models import AuditLog
from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from recording.models import CameraStatus, RecorderProcess, StorageSettings
from tests.conftest import client_for_key
from tests.recording.conftest import T0, make_segment

MIB, GIB = 2**20, 2**30


@pytest.fixture
def scoped_reader(admin_user, camera, other_camera):
    grant = Grant("viewer", ["system:read", "camera:read"], "cameras", ["cam1"])
    _, raw = create_api_key(for_user(admin_user), name="scoped reader", grant=grant)
    return client_for_key(raw)


@pytest.fixture
def footage(camera, other_camera):
    """cam1: 2 MiB over the last 2 h (1 MiB locked); cam2: 1 MiB; one fresh recorder; cam1 recording."""
    make_segment(camera, T0 - timedelta(hours=2), size_bytes=MIB, evidence_locked=True)
    make_segment(camera, T0 - timedelta(hours=1), size_bytes=MIB)
    make_segment(other_camera, T0 - timedelta(minutes=30), size_bytes=MIB)
    CameraStatus.objects.create(camera=camera, state="recording")
    RecorderProcess.objects.create(id="rec-a", hostname="box-a", pid=7, version="0.3.0", heartbeat_at=T0 - timedelta(seconds=5),
                                   started_at=T0 - timedelta(hours=3), cameras_claimed=2, cameras_recording=1)
    RecorderProcess.objects.create(id="rec-old", hostname="box-b", pid=8, heartbeat_at=T0 - timedelta(hours=1))
    StorageSettings.objects.create(id=1, max_recordings_bytes=10 * MIB, min_free_disk_bytes=0)


def get_system(client):
    with time_machine.travel(T0, tick=False):
        return client.get("/api/v1/system")


def test_system_overview_for_an_admin(admin_client, footage, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = get_system(admin_client)
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "NVR" and body["version"] and body["uptime_seconds"] >= 0 and body["recorder_enabled"] is True
    assert (body["cameras_total"], body["cameras_recording"], body["segments_total"]) == (2, 1, 3)
    assert body["recordings_bytes"] == 3 * MIB and body["max_recordings_gb"] == round(10 * MIB / GIB, 3)
    assert body["active_recorders"] == 1
    assert body["recorders"] == [{"id": "rec-a", "hostname": "box-a", "version": "0.3.0", "started_at": "2026-06-15T09:00:00Z",
                                  "heartbeat_at": "2026-06-15T11:59:55Z", "cameras_claimed": 2, "cameras_recording": 1}]
    storage = body["storage"]
    assert storage["disk_total_bytes"] > 0 and storage["disk_free_bytes"] > 0
    assert storage["footprint_bytes"] == 3 * MIB and storage["segment_count"] == 3
    assert storage["oldest_segment_start"] == "2026-06-15T10:00:00Z" and storage["newest_segment_end"] == "2026-06-15T11:31:00Z"


def test_the_forecast_divides_the_rotating_capacity_by_the_daily_write_rate(admin_client, footage):
    storage = get_system(admin_client).json()["storage"]
    # 3 MiB written in the 2 h since recording began → 36 MiB/day; capacity is the 10 MiB cap (the disk is
    # far larger), 1 MiB of it locked: 9 MiB ÷ 36 MiB/day = 0.25 days.
    assert storage["write_rate_bytes_per_day_24h"] == 36 * MIB
    assert storage["retention_capacity_bytes"] == 10 * MIB
    assert storage["projected_days_remaining"] == 0.25


def test_the_forecast_is_null_without_recent_footage(admin_client, camera):
    make_segment(camera, T0 - timedelta(days=3), size_bytes=MIB)
    storage = get_system(admin_client).json()["storage"]
    assert storage["write_rate_bytes_per_day_24h"] is None and storage["projected_days_remaining"] is None


def test_an_empty_system_reports_zeros_and_nulls(viewer_client, db):
    body = get_system(viewer_client).json()
    assert (body["cameras_total"], body["segments_total"], body["recordings_bytes"], body["active_recorders"]) == (0, 0, 0, 0)
    assert body["storage"]["oldest_segment_start"] is None and body["storage"]["projected_days_remaining"] is None


def test_scoped_keys_see_counts_of_their_cameras_only(scoped_reader, footage):
    body = get_system(scoped_reader).json()
    assert (body["cameras_total"], body["cameras_recording"], body["segments_total"]) == (1, 1, 2)
    assert body["recordings_bytes"] == 2 * MIB and body["storage"]["footprint_bytes"] == 2 * MIB
    assert body["active_recorders"] == 1 and body["recorders"] is None
    assert body["storage"]["projected_days_remaining"] == 0.25  # the box's forecast, not the key's


def test_system_needs_a_credential_with_system_read(anon_client, scoped_client, db):
    assert anon_client.get("/api/v1/system").status_code == 401
    response = scoped_client.get("/api/v1/system")
    assert response.status_code == 403 and "system:read" in response.json()["error"]


# --- retention limits ----------------------------------------------------------------------------------

def test_limits_default_to_the_settings(viewer_client, db, settings):
    settings.NVR_MAX_RECORDINGS_GB = 20
    settings.NVR_MIN_FREE_DISK_GB = 5
    assert viewer_client.get("/api/v1/system/retention").json() == {
        "max_recordings_gb": 20.0, "max_recordings_bytes": 20 * GIB, "max_overridden": False,
        "min_free_disk_gb": 5.0, "min_free_disk_bytes": 5 * GIB, "min_free_overridden": False,
    }


def test_an_admin_overrides_and_clears_the_limits_with_an_audit_row(admin_client, db, settings):
    settings.NVR_MIN_FREE_DISK_GB = 5
    response = admin_client.put("/api/v1/system/retention", {"max_recordings_gb": 1.5, "min_free_disk_gb": 0}, format="json")
    assert response.status_code == 200
    assert response.json() == {"max_recordings_gb": 1.5, "max_recordings_bytes": int(1.5 * GIB), "max_overridden": True,
                               "min_free_disk_gb": 0.0, "min_free_disk_bytes": 0, "min_free_overridden": True}
    row = AuditLog.objects.get(action="update_storage_limits")
    assert row.detail == {"changed": {"max_recordings_bytes": int(1.5 * GIB), "min_free_disk_bytes": 0}}
    cleared = admin_client.put("/api/v1/system/retention", {"min_free_disk_gb": None}, format="json").json()
    assert cleared["min_free_disk_bytes"] == 5 * GIB and cleared["min_free_overridden"] is False
    assert cleared["max_recordings_bytes"] == int(1.5 * GIB)
    assert StorageSettings.objects.get().min_free_disk_bytes is None


@pytest.mark.parametrize(("body", "field"), [
    ({"max_recordings_gb": 0}, "max_recordings_gb"),
    ({"max_recordings_gb": -2}, "max_recordings_gb"),
    ({"max_recordings_gb": 1e-12}, "max_recordings_gb"),
    ({"max_recordings_gb": "5"}, "max_recordings_gb"),
    ({"max_recordings_gb": True}, "max_recordings_gb"),
    ({"max_recordings_gb": 1e300}, "max_recordings_gb"),
    ({"min_free_disk_gb": -0.5}, "min_free_disk_gb"),
    ({}, "non_field_errors"),
])
def test_out_of_range_limits_are_a_400(admin_client, db, body, field):
    response = admin_client.put("/api/v1/system/retention", body, format="json")
    assert response.status_code == 400 and field in response.json()["fields"]
    assert not StorageSettings.objects.exists()


def test_only_fleet_wide_admins_change_the_limits(manager_client, scoped_reader, db):
    response = manager_client.put("/api/v1/system/retention", {"max_recordings_gb": 3}, format="json")
    assert response.status_code == 403 and "change retention limits" in response.json()["error"]
    response = scoped_reader.put("/api/v1/system/retention", {"max_recordings_gb": 3}, format="json")
    assert response.status_code == 403 and "camera-scoped" in response.json()["error"]
    assert scoped_reader.get("/api/v1/system/retention").status_code == 200
