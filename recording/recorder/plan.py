"""What the recorder should do with each camera, and why a hole happened (pure: no Django, no I/O)."""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# Reasons and states are the string values of recording.models.GapReason / CameraState.
CONTINUOUS, SCHEDULED, EVENT, SCHEDULED_EVENT = "continuous", "scheduled", "event", "scheduled_event"
DELIBERATE = frozenset({"schedule_off", "event_idle", "disabled"})
MARK_SLACK = timedelta(seconds=1)
MAX_MARKS = 64


@dataclass(frozen=True)
class Plan:
    """Desired state of one camera: run a pipeline at all, write segments, and the idle state/reason if not."""

    run: bool
    recording: bool
    idle_state: str | None = None  # CameraState when not writing
    idle_reason: str | None = None  # GapReason of the hole while not writing
    live_only: bool = False  # connected only because somebody watches live (or `live_warm`)


def plan_camera(*, should_record: bool, mode: str, in_schedule: bool, trigger_until: datetime | None,
                now: datetime, live_wanted: bool = False) -> Plan:
    """Reference §3.3 with SPEC §5 states: event-capable cameras stay connected (armed) to keep pre-roll.

    `live_wanted` (a viewer, or `live_warm`) keeps a camera that would otherwise be disconnected connected
    without recording, so live view works outside the schedule and for cameras that do not record.
    """
    plan = _recording_plan(should_record, mode, in_schedule, trigger_until, now)
    if live_wanted and not plan.run:
        return Plan(run=True, recording=False, idle_state=plan.idle_state, idle_reason=plan.idle_reason,
                    live_only=True)
    return plan


def _recording_plan(should_record: bool, mode: str, in_schedule: bool, trigger_until: datetime | None,
                    now: datetime) -> Plan:
    if not should_record:
        return Plan(run=False, recording=False, idle_state="disabled", idle_reason="disabled")
    if mode == CONTINUOUS:
        return Plan(run=True, recording=True)
    if mode == SCHEDULED:
        if in_schedule:
            return Plan(run=True, recording=True)
        return Plan(run=False, recording=False, idle_state="idle_schedule", idle_reason="schedule_off")
    triggered = trigger_until is not None and trigger_until > now
    if triggered or (mode == SCHEDULED_EVENT and in_schedule):
        return Plan(run=True, recording=True)
    return Plan(run=True, recording=False, idle_state="idle_event", idle_reason="event_idle")


def lease_target(cameras_wanted: int, live_recorders: int) -> int:
    """How many cameras one recorder claims so that live recorders share them evenly."""
    return math.ceil(cameras_wanted / max(1, live_recorders))


def reason_after_takeover(stored_reason: str | None) -> str:
    """The hole before a newly claimed camera's first segment: deliberate idleness stays, else the recorder was down."""
    return stored_reason if stored_reason in DELIBERATE else "recorder_down"


@dataclass
class GapMarks:
    """When and why one camera stopped writing, so the hole before a later segment gets the right reason.

    The reason must be looked up by the *start* of the next segment (a stop decided while a segment is still
    being closed belongs to the hole after that segment, not before it).
    """

    times: list[datetime] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def mark(self, when: datetime, reason: str) -> None:
        index = bisect_right(self.times, when)
        self.times.insert(index, when)
        self.reasons.insert(index, reason)
        if len(self.times) > MAX_MARKS:
            del self.times[0], self.reasons[0]

    def reason_before(self, segment_start: datetime, fallback: str = "stream_error") -> str:
        """The latest reason marked no later than the segment's start (1 s slack for clock rounding)."""
        index = bisect_right(self.times, segment_start + MARK_SLACK)
        return self.reasons[index - 1] if index else fallback

    def forget_before(self, when: datetime) -> None:
        """Drop marks that can no longer explain a future hole (keep the newest one before `when`)."""
        index = bisect_right(self.times, when)
        if index > 1:
            del self.times[: index - 1], self.reasons[: index - 1]
