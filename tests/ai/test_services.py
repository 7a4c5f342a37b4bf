"""AI services called by other apps: the event-log writer and task/zone lifecycle without HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from django.db import IntegrityError

from accounts.models import AuditLog
from accounts.principal import SYSTEM
from ai import services
from ai.models import AiTask, AiTaskLease, Event, Zone, ZoneOccupancy, ZoneTrackState
from tests.ai.conftest import SQUARE, make_task, make_zone

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 13, 12, 0, tzinfo=timezone.utc)


def test_log_event_writes_one_row_with_server_time(camera):
    event = services.log_event(camera, "camera_offline", "warning", {"ran_seconds": 4}, now=NOW)
    stored = Event.objects.get()
    assert stored.pk == event.pk and event.pk.startswith("evt_")
    assert (stored.camera_id, stored.event_type, stored.severity) == ("cam1", "camera_offline", "warning")
    assert stored.timestamp == stored.created_at == NOW and stored.payload == {"ran_seconds": 4}


def test_log_event_masks_credentials_everywhere_in_the_payload(db):
    payload = {
        "detail": "ffmpeg: rtsp://admin:s3cret@10.0.0.5/stream failed",
        "nested": {"urls": ["rtsp://u:p@cam/x", 5]},
        "nul": "a\x00b",
    }
    event = services.log_event("cam9", "recorder_error", "warning", payload)
    assert event.payload == {
        "detail": "ffmpeg: rtsp://***@10.0.0.5/stream failed",
        "nested": {"urls": ["rtsp://***@cam/x", 5]},
        "nul": "ab",
    }
    assert "s3cret" not in str(Event.objects.get().payload)


def test_log_event_accepts_box_level_events_and_defaults(db):
    event = services.log_event(None, "retention_delete")
    assert (event.camera_id, event.severity, event.payload) == (None, "info", {})


@pytest.mark.parametrize(
    "args",
    [("", "info", {}), ("x" * 65, "info", {}), ("ok", "fatal", {}), ("ok", "info", ["not", "a", "dict"])],
)
def test_log_event_refuses_bad_arguments(db, args):
    with pytest.raises(ValueError):
        services.log_event("cam1", *args)
    assert not Event.objects.exists()


def test_create_ai_task_returns_created_flag_and_audits_as_system(camera):
    task, created = services.create_ai_task(SYSTEM, camera, {"task_type": "detection"}, now=NOW)
    again, created_again = services.create_ai_task(SYSTEM, camera, {"task_type": "detection", "fps": 1})
    assert (created, created_again) == (True, False) and again.pk == task.pk and again.fps == task.fps
    assert task.created_at == NOW
    assert AuditLog.objects.get().actor == "system"


def test_update_without_changes_still_audits_an_empty_field_list(camera):
    task = make_task(camera)
    services.update_ai_task(None, task, {"enabled": True})
    assert AuditLog.objects.get(action="update_ai_task").detail == {"camera_id": "cam1", "fields": []}


def test_create_zone_keeps_the_existing_same_name_zone(camera):
    zone, created = services.create_zone(None, camera, {"name": "door", "polygon": SQUARE})
    other, created_again = services.create_zone(None, camera, {"name": "door", "polygon": SQUARE, "kind": "presence"})
    assert (created, created_again, other.pk, other.kind) == (True, False, zone.pk, "region")


def test_task_config_and_bounds_are_enforced_by_the_database(camera):
    with pytest.raises(IntegrityError):
        AiTask.objects.create(camera=camera, task_type="x", fps=99)


def test_lease_goes_with_its_task(camera):
    task = make_task(camera)
    AiTaskLease.objects.create(task=task, camera=camera, task_type="detection", worker_id="w1", expires_at=NOW + timedelta(seconds=60))
    lease = AiTaskLease.objects.get()
    assert lease.lease_id.startswith("lse_") and lease.is_active(NOW) and not lease.is_active(NOW + timedelta(minutes=2))
    services.delete_ai_task(None, task)
    assert not AiTaskLease.objects.exists()


def test_zone_state_is_unique_per_zone_and_track(camera):
    zone = make_zone(camera)
    ZoneTrackState.objects.create(camera=camera, zone=zone, track_id="t1", origin_x=0.5, origin_y=0.5)
    ZoneOccupancy.objects.create(zone=zone, camera=camera, count=1)
    with pytest.raises(IntegrityError):
        ZoneTrackState.objects.create(camera=camera, zone=zone, track_id="t1", origin_x=0.1, origin_y=0.1)


def test_deleting_a_zone_clears_its_state_and_occupancy(camera):
    zone = make_zone(camera)
    ZoneTrackState.objects.create(camera=camera, zone=zone, track_id="t1", origin_x=0.5, origin_y=0.5)
    ZoneOccupancy.objects.create(zone=zone, camera=camera, count=1)
    services.delete_zone(None, zone)
    assert not (Zone.objects.exists() or ZoneTrackState.objects.exists() or ZoneOccupancy.objects.exists())
