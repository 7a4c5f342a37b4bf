"""Coverage maths without a database: merging segments into ranges, holes of a window, annotation, outline."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recording.coverage import MERGE_TOLERANCE, Span, annotate, find_holes, merge, merge_sorted, outline

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def spans(pairs):
    return [Span(at(a), at(b)) for a, b in pairs]


# --- examples --------------------------------------------------------------------------------------

def test_segments_with_holes_up_to_two_seconds_merge_into_one_range():
    coverage = merge([(at(0), at(60)), (at(62), at(120)), (at(120), at(180))], at(0), at(180))
    assert coverage.ranges == spans([(0, 180)])
    assert coverage.recorded_seconds == 180 and coverage.segment_count == 3


def test_a_hole_longer_than_two_seconds_splits_the_ranges():
    coverage = merge([(at(0), at(60)), (at(62.5), at(120))], at(0), at(120))
    assert coverage.ranges == spans([(0, 60), (62.5, 120)])
    assert find_holes(coverage.ranges, at(0), at(120)) == spans([(60, 62.5)])


def test_ranges_are_clipped_to_the_window_and_outsiders_ignored():
    coverage = merge([(at(-100), at(-50)), (at(-30), at(30)), (at(90), at(200)), (at(300), at(360))], at(0), at(120))
    assert coverage.ranges == spans([(0, 30), (90, 120)])
    assert coverage.segment_count == 2


def test_overlapping_and_contained_segments_merge():
    coverage = merge([(at(0), at(100)), (at(10), at(20)), (at(50), at(150))], at(0), at(200))
    assert coverage.ranges == spans([(0, 150)])


def test_zero_length_segment_is_counted_but_covers_nothing():
    coverage = merge([(at(10), at(10))], at(0), at(60))
    assert coverage.ranges == [] and coverage.segment_count == 1


def test_holes_include_the_leading_and_trailing_edges():
    ranges = spans([(10, 20), (40, 50)])
    assert find_holes(ranges, at(0), at(60)) == spans([(0, 10), (20, 40), (50, 60)])


def test_edge_slivers_of_two_seconds_or_less_are_not_holes():
    assert find_holes(spans([(2, 58)]), at(0), at(60)) == []


def test_an_empty_window_is_one_hole():
    assert find_holes([], at(0), at(60)) == spans([(0, 60)])
    assert find_holes([], at(0), at(0)) == []


def test_unordered_input_to_merge_sorted_is_refused():
    with pytest.raises(ValueError):
        merge_sorted([(at(60), at(120)), (at(0), at(60))], at(0), at(120))


def test_annotation_picks_the_note_with_the_largest_overlap():
    holes = spans([(10, 20), (30, 60), (100, 110)])
    notes = [(at(5), at(12), "a"), (at(12), at(20), "b"), (at(30), at(40), "c"), (at(40), at(60), "d")]
    assert [a.note for a in annotate(holes, notes)] == ["b", "d", None]


# --- outline: not recorded yet, gaps, in progress -----------------------------------------------------

def test_before_the_first_footage_is_not_recorded_yet_not_a_gap():
    parts = outline(spans([(100, 160), (200, 260)]), at(0), at(300), began=at(100), writing=None)
    assert parts.not_recorded_yet == Span(at(0), at(100))
    assert parts.holes == spans([(160, 200), (260, 300)]) and parts.in_progress is None


def test_the_unindexed_tail_of_a_recording_camera_is_in_progress():
    parts = outline(spans([(100, 290)]), at(0), at(300), began=at(100), writing=Span(at(200), at(300)))
    assert parts.in_progress == Span(at(290), at(300)) and parts.holes == []


def test_a_live_edge_of_two_seconds_or_less_is_nothing_to_tell():
    parts = outline(spans([(0, 298)]), at(0), at(300), began=at(0), writing=Span(at(250), at(300)))
    assert (parts.not_recorded_yet, parts.holes, parts.in_progress) == (None, [], None)


def test_in_progress_reaches_back_only_to_when_the_segment_can_have_begun():
    parts = outline(spans([(0, 100)]), at(0), at(300), began=at(0), writing=Span(at(240), at(300)))
    assert parts.in_progress == Span(at(240), at(300)) and parts.holes == spans([(100, 240)])
    assert parts.not_recorded_yet is None


def test_without_footage_all_is_not_recorded_yet_up_to_the_segment_being_written():
    assert outline([], at(0), at(300), began=None, writing=None) == outline([], at(0), at(300), began=at(400), writing=None)
    parts = outline([], at(0), at(300), began=None, writing=Span(at(250), at(310)))
    assert parts.not_recorded_yet == Span(at(0), at(250)) and parts.holes == [] and parts.in_progress == Span(at(250), at(300))


def test_a_failing_camera_without_footage_has_one_gap_since_it_began():
    parts = outline([], at(0), at(300), began=at(120), writing=None)
    assert parts.not_recorded_yet == Span(at(0), at(120)) and parts.holes == spans([(120, 300)])


def test_slivers_before_the_first_footage_are_neither_gaps_nor_not_recorded_yet():
    parts = outline(spans([(2, 300)]), at(0), at(300), began=at(2), writing=None)
    assert parts == outline(spans([(2, 300)]), at(0), at(300), began=at(-50), writing=None)
    assert parts.not_recorded_yet is None and parts.holes == [] and parts.in_progress is None


# --- properties ------------------------------------------------------------------------------------

offsets = st.floats(min_value=-200, max_value=1200, allow_nan=False).map(lambda s: round(s, 3))
intervals = st.lists(
    st.tuples(offsets, st.floats(min_value=0, max_value=300, allow_nan=False)).map(lambda p: (at(p[0]), at(p[0] + p[1]))),
    max_size=40,
)
windows = st.tuples(st.floats(min_value=0, max_value=500), st.floats(min_value=0, max_value=600)).map(
    lambda p: (at(p[0]), at(p[0] + p[1]))
)


@given(intervals, windows)
def test_ranges_are_sorted_disjoint_inside_the_window_and_separated_by_real_holes(segments, window):
    lower, upper = window
    ranges = merge(segments, lower, upper).ranges
    for span in ranges:
        assert lower <= span.start < span.end <= upper
    for left, right in zip(ranges, ranges[1:]):
        assert right.start - left.end > MERGE_TOLERANCE


@given(intervals, windows)
def test_recorded_seconds_never_exceed_the_window(segments, window):
    lower, upper = window
    assert merge(segments, lower, upper).recorded_seconds <= (upper - lower).total_seconds()


@given(intervals, windows)
def test_every_recorded_moment_is_inside_a_range(segments, window):
    lower, upper = window
    ranges = merge(segments, lower, upper).ranges
    for start, end in segments:
        start, end = max(start, lower), min(end, upper)
        if start < end:
            assert any(span.start <= start and end <= span.end for span in ranges)


@given(intervals, windows)
def test_holes_and_ranges_tile_the_window_up_to_edge_slivers(segments, window):
    lower, upper = window
    ranges = merge(segments, lower, upper).ranges
    holes = find_holes(ranges, lower, upper)
    pieces = sorted(ranges + holes, key=lambda span: span.start)
    assert all(hole.end - hole.start > MERGE_TOLERANCE for hole in holes)
    for left, right in zip(pieces, pieces[1:]):
        assert left.end == right.start  # no overlap, nothing missing in between
    if pieces:
        assert pieces[0].start - lower <= MERGE_TOLERANCE and upper - pieces[-1].end <= MERGE_TOLERANCE
    else:
        assert upper - lower <= MERGE_TOLERANCE
    covered = sum(span.seconds for span in pieces)
    assert covered == pytest.approx((upper - lower).total_seconds(), abs=2 * MERGE_TOLERANCE.total_seconds() + 1e-6)


@given(intervals, windows)
def test_no_hole_overlaps_a_segment(segments, window):
    lower, upper = window
    holes = find_holes(merge(segments, lower, upper).ranges, lower, upper)
    for hole in holes:
        for start, end in segments:
            assert not (start < hole.end and end > hole.start and end > start)


@given(intervals, windows)
def test_input_order_does_not_matter(segments, window):
    lower, upper = window
    assert merge(segments, lower, upper) == merge(list(reversed(segments)), lower, upper)


@given(intervals, windows, st.lists(st.tuples(offsets, st.floats(min_value=0.5, max_value=100)), max_size=20))
def test_an_annotated_hole_overlaps_its_note(segments, window, raw_notes):
    lower, upper = window
    holes = find_holes(merge(segments, lower, upper).ranges, lower, upper)
    notes = sorted((at(a), at(a + length), index) for index, (a, length) in enumerate(raw_notes))
    annotated = annotate(holes, notes)
    assert [a.span for a in annotated] == holes
    by_index = {index: (start, end) for start, end, index in notes}
    for item in annotated:
        overlapping = [n for n in notes if n[0] < item.span.end and n[1] > item.span.start]
        if item.note is None:
            assert not overlapping
        else:
            start, end = by_index[item.note]
            assert start < item.span.end and end > item.span.start


moments = offsets.map(at)


@given(intervals, windows, st.none() | moments, st.none() | st.tuples(moments, moments).map(lambda p: Span(min(p), max(p))))
def test_outline_tiles_the_window_with_ranges_up_to_edge_slivers(segments, window, began, writing):
    lower, upper = window
    ranges = merge(segments, lower, upper).ranges
    parts = outline(ranges, lower, upper, began, writing)
    pieces = sorted(ranges + parts.holes + [p for p in (parts.not_recorded_yet, parts.in_progress) if p], key=lambda s: s.start)
    for left, right in zip(pieces, pieces[1:]):
        assert left.end <= right.start and right.start - left.end <= MERGE_TOLERANCE  # no overlap, no hole left out
    if pieces:
        assert pieces[0].start - lower <= MERGE_TOLERANCE and upper - pieces[-1].end <= MERGE_TOLERANCE
    if parts.not_recorded_yet:
        assert parts.not_recorded_yet.start == lower and not any(r.start < parts.not_recorded_yet.end for r in ranges)
    if parts.in_progress:
        assert parts.in_progress.end <= upper and all(r.end <= parts.in_progress.start for r in ranges)
        assert writing is not None and parts.in_progress.start >= writing.start
    assert all(hole.seconds > MERGE_TOLERANCE.total_seconds() for hole in parts.holes)
    plain = find_holes(ranges, lower, upper)
    assert all(any(p.start <= hole.start and hole.end <= p.end for p in plain) for hole in parts.holes)  # never invented
