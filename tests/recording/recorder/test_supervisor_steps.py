"""The supervisor's single steps with a controlled clock and no worker processes (issue: day one).

A broken camera logs one event when it starts failing and one when it is back (not one per reconnect
attempt); failures are stored as an operator's sentence; a watched camera outside its schedule is
planned connected without recording, and its failures do not turn the deliberate hole into an outage.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ai.models import Event
from recording.models import CameraState, CameraStatus
from recording.recorder.supervisor import RECOVERED_AFTER_S, CameraRun, Supervisor, status_signals
from recording.recorder.plan import Plan
from tests.conftest import make_camera
from tests.recording.conftest import make_record_schedule

pytestmark = pytest.mark.django_db
INVALID = "[Errno 1094995529] Invalid data found when processing input: 'rtsp://***@10.0.0.9/stream'"
RECORDER = "rec-test"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def supervisor():
    sup = Supervisor(RECORDER)
    sup.clock = Clock()
    return sup


def held_camera(supervisor, camera_id="cam1", plan=Plan(True, True), **fields):
    camera = make_camera(camera_id, **fields)
    CameraStatus.objects.create(camera=camera, state=CameraState.CONNECTING, lease_holder=RECORDER)
    run = supervisor.runs[camera_id] = CameraRun(camera_id, plan=plan)
    return camera, run


def events(kind):
    return list(Event.objects.filter(event_type=kind).order_by("timestamp"))


def test_a_broken_camera_logs_one_event_not_one_per_attempt(supervisor):
    held_camera(supervisor)
    for _ in range(50):
        supervisor.handle(("disconnect", "cam1", "stream_error", INVALID, 0.0))
    offline = events("camera_offline")
    assert len(offline) == 1
    assert offline[0].payload["cause"] == "the stream could not be read: the camera sent data that is not valid video"
    assert "rtsp://***@" in offline[0].payload["detail"]
    status = CameraStatus.objects.get(pk="cam1")
    assert status.last_error == "the stream could not be read: the camera sent data that is not valid video"
    assert status.state == CameraState.ERROR and status.reconnect_count == 50


def test_recovery_is_logged_once_after_a_healthy_stretch_with_the_attempts(supervisor):
    _, run = held_camera(supervisor)
    for _ in range(3):
        supervisor.handle(("disconnect", "cam1", "camera_offline", "[Errno 111] Connection refused", 0.0))
    supervisor.handle(("connected", "cam1", {"note": ""}))
    supervisor.handle(("stats", "cam1", 25.0, timezone.now(), 1000))
    assert events("camera_recovered") == []  # connected, but not yet for long: a flap is not a recovery
    supervisor.clock.now += RECOVERED_AFTER_S + 1
    run.stats_written_at = 0.0
    supervisor.handle(("stats", "cam1", 25.0, timezone.now(), 2000))
    supervisor.handle(("stats", "cam1", 25.0, timezone.now(), 3000))
    recovered = events("camera_recovered")
    assert len(recovered) == 1
    assert recovered[0].payload["attempts"] == 3 and recovered[0].payload["reason"] == "camera_offline"
    assert recovered[0].payload["down_seconds"] >= 0
    assert CameraStatus.objects.get(pk="cam1").last_error is None


def test_a_connection_that_drops_before_it_is_healthy_continues_the_same_outage(supervisor):
    held_camera(supervisor)
    for _ in range(4):
        supervisor.handle(("disconnect", "cam1", "stream_error", INVALID, 2.0))
        supervisor.handle(("connected", "cam1", {"note": ""}))
        supervisor.clock.now += 2
    assert len(events("camera_offline")) == 1 and events("camera_recovered") == []


def test_a_camera_without_a_stream_address_is_reported_once(supervisor):
    camera, run = held_camera(supervisor)
    for _ in range(5):
        run.no_url_until = 0.0
        assert supervisor.build_config(camera, run) is None
    assert len(events("recorder_error")) == 1
    assert CameraStatus.objects.get(pk="cam1").last_error.startswith("no stream address")


def test_a_watched_camera_outside_its_schedule_is_connected_without_recording(supervisor):
    camera = make_camera("cam1", record_mode="scheduled")
    make_record_schedule(camera, days=(), time_start="00:00", time_end="00:01")
    now = timezone.now()
    CameraStatus.objects.create(camera=camera, live_wanted_until=now + timedelta(seconds=10))
    supervisor.load_config()
    signals = status_signals(now)
    plan = supervisor.plans(supervisor.cameras.values(), now, signals)["cam1"]
    assert plan == Plan(True, False, "idle_schedule", "schedule_off", live_only=True)
    later = now + timedelta(seconds=11)
    assert status_signals(later) == {}
    assert supervisor.plans(supervisor.cameras.values(), later, status_signals(later))["cam1"] == Plan(
        False, False, "idle_schedule", "schedule_off")


def test_live_warm_keeps_a_camera_that_does_not_record_connected(supervisor):
    make_camera("warm", record_enabled=False, live_warm=True)
    make_camera("off", enabled=False, live_warm=True)
    make_camera("plain", record_enabled=False)
    supervisor.load_config()
    plans = supervisor.plans(supervisor.cameras.values(), timezone.now(), {})
    assert plans["warm"] == Plan(True, False, "disabled", "disabled", live_only=True)
    assert plans["off"].run is False  # a disabled camera is not watched
    assert plans["plain"].run is False


def test_a_live_only_failure_keeps_the_deliberate_hole(supervisor):
    _, run = held_camera(supervisor, plan=Plan(True, False, "idle_schedule", "schedule_off", live_only=True))
    supervisor.handle(("disconnect", "cam1", "camera_offline", "[Errno 111] Connection refused", 0.0))
    assert run.marks.reason_before(timezone.now() + timedelta(seconds=5), fallback="none") == "none"
    status = CameraStatus.objects.get(pk="cam1")
    assert status.gap_reason == "schedule_off" and status.state == CameraState.OFFLINE


def test_cameras_and_schedules_are_reloaded_only_when_they_change(supervisor, django_assert_num_queries):
    camera = make_camera("cam1", record_mode="scheduled")
    assert supervisor.load_config() is True
    with django_assert_num_queries(1):  # the aggregate stamp, nothing else
        assert supervisor.load_config() is False
    make_record_schedule(camera, days=(0, 1, 2, 3, 4, 5, 6), time_start="00:00", time_end="24:00")
    assert supervisor.load_config() is True and len(supervisor.schedules["cam1"]) == 1
    camera.name = "Renamed"
    camera.save()
    assert supervisor.load_config() is True and supervisor.cameras["cam1"].name == "Renamed"
    camera.delete()
    assert supervisor.load_config() is True and supervisor.cameras == {}
    supervisor.clock.now += 61  # and once a minute whatever the stamp says
    assert supervisor.load_config() is True


def test_a_reconcile_of_unchanged_cameras_costs_two_small_queries(supervisor, django_assert_num_queries):
    for n in range(20):
        make_camera(f"cam{n}", enabled=False)
    supervisor.reconcile()
    with django_assert_num_queries(2):  # the stamp and the open triggers / live viewers
        supervisor.reconcile()
