"""A whole watching stack for browser tests and the latency bench: simulated clock camera, daphne, recorder.

The simulated camera's `clock` source burns each frame's capture time (ms since the epoch) into the
picture as a block time code (`cameras/simcam/overlay.py`), so a page can tell which instant it shows.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cameras.simcam import BackgroundSimCam, MountSpec, SimCamOptions
from tests.peers.live_server import LiveServer
from tests.peers.recorder import Api, recording_system, wait_until

USERNAME = "boss"
PASSWORD = "boss-password-1"
# The smallest segment length the camera API accepts: many segment boundaries in a short run.
SEGMENT_SECONDS = 2


@dataclass
class FootageSystem:
    server: LiveServer
    api: Api
    camera_id: str
    simcam: BackgroundSimCam
    start_recorder: object

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def segments(self) -> list[dict]:
        return self.api.segments(self.camera_id)

    def wait_for_segments(self, count: int, timeout: float = 90) -> list[dict]:
        return wait_until(lambda: len(self.segments()) >= count and self.segments(), timeout, f"{count} segments", interval=1)


@contextmanager
def footage_system(tmp_path: Path, *, start_recorder: bool = True, width: int = 640, height: int = 360, fps: int = 25):
    """Simcam (clock) + web server + one recorder recording camera "Gate" in 2 s segments; user boss/admin."""
    options = SimCamOptions(mounts=[MountSpec("/clock", "clock", width=width, height=height, fps=fps)],
                            cache_dir=tmp_path / "simcam", port=0)
    simcam = BackgroundSimCam(options).start()
    try:
        with recording_system(tmp_path) as (server, api, recorder):
            server.manage("adduser", USERNAME, "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
            camera_id = api.add_camera("Gate", simcam.cam.url("/clock"), segment_seconds=SEGMENT_SECONDS)
            if start_recorder:
                recorder()
            yield FootageSystem(server, api, camera_id, simcam, recorder)
    finally:
        simcam.stop()


def log_in(page, base_url: str, next_path: str = "/") -> None:
    page.goto(f"{base_url}/login/?next={next_path}")
    page.fill("#id_username", USERNAME)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base_url + next_path)


# Page conditions the browser tests wait for (JS predicates).
PHONE = {"width": 375, "height": 812}
LIVE_PLAYING = ("() => document.querySelector('#mode').textContent.includes('LIVE')"
                " && document.querySelector('#video').readyState >= 2")
TIMELINE_LOADED = "() => Number(document.querySelector('#timeline-summary').dataset.ranges) >= 1"


def wait_for(page, expression: str, arg=None, timeout_s: float = 30) -> None:
    page.wait_for_function(expression, arg=arg, timeout=timeout_s * 1000)
