"""Schedule window maths: parsing, the overnight rule, 24:00, zones and DST (pure, no database)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from recording.schedule import (
    Schedule,
    ScheduleError,
    check_window,
    is_active,
    next_change,
    normalize_clock,
    normalize_days,
    parse_clock,
)

UTC = timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
MON, TUE, SUN = 0, 1, 6


def at(tz, *parts):
    """An aware instant from local wall-clock parts (fold 0)."""
    return datetime(*parts, tzinfo=tz)


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


# --- parsing ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [("9:30", "09:30"), ("09:30", "09:30"), ("0:00", "00:00"), ("23:59", "23:59"), ("7:5", "07:05")])
def test_clock_times_are_stored_zero_padded(text, expected):
    assert normalize_clock(text) == expected


@pytest.mark.parametrize("text", ["24:00", "24:01", "25:00", "12:60", "1230", "", "9", "09:30:00", " 9:30", "9:30 ", "-1:00", "١٢:٣٠", "9:300"])
def test_bad_start_times_are_rejected(text):
    with pytest.raises(ScheduleError):
        normalize_clock(text)


@pytest.mark.parametrize("value", [930, 9.5, None, True, ["09:30"], {"h": 9}])
def test_non_string_times_are_rejected(value):
    with pytest.raises(ScheduleError):
        parse_clock(value)


def test_midnight_end_of_day_is_allowed_only_as_an_end():
    assert normalize_clock("24:00", allow_end_of_day=True) == "24:00"
    assert parse_clock("24:00", allow_end_of_day=True) == 1440
    with pytest.raises(ScheduleError, match="only allowed as an end"):
        parse_clock("24:00")
    with pytest.raises(ScheduleError):
        parse_clock("24:30", allow_end_of_day=True)


def test_days_are_deduplicated_and_sorted():
    assert normalize_days([3, 1, 1, 0, 3]) == [0, 1, 3]


@pytest.mark.parametrize("value", [[], [7], [-1], [True], [1.0], [1.5], ["1"], [None], "1", None, 3, {"0": 1}])
def test_bad_days_are_rejected(value):
    with pytest.raises(ScheduleError):
        normalize_days(value)


def test_a_window_must_not_start_where_it_ends():
    with pytest.raises(ScheduleError, match="differ"):
        check_window("09:00", "9:00")
    check_window("00:00", "24:00")
    check_window("22:00", "06:00")


# --- evaluation ------------------------------------------------------------------------------------

def test_day_window_includes_start_and_excludes_end():
    office = [Schedule((MON,), "09:00", "17:00")]
    assert is_active(office, utc(2026, 6, 15, 9, 0), UTC)
    assert is_active(office, utc(2026, 6, 15, 16, 59, 59), UTC)
    assert not is_active(office, utc(2026, 6, 15, 17, 0), UTC)
    assert not is_active(office, utc(2026, 6, 15, 8, 59, 59), UTC)
    assert not is_active(office, utc(2026, 6, 16, 10, 0), UTC)


def test_overnight_monday_window_covers_tuesday_morning_not_monday_morning():
    night = [Schedule((MON,), "22:00", "06:00")]
    assert is_active(night, utc(2026, 6, 16, 3, 0), UTC)  # Tuesday 03:00
    assert not is_active(night, utc(2026, 6, 15, 3, 0), UTC)  # Monday 03:00 belongs to Sunday
    assert is_active(night, utc(2026, 6, 15, 22, 0), UTC)
    assert is_active(night, utc(2026, 6, 15, 23, 59, 59), UTC)
    assert not is_active(night, utc(2026, 6, 16, 6, 0), UTC)
    assert not is_active(night, utc(2026, 6, 16, 22, 30), UTC)  # Tuesday is not listed


def test_sunday_overnight_window_wraps_into_monday():
    night = [Schedule((SUN,), "22:00", "06:00")]
    assert is_active(night, utc(2026, 6, 15, 3, 0), UTC)


def test_end_of_day_window_covers_the_last_minute():
    whole_monday = [Schedule((MON,), "00:00", "24:00")]
    assert is_active(whole_monday, utc(2026, 6, 15, 0, 0), UTC)
    assert is_active(whole_monday, utc(2026, 6, 15, 23, 59, 59), UTC)
    assert not is_active(whole_monday, utc(2026, 6, 16, 0, 0), UTC)
    evening = [Schedule((MON,), "18:00", "24:00")]
    assert is_active(evening, utc(2026, 6, 15, 23, 59), UTC)


def test_rows_are_ored_and_disabled_rows_ignored():
    rows = [Schedule((MON,), "09:00", "10:00"), Schedule((MON,), "12:00", "13:00"), Schedule((MON,), "10:00", "12:00", enabled=False)]
    assert is_active(rows, utc(2026, 6, 15, 9, 30), UTC)
    assert is_active(rows, utc(2026, 6, 15, 12, 30), UTC)
    assert not is_active(rows, utc(2026, 6, 15, 11, 0), UTC)


def test_malformed_stored_rows_never_match():
    rows = [Schedule((MON,), "99:99", "10:00"), Schedule((9, "x", True), "09:00", "10:00"), Schedule((MON,), "09:00", "09:00")]
    assert not is_active(rows, utc(2026, 6, 15, 9, 30), UTC)
    assert next_change(rows, utc(2026, 6, 15, 9, 30), UTC) is None


def test_windows_are_read_in_the_configured_zone():
    office = [Schedule((MON,), "09:00", "17:00")]
    assert is_active(office, utc(2026, 6, 15, 7, 30), BERLIN)  # 09:30 CEST
    assert not is_active(office, utc(2026, 1, 5, 7, 30), BERLIN)  # 08:30 CET
    assert is_active(office, utc(2026, 1, 5, 8, 30), BERLIN)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        is_active([], datetime(2026, 6, 15, 9, 0), UTC)
    with pytest.raises(ValueError):
        next_change([], datetime(2026, 6, 15, 9, 0), UTC)


# --- next_change -----------------------------------------------------------------------------------

def test_next_change_is_the_window_end_then_the_next_start():
    office = [Schedule((MON, TUE), "09:00", "17:00")]
    assert next_change(office, utc(2026, 6, 15, 10, 0), UTC) == utc(2026, 6, 15, 17, 0)
    assert next_change(office, utc(2026, 6, 15, 17, 0), UTC) == utc(2026, 6, 16, 9, 0)
    assert next_change(office, utc(2026, 6, 16, 17, 0), UTC) == utc(2026, 6, 22, 9, 0)


def test_next_change_answers_in_utc():
    change = next_change([Schedule((MON,), "09:00", "17:00")], at(BERLIN, 2026, 6, 15, 10, 0), BERLIN)
    assert change == at(BERLIN, 2026, 6, 15, 17, 0)
    assert change.utcoffset() == timedelta(0)


def test_adjacent_rows_do_not_produce_a_false_change():
    rows = [Schedule((MON,), "09:00", "12:00"), Schedule((MON,), "12:00", "17:00")]
    assert next_change(rows, utc(2026, 6, 15, 10, 0), UTC) == utc(2026, 6, 15, 17, 0)


def test_overnight_next_change_crosses_midnight():
    night = [Schedule((MON,), "22:00", "06:00")]
    assert next_change(night, at(BERLIN, 2026, 6, 15, 23, 0), BERLIN) == at(BERLIN, 2026, 6, 16, 6, 0)


def test_always_on_or_off_has_no_next_change():
    every_day = [Schedule(tuple(range(7)), "00:00", "24:00")]
    assert is_active(every_day, utc(2026, 3, 29, 1, 30), BERLIN)
    assert next_change(every_day, utc(2026, 3, 28, 12, 0), BERLIN) is None
    assert next_change([], utc(2026, 3, 28, 12, 0), BERLIN) is None
    assert next_change([Schedule((MON,), "09:00", "17:00", enabled=False)], utc(2026, 6, 15), UTC) is None


def test_overnight_every_day_window_chain_is_exact():
    nightly = [Schedule(tuple(range(7)), "22:00", "06:00")]
    now = at(BERLIN, 2026, 6, 15, 12, 0)
    assert next_change(nightly, now, BERLIN) == at(BERLIN, 2026, 6, 15, 22, 0)


# --- DST -------------------------------------------------------------------------------------------

def test_berlin_spring_forward_skipped_window_never_runs():
    # 2026-03-29 (Sunday): 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    lost = [Schedule((SUN,), "02:00", "02:30")]
    assert not is_active(lost, utc(2026, 3, 29, 1, 0), BERLIN)
    change = next_change(lost, utc(2026, 3, 28, 12, 0), BERLIN)
    assert change == at(BERLIN, 2026, 4, 5, 2, 0)  # next Sunday's window


def test_berlin_spring_forward_window_starting_in_the_gap_starts_at_the_jump():
    window = [Schedule((SUN,), "02:30", "04:00")]
    assert next_change(window, utc(2026, 3, 29, 0, 30), BERLIN) == utc(2026, 3, 29, 1, 0)
    assert is_active(window, utc(2026, 3, 29, 1, 0), BERLIN)
    assert next_change(window, utc(2026, 3, 29, 1, 0), BERLIN) == utc(2026, 3, 29, 2, 0)  # 04:00 CEST


def test_berlin_fall_back_window_runs_in_both_passes_of_the_repeated_hour():
    # 2026-10-25 (Sunday): 03:00 CEST falls back to 02:00 CET at 01:00 UTC; 02:00-03:00 happens twice.
    window = [Schedule((SUN,), "02:00", "02:30")]
    instants = []
    now = utc(2026, 10, 24, 23, 0)
    for _ in range(4):
        now = next_change(window, now, BERLIN)
        instants.append(now)
    assert instants == [utc(2026, 10, 25, 0, 0), utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 0), utc(2026, 10, 25, 1, 30)]
    assert is_active(window, utc(2026, 10, 25, 1, 15), BERLIN)
    assert not is_active(window, utc(2026, 10, 25, 0, 45), BERLIN)


def test_berlin_day_window_is_a_real_23_hours_on_spring_forward():
    whole_sunday = [Schedule((SUN,), "00:00", "24:00")]
    start = next_change(whole_sunday, utc(2026, 3, 28, 12, 0), BERLIN)
    end = next_change(whole_sunday, start, BERLIN)
    assert end - start == timedelta(hours=23)


def test_new_york_spring_forward_window_is_shortened_by_the_jump():
    # 2026-03-08 (Sunday): 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    window = [Schedule((SUN,), "01:00", "03:30")]
    start = next_change(window, utc(2026, 3, 8, 0, 0), NEW_YORK)
    assert start == utc(2026, 3, 8, 6, 0)  # 01:00 EST
    end = next_change(window, start, NEW_YORK)
    assert end == utc(2026, 3, 8, 7, 30)  # 03:30 EDT
    assert end - start == timedelta(hours=1, minutes=30)


def test_new_york_fall_back_repeats_the_early_hour():
    # 2026-11-01 (Sunday): 02:00 EDT falls back to 01:00 EST at 06:00 UTC.
    window = [Schedule((SUN,), "00:00", "01:30")]
    assert next_change(window, utc(2026, 11, 1, 3, 0), NEW_YORK) == utc(2026, 11, 1, 4, 0)
    assert next_change(window, utc(2026, 11, 1, 5, 0), NEW_YORK) == utc(2026, 11, 1, 5, 30)
    assert next_change(window, utc(2026, 11, 1, 5, 30), NEW_YORK) == utc(2026, 11, 1, 6, 0)
    assert next_change(window, utc(2026, 11, 1, 6, 0), NEW_YORK) == utc(2026, 11, 1, 6, 30)


def test_new_york_overnight_window_across_fall_back_lasts_an_extra_hour():
    night = [Schedule((6,), "22:00", "06:00")]  # Sunday 22:00 local -> Monday 06:00 local (no DST change)
    saturday_night = [Schedule((5,), "22:00", "06:00")]  # Saturday 31 Oct 22:00 EDT -> Sunday 06:00 EST
    start = next_change(saturday_night, utc(2026, 10, 31, 12, 0), NEW_YORK)
    end = next_change(saturday_night, start, NEW_YORK)
    assert end - start == timedelta(hours=9)
    start = next_change(night, utc(2026, 11, 1, 12, 0), NEW_YORK)
    assert next_change(night, start, NEW_YORK) - start == timedelta(hours=8)
