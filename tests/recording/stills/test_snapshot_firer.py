"""Snapshot schedules fired by the recorder (recording.recorder.snapshot_firer): on time, claimed once, failures stamped."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone as dj_timezone

from recording.models import Snapshot, SnapshotSchedule
from recording.recorder.snapshot_firer import SnapshotFirer, claim, due_time, fire_stamp
from tests.conftest import make_camera
from tests.peers.rtsp import free_ports, gst_camera  # noqa: F401  (fixture)
from tests.recording.conftest import make_snapshot_schedule

NOON = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def test_a_schedule_that_never_fired_is_due_at_once():
    assert due_time(None, 300, NOON) == NOON


def test_a_schedule_is_due_one_interval_after_its_last_firing():
    assert due_time(NOON, 300, NOON) == NOON + timedelta(minutes=5)


def test_a_firing_records_its_due_time_so_latency_never_drifts_the_cadence():
    assert fire_stamp(NOON, NOON + timedelta(milliseconds=40), 5) == NOON


def test_after_a_missed_interval_the_cadence_restarts_instead_of_catching_up():
    late = NOON + timedelta(seconds=12)
    assert fire_stamp(NOON, late, 5) == late


def dead_camera(camera_id: str = "dead"):
    (port,) = free_ports(1)
    return make_camera(camera_id, main_stream_url=f"rtsp://127.0.0.1:{port}/h264")


def due_in(seconds: float) -> datetime:
    return dj_timezone.now() + timedelta(seconds=seconds)


def run_firer(seconds: float) -> SnapshotFirer:
    """Drive a firer as the supervisor's loop does (load, then fire whatever is due), then let captures end."""
    firer = SnapshotFirer()
    firer.load()
    stop_at = time.monotonic() + seconds
    while time.monotonic() < stop_at:
        firer.fire_due()
        due = firer.next_due(dj_timezone.now())
        wait = 0.2 if due is None else (due - dj_timezone.now()).total_seconds()
        time.sleep(min(max(wait, 0.0), 0.2, max(0.0, stop_at - time.monotonic())))
    firer.close(wait=True)
    return firer


@pytest.mark.django_db
def test_only_one_of_two_racing_claims_wins():
    schedule = make_snapshot_schedule(dead_camera(), interval_seconds=5)
    stamp = dj_timezone.now()
    assert claim(schedule.pk, None, stamp) is True
    assert claim(schedule.pk, None, stamp) is False  # the other recorder read the same row
    assert claim(schedule.pk, stamp, stamp + timedelta(seconds=5)) is True


@pytest.mark.django_db(transaction=True)
def test_failed_captures_are_stamped_and_fired_on_time():
    schedule = make_snapshot_schedule(dead_camera(), interval_seconds=1)  # below the API minimum, to keep the test short
    first_due = due_in(0.3)
    SnapshotSchedule.objects.filter(pk=schedule.pk).update(last_fired_at=first_due - timedelta(seconds=1))
    report = run_firer(1.6).report
    assert (report.fired, report.failed, report.captured) == (2, 2, 0)
    assert report.late_max_s < 0.5
    schedule.refresh_from_db()
    assert schedule.last_fired_at == first_due + timedelta(seconds=1)  # stamped despite the failures
    assert not Snapshot.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_disabled_schedules_and_cameras_are_not_fired():
    off = make_snapshot_schedule(dead_camera("a"), interval_seconds=5, enabled=False)
    camera = dead_camera("b")
    camera.enabled = False
    camera.save()
    parked = make_snapshot_schedule(camera, interval_seconds=5)
    firer = run_firer(0.3)
    assert firer.report.fired == 0 and firer.next_due(dj_timezone.now()) is None
    assert SnapshotSchedule.objects.get(pk=off.pk).last_fired_at is None
    assert SnapshotSchedule.objects.get(pk=parked.pk).last_fired_at is None


@pytest.mark.django_db(transaction=True)
def test_a_schedule_another_recorder_fired_is_not_fired_again():
    schedule = make_snapshot_schedule(dead_camera(), interval_seconds=300)
    firer = SnapshotFirer()
    firer.load()
    elsewhere = dj_timezone.now()
    SnapshotSchedule.objects.filter(pk=schedule.pk).update(last_fired_at=elsewhere)  # the other recorder won
    assert firer.fire_due() is True
    assert firer.report.fired == 0
    assert firer.next_due(elsewhere) == elsewhere + timedelta(seconds=300)
    firer.close()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_scheduled_snapshots_are_taken_within_a_second_of_their_due_time(gst_camera):
    camera = make_camera("gate", main_stream_url=gst_camera.url())
    schedule = make_snapshot_schedule(camera, interval_seconds=5)
    first_due = due_in(0.5)
    SnapshotSchedule.objects.filter(pk=schedule.pk).update(last_fired_at=first_due - timedelta(seconds=5))
    report = run_firer(6.0).report
    assert report.fired == 2 and report.captured == 2, report
    assert report.late_max_s < 1.0
    dues = [first_due, first_due + timedelta(seconds=5)]
    taken = list(Snapshot.objects.filter(schedule=schedule).order_by("taken_at"))
    assert len(taken) == 2
    for snapshot, due in zip(taken, dues):
        # fired at its due time; the picture is the camera's first keyframe after connecting
        assert timedelta(0) <= snapshot.taken_at - due < timedelta(seconds=3)
        assert (Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path).stat().st_size == snapshot.size_bytes
    schedule.refresh_from_db()
    assert schedule.last_fired_at == dues[1]
