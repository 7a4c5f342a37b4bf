"""Reconnect backoff: 1 s doubling, and stop() ends the wait at once (a closed port refuses instantly)."""

from __future__ import annotations

import time

from recording.recorder.pipeline import PipelineConfig
from tests.peers.rtsp import free_ports, wait_for
from tests.recording.recorder.pipelines import running


def test_retries_back_off_1_then_2_seconds_and_stop_ends_the_wait_at_once(tmp_path):
    (port,) = free_ports(1)  # nothing listens there
    config = PipelineConfig(camera_id="cam", url=f"rtsp://user:pw@127.0.0.1:{port}/x", recordings_root=tmp_path)
    with running(config) as run:
        assert wait_for(lambda: len(run.events.disconnects) == 3, 6)
        time.sleep(0.5)  # now inside the 4 s wait
        run.stop()
    times = [d[0] for d in run.events.disconnects]
    assert 0.9 < times[1] - times[0] < 1.5
    assert 1.9 < times[2] - times[1] < 2.5
    assert run.stop_took < 0.5
    assert run.events.connecting == 3 and run.events.connected == [] and run.events.segments == []
    assert all(d[1] == "camera_offline" and "pw" not in d[2] and d[3] == 0.0 for d in run.events.disconnects)
