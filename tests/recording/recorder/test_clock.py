"""The clock mapping: the cut rule, segments of a run abut, the slew is bounded, a day's drift is absorbed."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from recording.recorder.clock import MAX_SLEW, ClockMapper, SegmentClock, next_boundary

DAY = 86400
T0 = 1_800_000_000.0   # true (NVR) time of the camera's first frame
MEDIA0 = 1000.0        # the camera's stream time of its first frame


def test_boundary_is_the_next_multiple_strictly_after_the_start():
    assert next_boundary(1000.0, 60) == 1020.0
    assert next_boundary(1020.0, 60) == 1080.0
    assert next_boundary(1019.999, 60) == 1020.0


def test_boundary_never_crosses_utc_midnight():
    # 7 s does not divide a day: the segment before midnight is cut short there
    assert next_boundary(DAY - 3.0, 7) == DAY
    assert next_boundary(DAY + 1.0, 7) == 86408.0  # multiples of 7 s since the epoch


def camera(seconds, fps=5, gop=5, ppm=0.0, jitter=0.05, seed=0, burst=0.0):
    """(stream time, arrival, keyframe) of a camera whose clock runs `ppm` fast; network delay 1 ms + U(0, jitter)."""
    rng = random.Random(seed)
    for n in range(int(seconds * fps)):
        true_t = n / fps
        media_t = MEDIA0 + true_t * (1 + ppm * 1e-6)
        arrival = max(T0 + true_t + 0.001 + rng.random() * jitter, T0 + burst)  # burst: early frames arrive together
        yield media_t, arrival, n % gop == 0


def simulate(packets, segment_seconds=10):
    """Drive a SegmentClock as the pipeline does; (start_ms, end_ms, media seconds, first stream time) per cut."""
    mapper = ClockMapper()
    clock = SegmentClock(mapper, segment_seconds)
    spans = []
    for media_t, arrival, keyframe in packets:
        if not mapper.anchored:
            mapper.anchor(media_t, arrival)
        mapper.observe(media_t, arrival)
        if keyframe and not clock.is_open:
            clock.open(media_t)
        elif keyframe and clock.cut_due(media_t):
            start_media = clock.start_media
            start_ms, end_ms, _ = clock.cut(media_t)
            spans.append((start_ms, end_ms, media_t - start_media, start_media))
    return spans


@given(seconds=st.integers(30, 400), segment=st.sampled_from([2, 5, 10, 60]), ppm=st.floats(-300, 300),
       jitter=st.floats(0, 0.3), seed=st.integers(0, 1000))
def test_segments_of_a_run_abut_and_start_on_the_first_keyframe_after_a_boundary(seconds, segment, ppm, jitter, seed):
    spans = simulate(camera(seconds, ppm=ppm, jitter=jitter, seed=seed), segment)
    for (_, end, _, _), (next_start, _, _, _) in zip(spans, spans[1:]):
        assert end == next_start
    for start, end, _, _ in spans[1:]:
        assert end > start
        assert 0 <= start % (segment * 1000) < 1100  # on/after the boundary; keyframes come every second


@given(seconds=st.integers(60, 600), ppm=st.floats(-500, 500), jitter=st.floats(0, 0.5), seed=st.integers(0, 99))
def test_the_correction_at_each_cut_is_at_most_1_ms_per_second_of_media(seconds, ppm, jitter, seed):
    spans = simulate(camera(seconds, ppm=ppm, jitter=jitter, seed=seed), 10)
    for start, end, media, _ in spans[1:]:  # the run's first segment is placed freely: nothing published yet
        assert abs((end - start) / 1000 - media) <= MAX_SLEW * media + 0.0011  # + rounding to whole ms


def test_a_day_with_a_camera_clock_100_ppm_fast_does_not_drift():
    spans = simulate(camera(DAY, fps=1, gop=1, ppm=100, jitter=0.08, seed=7), 60)
    assert len(spans) >= 1439
    # The camera's clock gained 8.64 s over the day, yet every segment still starts within 0.1 s of
    # the NVR time its first frame was sent, and segments of the run abut.
    for start_ms, _, _, start_media in spans:
        sent = T0 + (start_media - MEDIA0) / (1 + 100e-6)
        assert abs(start_ms / 1000 - sent) < 0.1
    for (_, end, _, _), (next_start, _, _, _) in zip(spans, spans[1:]):
        assert end == next_start


def test_packets_buffered_while_connecting_do_not_delay_the_first_start():
    # the first second of frames arrives in one burst 1 s late (read during stream probing)
    spans = simulate(camera(60, burst=1.0, jitter=0.01), 10)
    assert abs(spans[0][0] / 1000 - T0) < 0.02


def test_a_clock_step_beyond_five_seconds_is_taken_at_once():
    mapper = ClockMapper()
    mapper.anchor(0.0, 100.0)
    mapper.cut(10.0)  # a boundary was published: the mapping now only slews
    mapper.observe(20.0, 130.0)  # the NVR clock jumped 10 s ahead (NTP step)
    # the closing segment keeps its own timing; the next one starts at the new time
    assert mapper.cut(20.0) == (120.0, 130.0)


def test_while_free_the_offset_follows_the_camera_both_ways():
    mapper = ClockMapper()
    mapper.anchor(0.0, 100.5)        # first packet arrived 0.5 s late
    mapper.observe(1.0, 101.0)       # the next one on time: the estimate moves back at once
    assert mapper.wall(1.0) == 101.0
    for t in range(2, 25):           # then the NVR clock runs 0.2 s ahead: adopted per 10 s window
        mapper.observe(float(t), 100.2 + t)
        mapper.refresh(float(t))
    assert abs(mapper.wall(24.0) - 124.2) < 1e-9


def stepped(seconds, step_at, step, fps=25, gop=25):
    """A camera whose NVR clock is stepped by `step` seconds (NTP) at `step_at` seconds into the run."""
    for n in range(int(seconds * fps)):
        true_t = n / fps
        yield MEDIA0 + true_t, T0 + true_t + 0.002 + (step if true_t >= step_at else 0.0), n % gop == 0


def names_and_spans_agree(spans, segment):
    for start, end, media, _ in spans:
        assert end > start
        assert abs((end - start) / 1000 - media) <= max(media * 0.01, 0.0011)  # no stretched or squashed segment


def test_a_clock_stepped_forward_leaves_a_hole_not_a_stretched_segment():
    spans = simulate(stepped(120, 45.5, 60.0), 10)
    names_and_spans_agree(spans, 10)
    holes = [(b[0] - a[1]) / 1000 for a, b in zip(spans, spans[1:])]
    assert [round(h) for h in holes if h] == [60]  # one hole, the size of the step, and no overlap anywhere
    assert all(h >= 0 for h in holes)
    for start, _, _, _ in spans[1:]:
        assert 0 <= start % 10_000 < 1100  # still cut on the 10 s boundaries of the new time


def test_a_clock_stepped_back_never_overlaps_and_converges_by_slewing():
    spans = simulate(stepped(600, 45.5, -30.0), 10)
    names_and_spans_agree(spans, 10)
    for (_, end, _, _), (next_start, _, _, _) in zip(spans, spans[1:]):
        assert end == next_start  # segments keep abutting: nothing is written over earlier footage
    # slewed back at 1 %: about 5.5 s of the 30 s corrected in the 555 s after the step
    last_start, _, _, last_media = spans[-1]
    true_wall = T0 + (last_media - MEDIA0) - 30.0
    assert 20.0 < last_start / 1000 - true_wall < 27.0
