"""Stream timestamps → NVR wall clock: anchored on arrival, then driven by the stream, slewed at cuts."""

from __future__ import annotations

import math

MAX_SLEW = 0.001        # at most 1 ms of correction per second of media (1000 ppm; cameras drift ~10-100 ppm)
STEP_S = 5.0            # an error this large is a clock step (NTP jump), not drift
BACK_SLEW = 0.01        # a step back is slewed at 1 % (stepping back would overlap what is already written)
FREE_WINDOW_S = 10.0    # while nothing is being written, re-estimate the offset over windows this long


def next_boundary(start_wall: float, segment_seconds: int) -> float:
    """The first multiple of `segment_seconds` (or UTC midnight, if sooner) strictly after `start_wall`."""
    by_length = (math.floor(start_wall / segment_seconds) + 1) * segment_seconds
    midnight = (math.floor(start_wall / 86400) + 1) * 86400
    return min(by_length, midnight)


class ClockMapper:
    """wall = stream time + offset, with the offset estimated from the least-delayed packet arrivals.

    Arrival time = capture time + network/buffer delay (never negative), so the smallest observed
    `arrival - stream time` is the best offset estimate: packets buffered while the connection was
    being probed arrive late and are ignored by the minimum. While `free` (nothing written yet depends
    on the mapping) the offset follows that minimum; once a segment boundary has been published, the
    offset only moves at cuts, by at most MAX_SLEW per second of media, so consecutive segments abut
    and a camera's drift is absorbed without holes or overlaps.
    """

    def __init__(self, max_slew: float = MAX_SLEW, step_s: float = STEP_S):
        self.max_slew = max_slew
        self.step_s = step_s
        self.offset = 0.0
        self.anchored = False
        self.free = True
        self._min_err = math.inf
        self._last_cut = 0.0
        self._window_start = 0.0

    def anchor(self, media_t: float, now: float) -> None:
        """Start a fresh mapping (run start, or after a timestamp discontinuity)."""
        self.offset = now - media_t
        self.anchored = True
        self.free = True
        self._min_err = math.inf
        self._last_cut = self._window_start = media_t

    def observe(self, media_t: float, now: float) -> None:
        """Record one packet's arrival (called for every video packet)."""
        err = now - media_t - self.offset
        if err < self._min_err:
            if self.free and err < 0:
                self.offset += err
                err = 0.0
            self._min_err = err

    def wall(self, media_t: float) -> float:
        """Wall-clock seconds since the epoch of a stream time."""
        return media_t + self.offset

    def refresh(self, media_t: float) -> None:
        """While free, adopt the last window's estimate (both directions) once per FREE_WINDOW_S of media."""
        if self.free and media_t - self._window_start >= FREE_WINDOW_S:
            if self._min_err != math.inf:
                self.offset += self._min_err
            self._min_err = math.inf
            self._window_start = media_t

    def cut(self, media_t: float, not_before: float = -math.inf) -> tuple[float, float]:
        """(end of the closing segment, start of the next) at a boundary at `media_t`; the mapping is then fixed.

        Usually one instant, after a bounded correction (a slew never moves it before `not_before`, the cut
        target it crossed, so a segment cut at 10:15:00 is never named 10:14:59). When the NVR clock stepped
        forward (NTP), the closing segment keeps the timing it was written with and the next one starts at
        the new time: the step shows as a hole, never as a stretched segment. A step back is slewed at
        BACK_SLEW instead (stepping back would place new footage over footage already written), and may then
        name a segment a fraction of a second before the boundary it was cut at.
        """
        err = 0.0 if self._min_err == math.inf else self._min_err
        since = max(0.0, media_t - self._last_cut)
        before = self.wall(media_t)
        if self.free:
            step = err
        elif err > self.step_s:
            step = err
        elif err < -self.step_s:  # converging matters more than a name on the second here
            step = max(err, -BACK_SLEW * since)
        else:
            step = min(max(err, -self.max_slew * since, not_before - before), self.max_slew * since)
        self.offset += step
        self._min_err = math.inf
        self._last_cut = self._window_start = media_t
        forward_step = not self.free and err > self.step_s
        self.free = False
        return (before if forward_step else media_t + self.offset), media_t + self.offset

    def release(self) -> None:
        """Nothing written depends on the mapping any more (segment closed without a cut)."""
        self.free = True


class SegmentClock:
    """Wall-clock spans (epoch ms) of one run's segments: the cut rule, and ends that equal the next starts."""

    def __init__(self, mapper: ClockMapper, segment_seconds: int):
        self.mapper = mapper
        self.segment_seconds = segment_seconds
        self.start_media: float | None = None
        self.start_ms: int | None = None  # fixed once the previous segment of the mapping was cut
        self.boundary = math.inf

    @property
    def is_open(self) -> bool:
        return self.start_media is not None

    def current_start_ms(self) -> int:
        """The open segment's start: fixed after a cut, else the mapping's current estimate."""
        if self.start_ms is not None:
            return self.start_ms
        return round(self.mapper.wall(self.start_media) * 1000)

    def open(self, media_t: float, start_ms: int | None = None) -> None:
        """A segment starts at this keyframe; its cut target is fixed now (a later re-estimate of a free
        mapping's offset must not move the target and cause a stray short segment)."""
        self.start_media, self.start_ms = media_t, start_ms
        self.boundary = next_boundary(self.current_start_ms() / 1000, self.segment_seconds)

    def cut_due(self, key_media_t: float) -> bool:
        """True for the first keyframe on or after the next `segment_seconds` boundary (or UTC midnight)."""
        return self.mapper.wall(key_media_t) >= self.boundary

    def cut(self, key_media_t: float) -> tuple[int, int, int]:
        """Close the open segment at this keyframe and open the next one there.

        (start_ms, end_ms) of the closed segment and the next one's start: equal to end_ms (segments abut)
        except after a forward clock step.
        """
        crossed = self.boundary
        end_wall, next_wall = self.mapper.cut(key_media_t, not_before=crossed)
        end_ms, next_ms = round(end_wall * 1000), round(next_wall * 1000)
        span = (self.current_start_ms(), end_ms, next_ms)
        self.open(key_media_t, next_ms)
        self.boundary = next_boundary(max(next_ms / 1000, crossed), self.segment_seconds)
        return span

    def close(self, end_media_t: float) -> tuple[int, int]:
        """Close without a cut (stop, disconnect, recording off, jump): (start_ms, end_ms)."""
        span = (self.current_start_ms(), round(self.mapper.wall(end_media_t) * 1000))
        self.start_media = self.start_ms = None
        self.mapper.release()
        return span
