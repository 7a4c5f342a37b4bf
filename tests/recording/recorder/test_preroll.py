"""Pre-roll ring: starts at a keyframe at least N seconds old, drops older GOPs, stays within its memory cap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from recording.recorder.preroll import PrerollRing


def feed(ring, seconds, fps=25, gop_s=1.0, size=1000, audio_every=2):
    """Push `seconds` of a camera into the ring; packets are ("v"|"a", t) tuples."""
    gop = int(fps * gop_s)
    for n in range(int(seconds * fps)):
        t = n / fps
        ring.push_video(("v", t), t, n % gop == 0, size)
        if n % audio_every == 0:
            ring.push_audio(("a", t), 100)


def test_the_ring_starts_at_the_newest_keyframe_at_least_pre_roll_old():
    ring = PrerollRing(3.0)
    feed(ring, 20)  # keyframes every second; newest packet at 19.96 s
    packets = ring.take()
    assert packets[0] == (True, ("v", 16.0))  # 16.0 <= 19.96 - 3 < 17.0
    assert packets[-1][1][1] == 19.96
    assert ring.take() == []  # taking empties it


def test_packets_before_the_first_keyframe_are_useless_and_dropped():
    ring = PrerollRing(3.0)
    ring.push_video(("v", 0.0), 0.0, False, 10)
    ring.push_audio(("a", 0.0), 10)
    assert ring.size_bytes == 0
    ring.push_video(("v", 0.04), 0.04, True, 10)
    assert ring.take() == [(True, ("v", 0.04))]


def test_a_young_ring_gives_everything_it_has():
    ring = PrerollRing(10.0)
    feed(ring, 4)
    packets = ring.take()
    assert packets[0] == (True, ("v", 0.0))


def test_memory_is_capped_by_dropping_whole_gops():
    ring = PrerollRing(30.0, max_bytes=60_000)  # 30 s wanted, but only ~2 GOPs of 25 kB fit
    feed(ring, 20)
    assert ring.size_bytes <= 60_000
    packets = ring.take()
    assert packets[0][0] is True and packets[0][1][1] == 18.0


def test_a_single_gop_over_the_cap_is_dropped_until_the_next_keyframe():
    ring = PrerollRing(3.0, max_bytes=10_000)
    feed(ring, 3, gop_s=100)  # one endless GOP: 75 packets of 1000 bytes
    assert ring.size_bytes <= 10_000
    assert ring.take() == []


@given(pre_roll=st.floats(0.5, 10), gop_s=st.sampled_from([0.4, 1.0, 2.0, 4.0]), seconds=st.floats(0.04, 30))
def test_the_ring_holds_pre_roll_plus_at_most_one_gop(pre_roll, gop_s, seconds):
    ring = PrerollRing(pre_roll)
    feed(ring, seconds, gop_s=gop_s)
    frames = int(seconds * 25)
    last = (frames - 1) / 25
    keyframes = [n / 25 for n in range(0, frames, int(25 * gop_s))]
    assert ring.span_s < pre_roll + 2 * gop_s  # between keyframes, at most one GOP more awaits trimming
    packets = ring.take()
    assert packets[0][0] is True and packets[0][1][1] in keyframes
    first_t = packets[0][1][1]
    span = last - first_t
    if last >= pre_roll:  # the newest keyframe at least pre_roll old, so less than one GOP more
        assert pre_roll <= span + 1e-9 < pre_roll + gop_s + 1e-9
    else:
        assert first_t == 0.0
