"""PyAV reads the camera like the recorder will: clean decodes, counters that advance, a clock that is live."""

import threading
import time

import pytest

from cameras.simcam import MountSpec
from cameras.simcam.clock import clock_text
from tests.cameras.simcam.conftest import SMALL, clip, read_stream

CLIP_FRAMES = 50  # a 2 s clip at 25 fps


def assert_clean(reading):
    assert reading.errors == []
    assert not any(f.corrupt for f in reading.frames)


def assert_counting(frames, modulo=CLIP_FRAMES):
    numbers = [f.code for f in frames]
    assert None not in numbers
    assert all((b - a) % modulo == 1 for a, b in zip(numbers, numbers[1:])), numbers
    assert [f.text for f in frames] == [f"{n:06d}" for n in numbers]


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_clip_decodes_cleanly_and_counts_frames(start_simcam, transport):
    cam = start_simcam(clip())
    reading = read_stream(cam.cam.url("/clip"), 30, transport)
    assert reading.stream_types == ["video"]
    assert_clean(reading)
    assert_counting(reading.frames)


def test_audio_track_is_present_and_decodes(start_simcam):
    cam = start_simcam(clip(audio=True))
    reading = read_stream(cam.cam.url("/clip"), 25)
    assert reading.stream_types == ["video", "audio"]
    assert reading.audio_frames >= 20
    assert_clean(reading)


def test_many_clients_at_once_each_get_a_clean_stream(start_simcam):
    cam = start_simcam(clip(), clip("/clip2"))
    results = {}

    def watch(name, path):
        results[name] = read_stream(cam.cam.url(path), 20)

    threads = [threading.Thread(target=watch, args=(i, "/clip" if i % 2 else "/clip2")) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == list(range(6))
    for reading in results.values():
        assert_clean(reading)
        assert_counting(reading.frames)


@pytest.mark.slow
def test_timestamps_stay_monotonic_across_clip_loops(start_simcam):
    cam = start_simcam(clip(duration=1))
    reading = read_stream(cam.cam.url("/clip"), 70)  # 2.8 loops of a 25-frame clip
    assert_clean(reading)
    assert_counting(reading.frames, modulo=25)
    pts = [f.pts for f in reading.frames if f.pts is not None]
    steps = {b - a for a, b in zip(pts, pts[1:])}
    assert steps == {3600}  # exactly one frame (90 kHz / 25) every time, wraps included
    assert sum(1 for f in reading.frames if f.code == 0) >= 2


def test_live_clock_shows_the_time_it_was_captured(start_simcam):
    cam = start_simcam(MountSpec("/cam1", "clock", **SMALL))
    reading = read_stream(cam.cam.url("/cam1"), 60, pattern="00:00:00.000")
    assert_clean(reading)
    codes = [f.code for f in reading.frames]
    assert None not in codes
    assert all(b - a == 40 for a, b in zip(codes, codes[1:]))  # 25 fps
    assert [f.text for f in reading.frames] == [clock_text(c) for c in codes]
    live = reading.frames[-15:]  # the first ~30 waited in the demuxer while the stream was probed
    lags = [f.received_ms - f.code for f in live]
    assert all(0 <= lag < 500 for lag in lags), lags
    assert abs(live[-1].code - time.time() * 1000) < 1000


def test_live_clock_with_audio(start_simcam):
    cam = start_simcam(MountSpec("/cam1", "clock", audio=True, **SMALL))
    reading = read_stream(cam.cam.url("/cam1"), 25, pattern="00:00:00.000")
    assert reading.stream_types == ["video", "audio"]
    assert reading.audio_frames >= 15
    assert_clean(reading)


def test_clock_mount_encodes_only_while_watched(start_simcam):
    cam = start_simcam(MountSpec("/cam1", "clock", **SMALL))
    mount = cam.cam.mounts["/cam1"]
    assert cam.call(lambda: mount.published) == 0
    read_stream(cam.cam.url("/cam1"), 5, pattern="00:00:00.000")
    published = cam.call(lambda: mount.published)
    assert published > 0
    deadline = time.monotonic() + 3
    while cam.call(lambda: mount.subscribers) and time.monotonic() < deadline:
        time.sleep(0.05)
    settled = cam.call(lambda: mount.published)
    time.sleep(0.5)
    assert cam.call(lambda: mount.published) <= settled + 1
