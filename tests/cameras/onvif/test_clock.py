"""Reading a camera's clock from GetSystemDateAndTime (pure: answers written as the library hands them over)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from cameras.onvif.clock import camera_utc, posix_utc_offset, reading, to_our_time

OURS = datetime(2026, 6, 15, 12, 0, 0, tzinfo=timezone.utc)


def date_time(moment: datetime) -> dict:
    return {"Date": {"Year": moment.year, "Month": moment.month, "Day": moment.day},
            "Time": {"Hour": moment.hour, "Minute": moment.minute, "Second": moment.second}}


@pytest.mark.parametrize("tz, daylight, expected", [
    ("UTC", False, timedelta(0)), ("GMT0", False, timedelta(0)), ("CET-1", False, timedelta(hours=1)),
    ("CET-1CEST,M3.5.0,M10.5.0/3", True, timedelta(hours=2)), ("EST5EDT", False, timedelta(hours=-5)),
    ("<+0530>-5:30", False, timedelta(hours=5, minutes=30)), ("IST-5:30", False, timedelta(hours=5, minutes=30)),
    ("garbage", False, None), ("", False, None),
])
def test_posix_time_zones_have_their_sign_inverted(tz, daylight, expected):
    assert posix_utc_offset(tz, daylight) == expected


def test_the_offset_is_the_cameras_utc_minus_ours_at_the_middle_of_the_round_trip():
    answer = {"TimeZone": {"TZ": "UTC"}, "UTCDateTime": date_time(OURS + timedelta(seconds=90))}
    result = reading(answer, OURS - timedelta(milliseconds=200), OURS + timedelta(milliseconds=200))
    assert result.source == "utc"
    assert result.offset == timedelta(seconds=90, milliseconds=500)  # + half of the truncated second


def test_a_camera_with_only_local_time_is_read_through_its_zone():
    answer = {"TimeZone": {"TZ": "CST-8"}, "DaylightSavings": False, "LocalDateTime": date_time(OURS + timedelta(hours=8))}
    moment, source, tz = camera_utc(answer)
    assert (moment, source, tz) == (OURS + timedelta(milliseconds=500), "local", "CST-8")


def test_a_camera_that_puts_local_time_in_utc_is_simply_that_far_off():
    """OpenIPC did: its 'UTC' is local time. It signs and stamps events with the same clock, so the offset fits."""
    answer = {"TimeZone": {"TZ": "CET-1"}, "UTCDateTime": date_time(OURS + timedelta(hours=1)),
              "LocalDateTime": date_time(OURS + timedelta(hours=1))}
    assert reading(answer, OURS, OURS).offset == timedelta(hours=1, milliseconds=500)


def test_impossible_or_missing_times_give_no_offset():
    broken = {"UTCDateTime": {"Date": {"Year": 2026, "Month": 13, "Day": 1}, "Time": {"Hour": 0, "Minute": 0, "Second": 0}}}
    assert reading(broken, OURS, OURS).source == "none"
    assert reading({}, OURS, OURS).offset == timedelta(0)


def test_camera_stamps_move_onto_our_clock():
    offset = timedelta(seconds=90)
    assert to_our_time(OURS + offset, offset, OURS) == OURS
    assert to_our_time((OURS + offset).replace(tzinfo=None), offset, OURS) == OURS  # naive: taken as UTC
    assert to_our_time(None, offset, OURS) == OURS
