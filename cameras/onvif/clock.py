"""A camera's clock as ONVIF reports it, and its offset from ours (pure: no I/O).

GetSystemDateAndTime is the one call every device answers without credentials. Its ``UTCDateTime`` is
what the device signs WS-Security against and stamps its events with, so ``camera - ours`` measured
from it is what a client must add to a token's ``Created`` and subtract from event times. That also
covers cameras that put local time in ``UTCDateTime`` (OpenIPC did): their "UTC" is then consistently
off by the zone, and the offset absorbs it. Devices that only send ``LocalDateTime`` are read through
their POSIX ``TZ`` (whose sign is inverted: ``CET-1`` is UTC+1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_POSIX_TZ = re.compile(r"^(?:[A-Za-z]{3,}|<[^>]+>)([+-]?)(\d{1,2})(?::(\d{1,2}))?(?::\d{1,2})?([A-Za-z]{3,}|<[^>]+>)?")
_UTC_NAMES = frozenset({"UTC", "GMT", "UCT", "Z", "ZULU"})
# The device's seconds are truncated: its real instant lies on average half a second later.
HALF_SECOND = timedelta(milliseconds=500)


@dataclass(frozen=True)
class ClockReading:
    """What a camera's clock said, and how far it is from ours (positive: the camera is ahead)."""

    offset: timedelta
    source: str  # "utc" | "local" (from LocalDateTime and TZ) | "none" (no usable time: offset 0)
    time_zone: str | None = None

    @property
    def offset_seconds(self) -> float:
        return round(self.offset.total_seconds(), 1)


def posix_utc_offset(tz: str | None, daylight: bool = False) -> timedelta | None:
    """Local time minus UTC for a POSIX TZ string (``EST5EDT`` is -5 h, +1 h with DST on); None if unreadable."""
    text = (tz or "").strip()
    if text.upper() in _UTC_NAMES:  # not POSIX (no offset), but what many cameras send
        return timedelta(0)
    match = _POSIX_TZ.match(text)
    if not match:
        return None
    sign = 1 if match.group(1) == "-" else -1
    offset = sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    if daylight and match.group(4):
        offset += timedelta(hours=1)
    return offset


def _field(obj, name):
    if obj is None:
        return None
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def onvif_datetime(value) -> datetime | None:
    """A tt:DateTime (Date + Time) as a naive datetime, or None when absent or impossible."""
    date, time_ = _field(value, "Date"), _field(value, "Time")
    try:
        return datetime(int(_field(date, "Year")), int(_field(date, "Month")), int(_field(date, "Day")),
                        int(_field(time_, "Hour")), int(_field(time_, "Minute")), int(_field(time_, "Second")))
    except (TypeError, ValueError):
        return None


def camera_utc(system_date_and_time) -> tuple[datetime | None, str, str | None]:
    """The camera's idea of the current UTC instant from a GetSystemDateAndTime answer, how it was read, its TZ."""
    tz = _field(_field(system_date_and_time, "TimeZone"), "TZ")
    utc = onvif_datetime(_field(system_date_and_time, "UTCDateTime"))
    if utc is not None:
        return utc.replace(tzinfo=timezone.utc) + HALF_SECOND, "utc", tz
    local = onvif_datetime(_field(system_date_and_time, "LocalDateTime"))
    shift = posix_utc_offset(tz, bool(_field(system_date_and_time, "DaylightSavings")))
    if local is not None:
        return (local - (shift or timedelta(0))).replace(tzinfo=timezone.utc) + HALF_SECOND, "local", tz
    return None, "none", tz


def reading(system_date_and_time, sent_at: datetime, received_at: datetime) -> ClockReading:
    """The offset of the camera's clock, taking our time as the middle of the request's round trip."""
    camera, source, tz = camera_utc(system_date_and_time)
    if camera is None:
        return ClockReading(timedelta(0), "none", tz)
    ours = sent_at + (received_at - sent_at) / 2
    return ClockReading(camera - ours, source, tz)


def to_our_time(camera_time: datetime | None, offset: timedelta, fallback: datetime) -> datetime:
    """A time stamped by the camera, on our clock (naive stamps are taken as UTC); ``fallback`` when absent."""
    if camera_time is None:
        return fallback
    if camera_time.tzinfo is None:
        camera_time = camera_time.replace(tzinfo=timezone.utc)
    return camera_time.astimezone(timezone.utc) - offset
