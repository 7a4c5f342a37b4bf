"""NTP steps of the NVR clock while a real pipeline records (the GStreamer camera): no overlap, no segment
named or timed other than its footage; forward a hole the size of the step, back a slew."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import time_machine

from recording.recorder.pipeline import PipelineConfig
from recording.recorder.segments import parse_segment_path, probe_segment_file
from tests.peers.rtsp import gst_camera  # noqa: F401  (fixture)
from tests.recording.recorder.pipelines import running

pytestmark = pytest.mark.slow


def record_with_steps(root: Path, url: str, steps: list[tuple[float, float]], tail_s: float):
    """Record while stepping the clock the recorder reads (`time.time`) by each (after seconds, step seconds)."""
    config = PipelineConfig(camera_id="cam", url=url, recordings_root=root, segment_seconds=2, timeout_s=5.0)
    with time_machine.travel(datetime.now(timezone.utc), tick=True) as clock:
        with running(config) as run:
            for after, step in steps:
                time.sleep(after)
                clock.shift(step)
            time.sleep(tail_s)
    return sorted(run.events.segments, key=lambda s: s.start)


def assert_truthful(root: Path, segments) -> None:
    for segment in segments:
        camera_id, named = parse_segment_path(segment.relpath)
        assert named == segment.start.replace(microsecond=named.microsecond), (segment.relpath, segment.start)
        probed = probe_segment_file(root / segment.relpath, root)
        # the span claimed equals the footage in the file (within a 1 % slew and a frame)
        assert abs((segment.end - segment.start).total_seconds() - probed.duration_s) <= 0.01 * probed.duration_s + 0.05
    for earlier, later in zip(segments, segments[1:]):
        assert later.start >= earlier.end, f"{earlier.relpath} overlaps {later.relpath}"


def test_a_clock_stepped_forward_then_back_while_recording(gst_camera, tmp_path):
    segments = record_with_steps(tmp_path, gst_camera.url("/h264"), [(7.0, 40.0), (7.0, -25.0)], tail_s=7.0)
    assert len(segments) >= 8
    assert_truthful(tmp_path, segments)
    holes = [(b.start - a.end).total_seconds() for a, b in zip(segments, segments[1:])]
    assert any(38 <= hole <= 42 for hole in holes), holes  # the forward step: a hole, not a 42 s segment
    assert all(hole < 3 for hole in holes if not 38 <= hole <= 42), holes
