"""Test helpers: a listener that records every pipeline callback, and pipelines run in threads."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from recording.recorder.pipeline import CameraPipeline, PipelineConfig


@dataclass
class Events:
    """Everything a pipeline reported, with the NVR time it was reported at."""

    connected: list = field(default_factory=list)       # (time, StreamInfo)
    segments: list = field(default_factory=list)        # ClosedSegment
    disconnects: list = field(default_factory=list)     # (time, reason, error, ran_seconds)
    stats: list = field(default_factory=list)           # (fps, last_packet_at, bytes_written)
    connecting: int = 0

    def on_connecting(self, camera_id):
        self.connecting += 1

    def on_connected(self, camera_id, info):
        self.connected.append((time.time(), info))

    def on_segment(self, camera_id, segment):
        self.segments.append(segment)

    def on_disconnect(self, camera_id, reason, error, ran_seconds):
        self.disconnects.append((time.time(), reason, error, ran_seconds))

    def on_stats(self, camera_id, fps, last_packet_at, bytes_written):
        self.stats.append((fps, last_packet_at, bytes_written))


@dataclass
class Running:
    """A pipeline running in its own thread."""

    pipeline: CameraPipeline
    events: Events
    thread: threading.Thread
    stopped_at: float | None = None
    stop_took: float | None = None

    def stop(self) -> None:
        self.stopped_at = time.time()
        self.pipeline.stop()
        self.thread.join(timeout=20)
        self.stop_took = time.time() - self.stopped_at
        assert not self.thread.is_alive(), "run() did not return after stop()"


@contextmanager
def running(config: PipelineConfig, recording: bool = True):
    """Run a pipeline for the duration of the block; it is stopped (and joined) on exit."""
    events = Events()
    pipeline = CameraPipeline(config, events, recording=recording)
    thread = threading.Thread(target=pipeline.run, name=f"pipeline-{config.camera_id}", daemon=True)
    handle = Running(pipeline, events, thread)
    thread.start()
    try:
        yield handle
    finally:
        if handle.stopped_at is None:
            handle.stop()
