"""The simulated camera as a whole: options, the async ``SimCam``, a thread wrapper and the blocking runner."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from cameras.simcam.auth import Authenticator
from cameras.simcam.clip import ClipParams, ClipSource, ensure_clip, load_clip
from cameras.simcam.clock import ClockSource
from cameras.simcam.media import Mount
from cameras.simcam.onvif import OnvifOptions, OnvifServer
from cameras.simcam.rtsp import RtspServer

SOURCES = ("clock", "clip")


@dataclass(frozen=True)
class MountSpec:
    """One mount: its path and what it shows."""

    path: str
    source: str = "clock"
    width: int = 640
    height: int = 360
    fps: int = 25
    bitrate: int = 800_000
    audio: bool = False
    duration: int = 10  # clip length in seconds (clip source only)

    def __post_init__(self):
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source!r}")
        if not self.path.startswith("/") or self.path.rstrip("/") != self.path or len(self.path) < 2:
            raise ValueError(f"mount path must look like /name, got {self.path!r}")
        if not 1 <= self.fps <= 120 or self.bitrate < 10_000 or not 1 <= self.duration <= 600:
            raise ValueError("fps must be 1..120, bitrate at least 10k, duration 1..600 s")

    def clip_params(self) -> ClipParams:
        return ClipParams(self.width, self.height, self.fps, self.bitrate, self.duration, self.audio)


@dataclass
class SimCamOptions:
    """Everything the simulated camera needs; ``cache_dir`` holds generated clips."""

    mounts: list[MountSpec]
    cache_dir: Path
    host: str = "127.0.0.1"
    port: int = 8554
    user: str | None = None
    password: str | None = None
    udp: bool = True
    onvif: OnvifOptions | None = None  # None: RTSP only

    @classmethod
    def numbered(cls, count: int, cache_dir: Path, source: str = "clock", **kwargs) -> SimCamOptions:
        """``count`` mounts /cam1../camN of one source; other keywords go to MountSpec or to the options."""
        spec_keys = {"width", "height", "fps", "bitrate", "audio", "duration"}
        spec = {k: kwargs.pop(k) for k in list(kwargs) if k in spec_keys}
        mounts = [MountSpec(f"/cam{i}", source, **spec) for i in range(1, count + 1)]
        return cls(mounts=mounts, cache_dir=Path(cache_dir), **kwargs)


class SimCam:
    """The simulated RTSP camera, run inside an asyncio event loop: ``await start()`` … ``await stop()``."""

    def __init__(self, options: SimCamOptions):
        if bool(options.user) != bool(options.password):
            raise ValueError("give both user and password, or neither")
        paths = [spec.path for spec in options.mounts]
        if not paths or len(set(paths)) != len(paths):
            raise ValueError("give at least one mount, each path once")
        self.options = options
        self.server: RtspServer | None = None
        self.onvif: OnvifServer | None = None
        self.mounts: dict[str, Mount] = {}

    async def start(self) -> None:
        """Build every mount (generating clips on first use) and start listening."""
        clips = {}
        for spec in self.options.mounts:
            if spec.source == "clip":
                params = spec.clip_params()
                if params not in clips:
                    path = await asyncio.to_thread(ensure_clip, params, self.options.cache_dir)
                    clips[params] = await asyncio.to_thread(load_clip, path)
                source = ClipSource(clips[params])
            else:
                source = await asyncio.to_thread(ClockSource, spec.width, spec.height, spec.fps, spec.bitrate,
                                                 spec.audio)
            self.mounts[spec.path] = Mount(spec.path, source)
        auth = Authenticator(self.options.user, self.options.password) if self.options.user else None
        self.server = RtspServer(self.mounts, self.options.host, self.options.port, auth, self.options.udp)
        await self.server.start()
        if self.options.onvif is not None:
            self.onvif = OnvifServer(self.options.onvif, self.options.host, self.server.port, self.options.mounts,
                                     self.options.user, self.options.password)
            await self.onvif.start()

    async def stop(self) -> None:
        if self.onvif is not None:
            await self.onvif.stop()
        if self.server is not None:
            await self.server.stop()
        for mount in self.mounts.values():
            await mount.aclose()

    @property
    def port(self) -> int:
        return self.server.port

    def url(self, path: str, credentials: bool = False, masked: bool = False) -> str:
        """The RTSP URL of a mount, optionally with the (possibly masked) credentials in it."""
        auth = ""
        if credentials and self.options.user:
            secret = "***" if masked else quote(self.options.password, safe="")
            auth = f"{quote(self.options.user, safe='')}:{secret}@"
        return f"rtsp://{auth}{self.options.host}:{self.port}{path}"

    @property
    def urls(self) -> list[str]:
        """Every mount's URL, without credentials."""
        return [self.url(path) for path in self.mounts]

    @property
    def onvif_url(self) -> str | None:
        """The ONVIF device-service URL, when the camera serves ONVIF."""
        return self.onvif.device_url if self.onvif is not None else None

    def trigger_motion(self, seconds: float | None = None) -> None:
        """Raise the ONVIF motion alarm now, for ``seconds`` (call on the camera's loop)."""
        if self.onvif is None:
            raise RuntimeError("this camera serves no ONVIF (SimCamOptions.onvif is None)")
        self.onvif.trigger_motion(seconds)


class BackgroundSimCam:
    """A SimCam running on its own event loop in a daemon thread, for synchronous callers (tests, demo)."""

    def __init__(self, options: SimCamOptions):
        self.cam = SimCam(options)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="simcam", daemon=True)

    def start(self, timeout: float = 120) -> BackgroundSimCam:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.cam.start(), self._loop).result(timeout)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.cam.stop(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def call(self, fn: Callable, *args):
        """Run ``fn(*args)`` on the camera's loop and return its result (to inspect server state safely)."""
        async def run():
            return fn(*args)
        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def trigger_motion(self, seconds: float | None = None) -> None:
        """Raise the ONVIF motion alarm now (from any thread)."""
        self.call(self.cam.trigger_motion, seconds)

    def set_onvif_fault(self, fault: str | None) -> None:
        """Make the ONVIF side misbehave ("stall", "malformed") or behave again (None)."""
        self.call(self.cam.onvif.set_fault, fault)

    def __enter__(self) -> BackgroundSimCam:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def run_simcam(options: SimCamOptions, announce: Callable[[str], None] = print) -> int:
    """Run until SIGTERM or SIGINT, announcing ``READY <url>`` (credentials masked) per mount; returns 0.

    With ONVIF, one more line follows the mounts: ``READY onvif <device-service URL>``.
    """
    async def main() -> None:
        cam = SimCam(options)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await cam.start()
        try:
            for path in cam.mounts:
                announce(f"READY {cam.url(path, credentials=True, masked=True)}")
            if cam.onvif_url:
                announce(f"READY onvif {cam.onvif_url}")
            await stop.wait()
        finally:
            await cam.stop()

    asyncio.run(main())
    return 0
