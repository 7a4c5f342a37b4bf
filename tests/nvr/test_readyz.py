"""/readyz: database, recorder heartbeats, task-cluster liveness (from schedules), optional recording share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import Schedule

from recording.models import CameraStatus, RecorderProcess
from tests.conftest import make_camera


def ready(client):
    response = client.get("/readyz")
    return response.status_code, response.json()


def beating_recorder(age_s: float = 1) -> RecorderProcess:
    return RecorderProcess.objects.create(id="rec-1", hostname="box", pid=1, heartbeat_at=timezone.now() - timedelta(seconds=age_s))


def schedule(next_run_offset: timedelta, **fields) -> Schedule:
    return Schedule.objects.create(name=fields.pop("name", "nvr:test"), func="recording.tasks.expire_gaps",
                                   schedule_type=Schedule.MINUTES, minutes=5, next_run=timezone.now() + next_run_offset, **fields)


def test_an_empty_system_is_ready_without_credentials(anon_client, db):
    assert ready(anon_client) == (200, {"ready": True, "checks": {
        "database": "ok", "recorders": "not_required", "shared_storage": "ok", "task_cluster": "no_schedules"}})


def test_cameras_to_record_need_a_fresh_recorder_heartbeat(anon_client, camera, settings):
    settings.NVR_RECORDER_LEASE_SECONDS = 30
    code, body = ready(anon_client)
    assert code == 503 and body["ready"] is False and body["reason"] == "no_recorder_heartbeat"
    beating_recorder(age_s=59)
    assert ready(anon_client)[1]["checks"]["recorders"] == "ok"


def test_a_stale_or_stopped_recorder_does_not_count(anon_client, camera, settings):
    settings.NVR_RECORDER_LEASE_SECONDS = 30
    beating_recorder(age_s=61)
    assert ready(anon_client)[1]["reason"] == "no_recorder_heartbeat"
    RecorderProcess.objects.update(heartbeat_at=timezone.now(), stopped_at=timezone.now())
    assert ready(anon_client)[1]["reason"] == "no_recorder_heartbeat"


def test_no_recorder_is_needed_when_recording_is_off(anon_client, db, settings):
    make_camera("cam1", record_enabled=False)
    make_camera("cam2", enabled=False)
    assert ready(anon_client)[0] == 200
    make_camera("cam3")
    settings.NVR_RECORDER_ENABLED = False
    assert ready(anon_client) == (200, {"ready": True, "checks": {
        "database": "ok", "recorders": "not_required", "shared_storage": "ok", "task_cluster": "no_schedules"}})


def test_an_overdue_schedule_means_no_task_cluster(anon_client, db):
    schedule(timedelta(minutes=-3))
    code, body = ready(anon_client)
    assert code == 503 and body["reason"] == "task_cluster_down" and body["overdue_schedules"] == 1


@pytest.mark.parametrize("fields", [{"next_run_offset": timedelta(seconds=-60)}, {"next_run_offset": timedelta(minutes=4)},
                                    {"next_run_offset": timedelta(hours=-1), "repeats": 0},
                                    {"next_run_offset": timedelta(hours=-1), "cluster": "elsewhere"}])
def test_schedules_on_time_or_not_ours_keep_the_cluster_ready(anon_client, db, fields):
    schedule(fields.pop("next_run_offset"), **fields)
    code, body = ready(anon_client)
    assert code == 200
    assert body["checks"]["task_cluster"] == ("ok" if not fields else "no_schedules")


def test_minimum_recording_share_counts_cameras_meant_to_record_now(anon_client, db, settings):
    settings.NVR_READYZ_MIN_RECORDING_PERCENT = 60
    beating_recorder()
    for camera_id, state in [("a", "recording"), ("b", "offline"), ("c", "idle_schedule")]:
        CameraStatus.objects.create(camera=make_camera(camera_id), state=state)
    code, body = ready(anon_client)
    assert code == 503
    assert body["reason"] == "insufficient_recorders" and body["recording_pct"] == 50.0 and body["required_pct"] == 60
    settings.NVR_READYZ_MIN_RECORDING_PERCENT = 50
    code, body = ready(anon_client)
    assert code == 200 and body["checks"]["recording_percent"] == 50.0


def test_healthz_is_unchanged(anon_client):
    assert anon_client.get("/healthz").json() == {"status": "ok"}
