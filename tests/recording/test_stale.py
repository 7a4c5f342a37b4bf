"""Health monitor: stale `recording` cameras turn `error`; a recorder that stopped beating is reported once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from ai.models import Event
from recording import health, leases
from recording.models import CameraStatus, RecorderProcess
from tests.recording.conftest import T0

NOW = T0


def status(camera, **fields) -> CameraStatus:
    fields.setdefault("state", "recording")
    return CameraStatus.objects.create(camera=camera, **fields)


@pytest.mark.parametrize(("segment_seconds", "threshold"), [(60, 180), (5, 30), (10, 30), (11, 33), (None, 30)])
def test_stale_threshold_is_three_segments_but_at_least_30_s(segment_seconds, threshold):
    assert health.stale_threshold_seconds(segment_seconds) == threshold


def test_a_recording_camera_without_segments_turns_error_once(camera):
    status(camera, last_segment_at=NOW - timedelta(seconds=200), last_started_at=NOW - timedelta(hours=1))
    assert health.mark_stale_cameras(NOW) == ["cam1"]
    row = CameraStatus.objects.get()
    assert row.state == "error" and row.last_error == "no new recording for over 180 s although the camera is connected"
    [event] = Event.objects.filter(event_type="recorder_error")
    assert event.camera_id == "cam1" and event.severity == "warning"
    assert event.payload == {"reason": "stale", "threshold_seconds": 180, "last_segment_age_s": 200}
    assert health.mark_stale_cameras(NOW) == []
    assert Event.objects.filter(event_type="recorder_error").count() == 1


def test_a_recent_segment_or_restart_keeps_the_camera_recording(camera, other_camera):
    status(camera, last_segment_at=NOW - timedelta(seconds=100))
    status(other_camera, last_segment_at=None, last_started_at=NOW - timedelta(seconds=20))
    assert health.mark_stale_cameras(NOW) == []
    assert set(CameraStatus.objects.values_list("state", flat=True)) == {"recording"}


def test_a_camera_that_never_produced_a_segment_is_stale_too(camera):
    camera.segment_seconds = 5
    camera.save()
    status(camera, last_started_at=NOW - timedelta(seconds=31))
    assert health.mark_stale_cameras(NOW) == ["cam1"]
    event = Event.objects.get(event_type="recorder_error")
    assert event.payload == {"reason": "stale", "threshold_seconds": 30, "last_segment_age_s": None}


@pytest.mark.parametrize("state", ["offline", "connecting", "idle_schedule", "idle_event", "disabled", "unknown"])
def test_only_recording_cameras_are_checked(camera, state):
    status(camera, state=state, last_segment_at=NOW - timedelta(days=1))
    assert health.mark_stale_cameras(NOW) == []
    assert CameraStatus.objects.get().state == state


# --- recorder heartbeats ---------------------------------------------------------------------------

def recorder(recorder_id: str, heartbeat_age_s: float, **fields) -> RecorderProcess:
    return RecorderProcess.objects.create(
        id=recorder_id, hostname="box", pid=1, heartbeat_at=NOW - timedelta(seconds=heartbeat_age_s), **fields
    )


def test_a_recorder_that_stopped_beating_is_reported_once(db, settings):
    settings.NVR_RECORDER_LEASE_SECONDS = 30
    recorder("lost", 61)
    recorder("alive", 59)
    recorder("stopped", 600, stopped_at=NOW - timedelta(seconds=600))
    assert health.report_lost_recorders(NOW) == ["lost"]
    [event] = Event.objects.filter(event_type="recorder_error")
    assert event.camera_id is None
    assert event.payload == {"reason": "recorder_heartbeat_lost", "recorder_id": "lost", "hostname": "box",
                             "last_heartbeat_age_s": 61, "threshold_seconds": 60}
    assert health.report_lost_recorders(NOW + timedelta(seconds=1)) == []
    assert Event.objects.filter(event_type="recorder_error").count() == 1
    assert list(health.fresh_recorders(NOW).values_list("id", flat=True)) == ["alive"]


def test_a_recorder_that_beats_again_is_fresh_and_can_be_lost_again(db, settings):
    settings.NVR_RECORDER_LEASE_SECONDS = 30
    recorder("flaky", 120)
    health.report_lost_recorders(NOW)
    leases.beat("flaky", claimed=1, recording=1, now=NOW)
    assert list(health.fresh_recorders(NOW).values_list("id", flat=True)) == ["flaky"]
    assert health.report_lost_recorders(NOW + timedelta(seconds=90)) == ["flaky"]


def test_the_health_check_runs_both_checks(camera, settings):
    settings.NVR_RECORDER_LEASE_SECONDS = 30
    status(camera, last_segment_at=NOW - timedelta(hours=1))
    recorder("gone", 3600)
    assert health.run_health_check(NOW) == {"stale_cameras": ["cam1"], "lost_recorders": ["gone"]}
