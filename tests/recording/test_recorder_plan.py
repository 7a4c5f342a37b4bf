"""What the recorder plans per camera, lease shares, and which reason a hole gets (pure)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recording.recorder.plan import GapMarks, Plan, lease_target, plan_camera, reason_after_takeover

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def plan(mode, *, should_record=True, in_schedule=False, trigger_until=None):
    return plan_camera(should_record=should_record, mode=mode, in_schedule=in_schedule,
                       trigger_until=trigger_until, now=NOW)


@pytest.mark.parametrize("mode", ["continuous", "scheduled", "event", "scheduled_event"])
def test_a_camera_that_should_not_record_is_disabled_whatever_its_mode(mode):
    assert plan(mode, should_record=False, in_schedule=True) == Plan(False, False, "disabled", "disabled")


def test_continuous_always_records():
    assert plan("continuous") == Plan(True, True)


def test_scheduled_records_in_its_window_and_disconnects_outside_it():
    assert plan("scheduled", in_schedule=True) == Plan(True, True)
    assert plan("scheduled") == Plan(False, False, "idle_schedule", "schedule_off")


def test_event_mode_stays_connected_for_pre_roll_and_records_only_in_a_trigger_window():
    assert plan("event") == Plan(True, False, "idle_event", "event_idle")
    assert plan("event", trigger_until=NOW + timedelta(seconds=5)) == Plan(True, True)
    assert plan("event", trigger_until=NOW) == Plan(True, False, "idle_event", "event_idle")


def test_scheduled_event_records_in_a_window_or_on_a_trigger():
    assert plan("scheduled_event", in_schedule=True) == Plan(True, True)
    assert plan("scheduled_event", trigger_until=NOW + timedelta(seconds=1)) == Plan(True, True)
    assert plan("scheduled_event") == Plan(True, False, "idle_event", "event_idle")


@given(st.integers(0, 500), st.integers(0, 20))
def test_live_recorders_claim_enough_leases_between_them(cameras, recorders):
    target = lease_target(cameras, recorders)
    assert target * max(1, recorders) >= cameras
    assert target <= cameras


def test_a_takeover_keeps_deliberate_reasons_and_otherwise_blames_the_recorder():
    assert reason_after_takeover("event_idle") == "event_idle"
    assert reason_after_takeover("camera_offline") == "recorder_down"
    assert reason_after_takeover(None) == "recorder_down"


def test_the_hole_before_a_segment_takes_the_reason_marked_before_that_segment_started():
    marks = GapMarks()
    marks.mark(NOW, "camera_offline")
    # Recording then stops for the event window while the segment that follows the outage is being closed.
    marks.mark(NOW + timedelta(seconds=70), "event_idle")
    assert marks.reason_before(NOW + timedelta(seconds=12)) == "camera_offline"
    assert marks.reason_before(NOW + timedelta(seconds=120)) == "event_idle"
    assert marks.reason_before(NOW - timedelta(seconds=30)) == "stream_error"
    assert marks.reason_before(NOW - timedelta(seconds=30), fallback="recorder_down") == "recorder_down"


@given(st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(["camera_offline", "auth_failed", "disabled"])),
                max_size=100), st.integers(0, 10_000))
def test_marks_answer_the_latest_reason_up_to_the_start(entries, start):
    marks = GapMarks()
    for offset, reason in entries:
        marks.mark(NOW + timedelta(seconds=offset), reason)
    eligible = [(o, i, r) for i, (o, r) in enumerate(entries) if o <= start + 1]
    got = marks.reason_before(NOW + timedelta(seconds=start))
    if len(entries) <= 64:
        assert got == (max(eligible)[2] if eligible else "stream_error") or any(
            o == max(eligible)[0] and r == got for o, _, r in eligible)
    marks.forget_before(NOW + timedelta(seconds=start))
    assert len(marks.times) == len(marks.reasons) <= 64
