"""Camera pipeline: connect over RTSP, demux, gate (recording / pre-roll), write segments, reconnect with backoff."""

from __future__ import annotations

import errno
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Protocol

import av

from cameras.stream_urls import mask_credentials
from recording.failures import describe_failure
from recording.recorder import mirror
from recording.recorder.segments import ClosedSegment
from recording.recorder.session import Disconnect, Session, StreamInfo
from recording.recorder.writer import WriteFailed

__all__ = ["CameraPipeline", "PipelineConfig", "PipelineListener", "StreamInfo", "classify"]

log = logging.getLogger(__name__)

BACKOFF_START_S = 1.0
BACKOFF_MAX_S = 30.0
HEALTHY_RUN_S = 30.0
UDP_BUFFER_BYTES = 4 * 1024 * 1024
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


@dataclass(frozen=True)
class PipelineConfig:
    """Everything one camera's ingest needs (the caller reads settings and the camera row)."""

    camera_id: str
    url: str
    transport: str = "tcp"
    segment_seconds: int = 60
    record_audio: bool = False
    pre_roll_seconds: int = 0
    recordings_root: Path = field(default_factory=lambda: Path("recordings"))
    timeout_s: float = 15.0
    # A second copy of each closed segment goes there (mirror_enabled); changing it needs no reconnect.
    mirror_root: Path | None = field(default=None, compare=False)


class PipelineListener(Protocol):
    """Callbacks from the pipeline thread; implementations are quick and never raise."""

    def on_connecting(self, camera_id: str) -> None: ...

    def on_connected(self, camera_id: str, info: StreamInfo) -> None: ...

    def on_segment(self, camera_id: str, segment: ClosedSegment) -> None: ...

    def on_disconnect(self, camera_id: str, reason: str, error: str, ran_seconds: float) -> None: ...

    def on_stats(self, camera_id: str, fps: float, last_packet_at: datetime, bytes_written: int) -> None: ...


def classify(exc: BaseException) -> str:
    """The gap reason (SPEC §5) for whatever ended a connection."""
    if isinstance(exc, Disconnect):
        return exc.reason
    if getattr(exc, "errno", None) in _DISK_FULL:
        return "disk_full"
    if isinstance(exc, WriteFailed):
        return "stream_error"
    if isinstance(exc, (av.error.HTTPUnauthorizedError, av.error.HTTPForbiddenError)):
        return "auth_failed"
    if isinstance(exc, (av.error.InvalidDataError, av.error.PatchWelcomeError, av.error.DecoderNotFoundError,
                        av.error.ArgumentError)):
        return "stream_error"
    if isinstance(exc, (OSError, av.error.HTTPError, av.error.HTTPClientError,
                        av.error.EOFError, av.error.ExitError)):
        return "camera_offline"  # refused, reset, timeout, unreachable, 404/5xx, end of file
    return "stream_error"


class CameraPipeline:
    """One camera's ingest loop: run() in a thread of its own; stop() and set_recording() from any thread."""

    def __init__(self, config: PipelineConfig, listener: PipelineListener, *, recording: bool = True):
        self.config = config
        self.listener = listener
        self.want_recording = bool(recording)
        self.stopping = False
        self._stop_event = threading.Event()
        self._wake = threading.Event()  # ends a reconnect backoff early (stop, or "retry now")
        # Live view (recording.recorder.livetap): the feed exists only while a web process subscribes; the
        # latest keyframe is (packet, wall time, (codec, extradata, width, height)), a reference, no copy.
        self.live = None
        self.keyframe: tuple | None = None
        self.offline: tuple[str, str] | None = ("not_connected", "connecting to the camera")
        self.masked_url = mask_credentials(config.url)

    def stop(self) -> None:
        """Ask run() to close the open segment and return (thread-safe, idempotent)."""
        self.stopping = True
        self._stop_event.set()
        self._wake.set()

    def retry_now(self) -> None:
        """Cut a running reconnect backoff short (the cause is gone, e.g. disk space was freed)."""
        self._wake.set()

    def set_mirror(self, mirror_root: Path | None) -> None:
        """Mirror the segments closed from now on to `mirror_root` (None: stop mirroring)."""
        self.config = replace(self.config, mirror_root=mirror_root)

    def set_recording(self, wanted: bool) -> None:
        """Start (True, with pre-roll) or stop (False, staying connected) writing segments."""
        self.want_recording = bool(wanted)

    def run(self) -> None:
        """Connect, record, and on any failure report it, back off (1 s doubling to 30 s) and reconnect."""
        try:
            self._run()
        finally:
            self.stopping = True  # also after a crash: the live tap takes no new subscribers
            if self.live is not None:
                self.live.end()  # live subscribers look the camera up again

    def _run(self) -> None:
        backoff = BACKOFF_START_S
        while not self.stopping:
            ran, reason, error = self._connect_and_record()
            self.keyframe = None  # a snapshot must never show a picture from before the outage
            if self.stopping:
                break
            self.offline = (reason, describe_failure(reason, error))
            if self.live is not None:
                self.live.disconnected(*self.offline)
            log.info("camera %s (%s) disconnected (%s): %s", self.config.camera_id, self.masked_url, reason, error)
            self.notify("on_disconnect", reason, error, ran)
            if ran > HEALTHY_RUN_S:
                backoff = BACKOFF_START_S
            self._wake.wait(backoff)
            self._wake.clear()
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def closed(self, segment: ClosedSegment) -> None:
        """A segment is complete on disk: mirror it (in the background) and report it for indexing."""
        if self.config.mirror_root is not None:
            mirror.COPIER.submit(self.config.recordings_root / segment.relpath, self.config.mirror_root,
                                 segment.relpath)
        self.notify("on_segment", segment)

    def notify(self, callback: str, *args) -> None:
        """Call a listener method, never letting its failure take the pipeline down."""
        try:
            getattr(self.listener, callback)(self.config.camera_id, *args)
        except Exception:
            log.exception("listener %s failed for camera %s", callback, self.config.camera_id)

    def _open_options(self) -> dict[str, str]:
        options = {"rtsp_transport": self.config.transport, "timeout": str(int(self.config.timeout_s * 1_000_000))}
        if self.config.transport == "udp":
            options["buffer_size"] = str(UDP_BUFFER_BYTES)  # absorb a keyframe burst while the thread is busy
        return options

    def _connect_and_record(self) -> tuple[float, str, str]:
        """One connection, start to end: (seconds it ran after its first keyframe, reason, masked error)."""
        self.notify("on_connecting")
        container = session = None
        reason, error = "camera_offline", "end of stream (the camera closed the connection)"
        try:
            container = av.open(self.config.url, "r", options=self._open_options())
            session = Session(self, container)
            session.pump()
        except Exception as exc:  # every failure becomes a reported disconnect, never a dead thread
            reason, error = classify(exc), str(exc)
            if reason == "stream_error" and not isinstance(exc, (Disconnect, WriteFailed, av.FFmpegError)):
                log.exception("camera %s: unexpected ingest failure", self.config.camera_id)
        finally:
            ran = session.finish() if session is not None else 0.0
            self._close_input(container)
        return ran, reason, mask_credentials(error) or ""

    def _close_input(self, container: av.container.InputContainer | None) -> None:
        if container is None:
            return
        try:
            container.close()
        except Exception:  # closing a dead connection must not end the reconnect loop
            log.warning("camera %s: closing the input failed", self.config.camera_id, exc_info=True)
