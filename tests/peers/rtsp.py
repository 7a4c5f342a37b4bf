"""Real RTSP cameras for tests (gst-rtsp-server via Debian's python3) and an end-to-end decode check of segments."""

from __future__ import annotations

import functools
import os
import select
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import av
import pytest

SYSTEM_PYTHON = "/usr/bin/python3"
CAMERA_SCRIPT = Path(__file__).with_name("gst_rtsp_camera.py")
USER, PASSWORD = "admin", "secret"
READY_TIMEOUT_S = 15.0


@functools.lru_cache(maxsize=1)
def gstreamer_problem() -> str | None:
    """Why the GStreamer RTSP server cannot run here, or None when it can."""
    probe = ("import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstRtspServer', '1.0'); "
             "from gi.repository import Gst, GstRtspServer; Gst.init(None); "
             "missing = [e for e in ('x264enc', 'x265enc', 'avenc_aac', 'mulawenc', 'clockoverlay') "
             "if Gst.ElementFactory.find(e) is None]; print(' '.join(missing))")
    try:
        done = subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SYSTEM_PYTHON} cannot run: {exc}"
    if done.returncode != 0:
        return f"GStreamer RTSP server unavailable: {done.stderr.strip().splitlines()[-1:]}"
    if done.stdout.strip():
        return f"GStreamer elements missing: {done.stdout.strip()}"
    return None


def require_gstreamer() -> None:
    """Skip when the GStreamer RTSP server is missing, except in CI where every such test must run."""
    problem = gstreamer_problem()
    if problem is None:
        return
    if os.environ.get("CI"):
        pytest.fail(problem + " (CI requires it: see scripts/debian-packages-dev.txt)")
    pytest.skip(problem)


def free_ports(count: int) -> list[int]:
    """`count` distinct free TCP ports on 127.0.0.1 (held together while choosing, so they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class GstCamera:
    """A fake camera process: open mounts on `port`, the Digest-protected /h264 on `secure_port`."""

    def __init__(self, size: str = "320x240", kbps: int = 400, file: Path | None = None):
        self.size, self.kbps, self.file = size, kbps, file
        self.port: int | None = None
        self.secure_port: int | None = None
        self.process: subprocess.Popen | None = None
        self.mounts: list[str] = []
        self._stderr = None

    def start(self) -> "GstCamera":
        """Start serving; a restarted camera keeps its ports (for reconnect tests)."""
        if self.port is None:
            self.port, self.secure_port = free_ports(2)
        env = {**os.environ, "FAKE_CAM_FILE": str(self.file)} if self.file else None
        # stderr goes to a file: GStreamer warnings must never fill a pipe nobody reads and stall the camera
        self._stderr = tempfile.TemporaryFile("w+")
        self.process = subprocess.Popen(
            [SYSTEM_PYTHON, str(CAMERA_SCRIPT), str(self.port), str(self.secure_port), self.size, str(self.kbps)],
            stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env,
        )
        line = self._read_line(READY_TIMEOUT_S)
        if not line.startswith("READY"):
            self._stderr.seek(0)
            error = self._stderr.read()[-2000:]
            self.stop()
            raise RuntimeError(f"fake camera did not start: {line!r} {error}")
        self.mounts = line.rsplit("mounts=", 1)[-1].strip().split(",")
        return self

    def _read_line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return self.process.stdout.readline() if ready else ""

    def url(self, mount: str = "/h264") -> str:
        return f"rtsp://127.0.0.1:{self.port}{mount}"

    def auth_url(self, user: str = USER, password: str = PASSWORD, mount: str = "/h264") -> str:
        return f"rtsp://{user}:{password}@127.0.0.1:{self.secure_port}{mount}"

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (or SIGKILL) the server and wait for it; idempotent."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> "GstCamera":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture
def gst_camera():
    """A running fake camera (320x240, 25 fps, IDR every second), stopped after the test."""
    require_gstreamer()
    camera = GstCamera().start()
    yield camera
    camera.stop()


def decode_check(path: Path) -> tuple[int, int]:
    """Decode every packet of a media file with PyAV: (video frames decoded, decode errors incl. FFmpeg error logs)."""
    errors = 0
    frames = 0
    previous = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture(local=True) as logs, av.open(str(path)) as container:
            for stream in container.streams:
                stream.codec_context.thread_count = 1  # keep FFmpeg's logs on this thread for the capture
            for packet in container.demux():
                try:
                    decoded = packet.decode()
                except av.FFmpegError:
                    errors += 1
                    continue
                if packet.stream.type == "video":
                    frames += len(decoded)
        errors += sum(1 for level, _name, _message in logs if level <= av.logging.ERROR)
    finally:
        av.logging.set_level(previous)
    return frames, errors


def wait_for(predicate, timeout: float, interval: float = 0.1) -> bool:
    """Poll `predicate` until it is true or `timeout` seconds pass (for real-time peers, not for sleeping)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
