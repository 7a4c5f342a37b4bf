"""Record-schedule window maths (reference §3.3 with SPEC §5 fixes): pure, zone-aware, DST-correct.

A schedule row is `days` (0 = Monday … 6 = Sunday), `time_start` and `time_end` (`HH:MM`, end
exclusive, `24:00` allowed as an end). `start > end` is an overnight window whose early-morning part
belongs to the day the window *started*. Windows are evaluated on the wall-clock time of an aware
instant in one zone (`NVR_TIME_ZONE`, empty = the server's own zone); enabled rows are OR-ed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from pathlib import Path
from typing import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
LOOKAHEAD = timedelta(days=8)
_CLOCK_RE = re.compile(r"([0-9]{1,2}):([0-9]{1,2})")
_LOCALTIME = Path("/etc/localtime")
_TIMEZONE_FILE = Path("/etc/timezone")


class ScheduleError(ValueError):
    """An invalid schedule value; the message is fit for an API client."""


# --- parsing and validation ------------------------------------------------------------------------

def parse_clock(text, *, allow_end_of_day: bool = False) -> int:
    """`HH:MM` (hour may be unpadded) → minute of day; `24:00` only when `allow_end_of_day`."""
    if not isinstance(text, str):
        raise ScheduleError("must be a time string HH:MM")
    match = _CLOCK_RE.fullmatch(text)
    if match is None:
        raise ScheduleError("must be a time HH:MM (24-hour)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour == 24 and minute == 0:
        if allow_end_of_day:
            return MINUTES_PER_DAY
        raise ScheduleError("24:00 is only allowed as an end time")
    if hour >= 24:
        raise ScheduleError("hour must be below 24")
    if minute >= 60:
        raise ScheduleError("minute must be below 60")
    return hour * 60 + minute


def format_clock(minutes: int) -> str:
    """Minute of day (0..1440) → zero-padded `HH:MM` (1440 → `24:00`)."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def normalize_clock(text, *, allow_end_of_day: bool = False) -> str:
    """Validate and zero-pad a clock time (`9:30` → `09:30`)."""
    return format_clock(parse_clock(text, allow_end_of_day=allow_end_of_day))


def normalize_days(value) -> list[int]:
    """Validate weekdays: a non-empty list of integers 0..6 (no bools, no floats); sorted, deduplicated."""
    if not isinstance(value, (list, tuple)):
        raise ScheduleError("must be a list of weekdays 0 (Monday) .. 6 (Sunday)")
    if not value:
        raise ScheduleError("must list at least one weekday")
    days = set()
    for day in value:
        if isinstance(day, bool) or not isinstance(day, int):
            raise ScheduleError("every weekday must be an integer 0 (Monday) .. 6 (Sunday)")
        if not 0 <= day <= 6:
            raise ScheduleError("every weekday must be between 0 (Monday) and 6 (Sunday)")
        days.add(day)
    return sorted(days)


def check_window(time_start: str, time_end: str) -> None:
    """Reject a window whose start equals its end (both already-valid clock strings)."""
    if parse_clock(time_start) == parse_clock(time_end, allow_end_of_day=True):
        raise ScheduleError("time_end must differ from time_start")


# --- evaluation ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """A schedule row as plain data (model rows with the same attributes work too)."""

    days: tuple[int, ...]
    time_start: str
    time_end: str
    enabled: bool = True


@dataclass(frozen=True)
class Window:
    """A parsed, enabled schedule window in minutes of day."""

    days: frozenset[int]
    start: int
    end: int

    @classmethod
    def of(cls, row) -> "Window | None":
        """Parse a row; disabled or malformed rows give None (they never match)."""
        if isinstance(row, Window):
            return row
        if not getattr(row, "enabled", True):
            return None
        try:
            start = parse_clock(row.time_start)
            end = parse_clock(row.time_end, allow_end_of_day=True)
        except ScheduleError:
            return None
        if start == end:
            return None
        days = row.days if isinstance(row.days, (list, tuple, set, frozenset)) else ()
        valid = frozenset(d for d in days if isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6)
        return cls(valid, start, end) if valid else None

    def covers(self, weekday: int, minute: int) -> bool:
        """Is local (weekday, minute of day) inside this window?"""
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        # Overnight: the tail after midnight belongs to the previous (starting) day.
        return (weekday in self.days and minute >= self.start) or ((weekday - 1) % 7 in self.days and minute < self.end)


def windows_of(schedules: Iterable) -> list[Window]:
    return [w for w in (Window.of(row) for row in schedules) if w is not None]


