"""Property tests of the schedule maths: next_change is exact and is_active is constant before it."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from recording.schedule import (
    LOOKAHEAD,
    Schedule,
    ScheduleError,
    Window,
    format_clock,
    is_active,
    next_change,
    normalize_clock,
    normalize_days,
    parse_clock,
    windows_of,
)

UTC = timezone.utc
# Whole-hour, half-hour (Lord Howe shifts by 30 min) and 45-minute offsets, with and without DST.
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns", "Pacific/Apia"]

zones = st.sampled_from(ZONES).map(ZoneInfo)
# Half of the instants fall within a few days of a DST change of one of the zones above.
DST_DAYS = [datetime(2026, m, d, 12, tzinfo=UTC) for m, d in [(3, 8), (3, 29), (4, 5), (9, 27), (10, 4), (10, 25), (11, 1)]]
instants = st.one_of(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2032, 12, 31), timezones=st.just(UTC)),
    st.builds(lambda day, seconds: day + timedelta(seconds=seconds), st.sampled_from(DST_DAYS), st.integers(-4 * 86400, 4 * 86400)),
)


@st.composite
def schedules(draw):
    start = draw(st.integers(0, 1439))
    end = draw(st.integers(1, 1440).filter(lambda m: m != start))
    days = draw(st.lists(st.integers(0, 6), min_size=1, max_size=7))
    return Schedule(tuple(days), format_clock(start), format_clock(end), draw(st.booleans()))


schedule_lists = st.lists(schedules(), max_size=4)


@settings(max_examples=300, deadline=None)
@given(schedule_lists, instants, zones, st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=20))
def test_is_active_is_constant_until_next_change_and_flips_there(rows, now, tz, fractions):
    current = is_active(rows, now, tz)
    change = next_change(rows, now, tz)
    limit = change if change is not None else now + LOOKAHEAD
    assert change is None or now < change <= now + LOOKAHEAD
    for fraction in fractions:
        # timedelta products round to microseconds: keep the probe strictly before the change
        probe = min(now + (limit - now) * fraction, limit - timedelta(microseconds=1))
        assert is_active(rows, probe, tz) == current
    if change is not None:
        assert is_active(rows, change - timedelta(microseconds=1), tz) == current
        assert is_active(rows, change, tz) != current


@settings(max_examples=40, deadline=None)
@given(schedule_lists, instants, zones)
def test_next_change_matches_a_minute_by_minute_scan(rows, now, tz):
    """Every boundary and offset change in these zones falls on a whole UTC minute."""
    windows = windows_of(rows)
    current = is_active(windows, now, tz)
    probe = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    expected = None
    while probe <= now + LOOKAHEAD:
        if is_active(windows, probe, tz) != current:
            expected = probe
            break
        probe += timedelta(minutes=1)
    assert next_change(rows, now, tz) == expected


@given(st.integers(0, 6), st.integers(0, 1439), st.integers(0, 1439), st.integers(0, 1439), st.integers(0, 6))
def test_overnight_window_is_the_evening_of_its_day_plus_the_next_morning(day, start, end, minute, weekday):
    if start <= end:
        start, end = max(start, end), min(start, end)
    if start == end:
        return
    overnight = Window(frozenset({day}), start, end)
    evening = Window(frozenset({day}), start, 1440)
    morning = Window(frozenset({(day + 1) % 7}), 0, end) if end else None
    expected = evening.covers(weekday, minute) or bool(morning and morning.covers(weekday, minute))
    assert overnight.covers(weekday, minute) == expected


@given(st.integers(0, 23), st.integers(0, 59))
def test_clock_round_trips_padded_and_unpadded(hour, minute):
    assert normalize_clock(f"{hour}:{minute:02d}") == f"{hour:02d}:{minute:02d}"
    assert parse_clock(format_clock(hour * 60 + minute)) == hour * 60 + minute


@given(st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.none(), st.booleans()))
def test_clock_parsing_raises_only_schedule_errors(value):
    try:
        minutes = parse_clock(value, allow_end_of_day=True)
    except ScheduleError:
        return
    assert 0 <= minutes <= 1440


@given(st.one_of(st.lists(st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=2))), st.text(), st.none()))
def test_day_normalisation_is_idempotent_or_a_schedule_error(value):
    try:
        days = normalize_days(value)
    except ScheduleError:
        return
    assert days == sorted(set(days)) and days and all(0 <= d <= 6 for d in days)
    assert normalize_days(days) == days
