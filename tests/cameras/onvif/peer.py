"""The simulated camera as an ONVIF peer for tests: a real device over HTTP on 127.0.0.1 (no mocks)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from cameras.simcam import BackgroundSimCam, MountSpec, OnvifOptions, SimCamOptions

USER, PASSWORD = "admin", "s3cret-pass"
SMALL = {"width": 320, "height": 180, "bitrate": 300_000}


def onvif_camera(cache_dir: Path, *, credentials: bool = True, mounts: int = 2, **onvif) -> BackgroundSimCam:
    """A running simulated camera with ONVIF on a free port (or ``port=``) and /cam1../camN clock mounts."""
    onvif.setdefault("port", 0)
    specs = [MountSpec(f"/cam{i}", **SMALL) for i in range(1, mounts + 1)]
    auth = {"user": USER, "password": PASSWORD} if credentials else {}
    return BackgroundSimCam(SimCamOptions(mounts=specs, cache_dir=cache_dir, port=0, onvif=OnvifOptions(**onvif),
                                          **auth)).start()


def subscriptions(cam: BackgroundSimCam) -> int:
    """How many PullPoint subscriptions the device holds right now."""
    return cam.call(lambda: len(cam.cam.onvif.events._live()))


def free_port() -> int:
    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(coroutine, timeout: float = 60):
    """Run a coroutine to completion with an overall deadline (a hang fails the test instead of freezing it)."""
    async def bounded():
        return await asyncio.wait_for(coroutine, timeout)
    return asyncio.run(bounded())