def _active(windows: list[Window], now: datetime, tz: tzinfo) -> bool:
    local = now.astimezone(tz)
    weekday, minute = local.weekday(), local.hour * 60 + local.minute
    return any(w.covers(weekday, minute) for w in windows)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("schedule evaluation needs an aware datetime")


def is_active(schedules: Iterable, now: datetime, tz: tzinfo) -> bool:
    """True when any enabled schedule window covers the wall-clock time of `now` in `tz`."""
    _require_aware(now)
    return _active(windows_of(schedules), now, tz)


def next_change(schedules: Iterable, now: datetime, tz: tzinfo) -> datetime | None:
    """The first instant after `now` at which `is_active` flips (UTC), or None within 8 days."""
    _require_aware(now)
    windows = windows_of(schedules)
    if not windows:
        return None
    current = _active(windows, now, tz)
    for candidate in _candidates(windows, now, tz):
        if _active(windows, candidate, tz) != current:
            return candidate
    return None


def _candidates(windows: list[Window], now: datetime, tz: tzinfo) -> list[datetime]:
    """Every instant in (now, now + 8 days] where the answer *could* change, ascending.

    The answer is a function of local (weekday, minute) and so can only change where the wall
    clock reaches a window boundary (or midnight), or where it jumps at a UTC-offset transition.
    """
    horizon = now + LOOKAHEAD
    boundaries = {0} | {w.start for w in windows} | {w.end for w in windows}
    first_day = now.astimezone(tz).date() - timedelta(days=1)
    found = set(_offset_transitions(now, horizon, tz))
    for offset in range((LOOKAHEAD.days + 3)):
        day = first_day + timedelta(days=offset)
        for minute in boundaries:
            found.update(_instants_of_wall_time(day, minute, tz))
    return sorted(t for t in found if now < t <= horizon)


def _instants_of_wall_time(day: date, minute: int, tz: tzinfo) -> list[datetime]:
    """The UTC instants at which the local clock reads `day` + `minute` (0, 1 or 2 of them)."""
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minute)
    instants = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc)
        # A wall time skipped by a forward jump does not round-trip; the jump itself is a candidate.
        if instant.astimezone(tz).replace(tzinfo=None) == wall:
            instants.append(instant)
    return instants


def _offset_transitions(start: datetime, end: datetime, tz: tzinfo) -> list[datetime]:
    """UTC instants in [start, end] where the zone's UTC offset changes, exact to the second."""
    step = timedelta(hours=1)
    transitions = []
    probe = start.astimezone(timezone.utc).replace(microsecond=0)
    while probe < end:
        nxt = probe + step
        if probe.astimezone(tz).utcoffset() != nxt.astimezone(tz).utcoffset():
            transitions.append(_bisect_transition(probe, nxt, tz))
        probe = nxt
    return transitions


def _bisect_transition(low: datetime, high: datetime, tz: tzinfo) -> datetime:
    """First whole second in (low, high] carrying `high`'s offset (zone offsets change on seconds)."""
    target = high.astimezone(tz).utcoffset()
    lo, hi = 0, int((high - low).total_seconds())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if (low + timedelta(seconds=mid)).astimezone(tz).utcoffset() == target:
            hi = mid
        else:
            lo = mid
    return low + timedelta(seconds=hi)


# --- the configured zone ---------------------------------------------------------------------------

def schedule_zone() -> tzinfo:
    """The zone schedule times are written in: `NVR_TIME_ZONE`, or the server's own zone when empty.

    An unknown zone name raises ImproperlyConfigured so a misconfigured server fails fast.
    """
    from django.conf import settings

    return zone_named((getattr(settings, "NVR_TIME_ZONE", "") or "").strip())


@lru_cache(maxsize=16)
def zone_named(name: str) -> tzinfo:
    """Resolve an IANA zone name ('' = the server's zone), or raise ImproperlyConfigured."""
    from django.core.exceptions import ImproperlyConfigured

    if not name:
        return server_zone()
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ImproperlyConfigured(f"NVR_TIME_ZONE {name!r} is not a known IANA time zone") from None


def server_zone() -> tzinfo:
    """The host's zone from /etc/timezone or /etc/localtime (Django itself pins TZ=UTC in os.environ)."""
    candidates = []
    try:
        candidates.append(_TIMEZONE_FILE.read_text().strip())
    except OSError:
        pass
    try:
        target = str(_LOCALTIME.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    for name in candidates:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    try:
        with _LOCALTIME.open("rb") as handle:
            return ZoneInfo.from_file(handle, key="localtime")
    except (OSError, ValueError):
        return timezone.utc
