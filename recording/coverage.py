"""Coverage maths (pure): merge segment intervals into recorded ranges, find the holes of a window, tell gaps apart."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Generic, TypeVar

# Segments this close together are one recording: keyframe cuts and clock jitter leave slivers
# that an operator would not call a gap (reference: merged when the hole is at most 2 s).
MERGE_TOLERANCE = timedelta(seconds=2)

Note = TypeVar("Note")


@dataclass(frozen=True)
class Span:
    """A stretch of time [start, end)."""

    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass
class Coverage:
    """What was recorded inside a window: merged ranges and how many segments touched the window."""

    ranges: list[Span] = field(default_factory=list)
    segment_count: int = 0

    @property
    def recorded_seconds(self) -> float:
        return sum(span.seconds for span in self.ranges)


def merge_sorted(
    intervals: Iterable[tuple[datetime, datetime]],
    lower: datetime,
    upper: datetime,
    tolerance: timedelta = MERGE_TOLERANCE,
) -> Coverage:
    """Merge intervals ordered by start into ranges clipped to [lower, upper].

    Consecutive intervals whose hole is at most `tolerance` become one range; overlaps merge too.
    Streams its input (a database cursor of a month of segments never sits in memory twice).
    """
    result = Coverage()
    current: list[datetime] | None = None  # [start, end] of the range being grown
    previous_start = None
    for start, end in intervals:
        if previous_start is not None and start < previous_start:
            raise ValueError("intervals must be ordered by start")
        previous_start = start
        if not (start < upper and end > lower):
            continue
        result.segment_count += 1
        start, end = max(start, lower), min(end, upper)
        if end <= start:
            continue  # a zero-length segment covers nothing
        if current is not None and start - current[1] <= tolerance:
            current[1] = max(current[1], end)
            continue
        if current is not None:
            result.ranges.append(Span(current[0], current[1]))
        current = [start, end]
    if current is not None:
        result.ranges.append(Span(current[0], current[1]))
    return result


def merge(
    intervals: Iterable[tuple[datetime, datetime]],
    lower: datetime,
    upper: datetime,
    tolerance: timedelta = MERGE_TOLERANCE,
) -> Coverage:
    """`merge_sorted` for intervals in any order."""
    return merge_sorted(sorted(intervals), lower, upper, tolerance)


def find_holes(
    ranges: Sequence[Span], lower: datetime, upper: datetime, minimum: timedelta = MERGE_TOLERANCE
) -> list[Span]:
    """Unrecorded stretches longer than `minimum` in [lower, upper], edges included.

    `ranges` are the sorted, disjoint output of `merge_sorted` for the same window.
    """
    holes = []
    cursor = lower
    for span in ranges:
        if span.start - cursor > minimum:
            holes.append(Span(cursor, span.start))
        cursor = max(cursor, span.end)
    if upper - cursor > minimum:
        holes.append(Span(cursor, upper))
    return holes


@dataclass(frozen=True)
class Annotated(Generic[Note]):
    """A hole with the note (e.g. a persisted gap row) that overlaps it most, if any."""

    span: Span
    note: Note | None


def annotate(holes: Sequence[Span], notes: Sequence[tuple[datetime, datetime, Note]]) -> list[Annotated[Note]]:
    """Pair each hole with the note overlapping it most; `notes` ordered by start.

    Linear for disjoint notes (persisted gaps lie between consecutive segments, so they are).
    """
    result = []
    first = 0
    for hole in holes:
        while first < len(notes) and notes[first][1] <= hole.start:
            first += 1  # ends before this hole, hence before every later hole too
        best, best_overlap = None, timedelta(0)
        index = first
        while index < len(notes) and notes[index][0] < hole.end:
            start, end, note = notes[index]
            overlap = min(end, hole.end) - max(start, hole.start)
            if overlap > best_overlap:
                best, best_overlap = note, overlap
            index += 1
        result.append(Annotated(hole, best))
    return result


@dataclass
class Outline:
    """The unrecorded part of a timeline window, told apart: not recorded yet, real holes, being written now."""

    not_recorded_yet: Span | None
    holes: list[Span]
    in_progress: Span | None


def outline(
    ranges: Sequence[Span],
    lower: datetime,
    upper: datetime,
    began: datetime | None,
    writing: Span | None,
    minimum: timedelta = MERGE_TOLERANCE,
) -> Outline:
    """Split the unrecorded part of [lower, upper] so that only real holes count as gaps.

    `ranges` are the merged indexed ranges of the window. `began` is where the camera's footage begins
    (its first segment): before it nothing was recorded yet, which is no gap; None when the camera has no
    footage, so all of it is "not recorded yet" up to the segment being written, if any. `writing` is when
    the recorder may be writing the segment not indexed yet (None: not recording now): from the end of the
    last range on, that stretch is in progress, not a hole.
    """
    in_progress = None
    if writing is not None:
        start = max(writing.start, lower, ranges[-1].end if ranges else lower)
        end = min(writing.end, upper)
        if end - start > minimum:  # like holes: a sliver is neither
            in_progress = Span(start, end)
    # Footage begins no later than the first range or the segment being written.
    first = upper if began is None else min(began, upper)
    if ranges:
        first = min(first, ranges[0].start)
    if in_progress is not None:
        first = min(first, in_progress.start)
    first = max(first, lower)
    not_recorded_yet = Span(lower, first) if first - lower > minimum else None
    covered = [*ranges, in_progress] if in_progress else ranges
    return Outline(not_recorded_yet, find_holes(covered, first, upper, minimum), in_progress)
