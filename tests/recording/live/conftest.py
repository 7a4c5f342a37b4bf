"""Live view fixtures: the project's simulated camera (clock source) on a free port, the GStreamer camera."""

from __future__ import annotations

from pathlib import Path

import pytest

from cameras.simcam import BackgroundSimCam, SimCamOptions
from tests.peers.live_server import free_port
from tests.peers.rtsp import gst_camera  # noqa: F401  (fixture: the GStreamer camera, for H.265)


class ClockCamera:
    """The simulated camera's /cam1 showing the wall clock (640x360, 25 fps, time code burnt in)."""

    def __init__(self, cache_dir: Path, port: int | None = None):
        self.port = port or free_port()
        self.options = SimCamOptions.numbered(1, cache_dir, source="clock", port=self.port)
        self.running: BackgroundSimCam | None = None

    def start(self) -> "ClockCamera":
        self.running = BackgroundSimCam(self.options).start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent); start() again serves on the same port."""
        running, self.running = self.running, None
        if running is not None:
            running.stop()

    @property
    def url(self) -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam1"

    def rtsp_sessions(self) -> int:
        """How many RTSP sessions the camera is serving right now."""
        return self.running.call(lambda: self.running.cam.server.session_count)


@pytest.fixture
def simcam(tmp_path):
    camera = ClockCamera(tmp_path / "simcam").start()
    try:
        yield camera
    finally:
        camera.stop()
