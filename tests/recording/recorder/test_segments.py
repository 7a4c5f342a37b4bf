"""Segment names and day folders: the 1 s form, the ms form on collision, parsing never raises."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from recording.recorder.segments import free_relpath, parse_segment_path, segment_relpath

UTC = timezone.utc
camera_ids = st.from_regex(r"[a-z0-9][a-z0-9_-]{0,20}", fullmatch=True)
instants = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2200, 1, 1),
                        timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))


def test_a_segment_lives_in_its_cameras_utc_day_folder():
    start = datetime(2026, 11, 24, 10, 15, 0, 250000, tzinfo=UTC)
    assert segment_relpath("cam1", start) == "cam1/2026/11/24/20261124T101500Z.mp4"
    assert segment_relpath("cam1", start, with_ms=True) == "cam1/2026/11/24/20261124T101500.250Z.mp4"


def test_local_times_are_named_in_utc():
    paris = timezone(timedelta(hours=1))
    start = datetime(2026, 11, 25, 0, 30, tzinfo=paris)
    assert segment_relpath("cam1", start) == "cam1/2026/11/24/20261124T233000Z.mp4"


@given(camera_ids, instants)
def test_names_round_trip_in_both_forms(camera_id, start):
    assert parse_segment_path(segment_relpath(camera_id, start)) == (camera_id, start.replace(microsecond=0))
    assert parse_segment_path(segment_relpath(camera_id, start, with_ms=True)) == (camera_id, start)
    assert parse_segment_path(segment_relpath(camera_id, start) + ".part") == (camera_id, start.replace(microsecond=0))


@given(st.text())
def test_parsing_anything_else_returns_none_and_never_raises(text):
    result = parse_segment_path(text)
    assert result is None or segment_relpath(*result, with_ms=True).split("/")[:4] == text.split("/")[:4]


def test_parsing_rejects_wrong_folders_bad_dates_and_other_files():
    assert parse_segment_path("cam1/2026/11/25/20261124T101500Z.mp4") is None   # folder is another day
    assert parse_segment_path("cam1/2026/02/30/20260230T101500Z.mp4") is None   # no such date
    assert parse_segment_path("cam1/2026/11/24/20261124T101500Z.jpg") is None
    assert parse_segment_path("cam1/2026/11/24/20261124T101500.25Z.mp4") is None
    assert parse_segment_path("/cam1/2026/11/24/20261124T101500Z.mp4") is None
    assert parse_segment_path(None) is None


def test_a_taken_second_gives_the_millisecond_name(tmp_path):
    first = datetime(2026, 11, 24, 10, 15, 0, 100000, tzinfo=UTC)
    second = first + timedelta(milliseconds=700)
    assert free_relpath(tmp_path, "cam1", first) == "cam1/2026/11/24/20261124T101500Z.mp4"
    taken = tmp_path / "cam1/2026/11/24/20261124T101500Z.mp4.part"  # still being written counts as taken
    taken.parent.mkdir(parents=True)
    taken.touch()
    assert free_relpath(tmp_path, "cam1", second) == "cam1/2026/11/24/20261124T101500.800Z.mp4"
    assert free_relpath(tmp_path, "cam1", first, mine=taken) == "cam1/2026/11/24/20261124T101500Z.mp4"
    (tmp_path / "cam1/2026/11/24/20261124T101500.800Z.mp4").touch()
    assert free_relpath(tmp_path, "cam1", second) == "cam1/2026/11/24/20261124T101500.801Z.mp4"
