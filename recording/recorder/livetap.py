"""The recorder worker's live tap: serves each camera's live fMP4 and latest keyframe to the web processes.

One tap per worker process: a TCP server (asyncio, in a thread of its own) on NVR_RECORDER_TAP_HOST and an
ephemeral port, speaking `recording.live.protocol`. A camera's `LiveFeed` exists only while at least one
web process subscribes: the pipeline thread then hands it every video packet (`push`), which becomes one
fragment per frame, and the feed keeps the fragments since the last keyframe so a second subscriber starts
at once. Nobody subscribed → no feed → the demux loop pays one attribute check per packet. Fragments reach
each subscriber through its own bounded queue on the tap's event loop: a subscriber that cannot keep up is
skipped to the next keyframe (re-sent the init first), so it never holds back the camera or the others.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections import deque
from datetime import datetime, timezone
from typing import Callable

from recording.live import protocol
from recording.live.muxer import FragmentWriter, MuxError, build_init

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_S = 10.0
MAX_BACKLOG_BYTES = 8 * 1024 * 1024   # queued for one subscriber before it is skipped to the next keyframe
MAX_GOP_BYTES = 32 * 1024 * 1024      # a longer GOP is not kept for late joiners (they wait for a keyframe)


class TapSubscriber:
    """One subscribed connection's outbox; `deliver` may be called from any thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.queue: deque[bytes] = deque()
        self.queued = 0
        self.skipping = False
        self.wakeup = asyncio.Event()

    def deliver(self, frame: bytes, *, control: bool = False, init: bytes | None = None) -> None:
        """Queue a frame: `control` (init/offline/end) drops what is pending; `init` marks a keyframe fragment."""
        try:
            self.loop.call_soon_threadsafe(self._put, frame, control, init)
        except RuntimeError:  # the tap's loop is closed: the worker is exiting
            pass

    def _put(self, frame: bytes, control: bool, init: bytes | None) -> None:
        if control:
            self._clear()
        elif self.skipping:
            if init is None:
                return
            self.skipping = False
            self._append(init)  # the viewer rebuilds its player from here: no hole in its timeline
        elif self.queued + len(frame) > MAX_BACKLOG_BYTES:
            log.info("live tap: a subscriber fell %d bytes behind; skipping it to the next keyframe", self.queued)
            self._clear()
            self.skipping = init is None
            if init is None:
                return
            self._append(init)
        self._append(frame)

    def _append(self, frame: bytes) -> None:
        self.queue.append(frame)
        self.queued += len(frame)
        self.wakeup.set()

    def _clear(self) -> None:
        self.queue.clear()
        self.queued = 0
        self.skipping = False

    async def next_frame(self) -> bytes:
        while not self.queue:
            self.wakeup.clear()
            await self.wakeup.wait()
        frame = self.queue.popleft()
        self.queued -= len(frame)
        return frame


class LiveFeed:
    """One camera's live stream while someone subscribes: `push` on the pipeline thread, the rest on the tap's."""

    def __init__(self, camera_id: str, offline: tuple[str, str] | None):
        self.camera_id = camera_id
        self.lock = threading.Lock()
        self.subscribers: list[TapSubscriber] = []
        self.session = None          # the connection the current init belongs to
        self.refused = None          # a connection whose stream cannot be muxed (not retried per packet)
        self.writer: FragmentWriter | None = None
        self.init_frame: bytes | None = None
        self.gop: list[bytes] | None = None
        self.gop_bytes = 0
        self.control = protocol.encode(protocol.OFFLINE, {"reason": offline[0], "message": offline[1]}) \
            if offline else None

    # --- pipeline thread ---------------------------------------------------------------------------

    def push(self, session, packet, keyframe: bool) -> None:
        """One video packet of `session` (before the segment writer rebases it)."""
        writer = self.writer if session is self.session else None  # one read: end() may run on the tap thread
        if writer is None:
            if not keyframe or session is self.refused:
                return
            writer = self._start(session, packet)
            if writer is None:
                return
        fragment = writer.fragment(bytes(packet), packet.pts, packet.dts, keyframe)
        frame = protocol.encode(protocol.FRAGMENT, {"key": keyframe}, fragment)
        with self.lock:
            self._remember(fragment, keyframe)
            init = self.init_frame if keyframe else None
            for subscriber in self.subscribers:
                subscriber.deliver(frame, init=init)

    def _start(self, session, packet) -> FragmentWriter | None:
        """A new connection reached its first keyframe: a new init segment (the viewers start over)."""
        try:
            init = build_init(session.video, bytes(packet))
        except MuxError as exc:
            log.warning("camera %s: live view unavailable: %s", self.camera_id, exc)
            self.refused = session
            self._broadcast(protocol.encode(protocol.OFFLINE, {"reason": "stream_error", "message": str(exc)}))
            return None
        writer = FragmentWriter(init, session.video.time_base, session.video.average_rate)
        self.session, self.writer = session, writer
        self.init_frame = protocol.encode(protocol.INIT, init.describe(), init.data)
        self._broadcast(self.init_frame)
        return writer

    def _remember(self, fragment: bytes, keyframe: bool) -> None:
        if keyframe:
            self.gop, self.gop_bytes = [fragment], len(fragment)
        elif self.gop is not None:
            self.gop.append(fragment)
            self.gop_bytes += len(fragment)
            if self.gop_bytes > MAX_GOP_BYTES:
                self.gop, self.gop_bytes = None, 0

    def disconnected(self, reason: str, message: str) -> None:
        """The camera connection ended: subscribers hear why; the next connection starts a new init."""
        self.session = self.writer = None
        self._broadcast(protocol.encode(protocol.OFFLINE, {"reason": reason, "message": message}))

    def end(self, reason: str = "stopped") -> None:
        """The pipeline stopped on this worker: subscribers are told to look the camera up again."""
        self.session = self.writer = None
        self._broadcast(protocol.encode(protocol.END, {"reason": reason}))

    def _broadcast(self, control: bytes) -> None:
        with self.lock:
            self.control = control
            self.gop, self.gop_bytes = None, 0
            if control[:1] != protocol.INIT:
                self.init_frame = None
            for subscriber in self.subscribers:
                subscriber.deliver(control, control=True)

    # --- tap thread -------------------------------------------------------------------------------------

    def add(self, subscriber: TapSubscriber) -> None:
        """A late joiner gets the current init and the fragments since the last keyframe, in one go."""
        with self.lock:
            self.subscribers.append(subscriber)
            if self.control is not None:
                subscriber.deliver(self.control, control=True)
            if self.init_frame is not None and self.gop:
                subscriber.deliver(protocol.encode(protocol.FRAGMENT, {"key": True}, b"".join(self.gop)))

    def remove(self, subscriber: TapSubscriber) -> int:
        with self.lock:
            if subscriber in self.subscribers:
                self.subscribers.remove(subscriber)
            return len(self.subscribers)


def captured_keyframe(pipeline) -> protocol.Keyframe | None:
    """The pipeline's latest keyframe, copied out of the packet the demuxer gave (None before the first one)."""
    held = pipeline.keyframe
    if held is None:
        return None
    packet, wall, (codec, extradata, width, height) = held
    return protocol.Keyframe(codec=codec, extradata=extradata, width=width, height=height, data=bytes(packet),
                             captured_at=datetime.fromtimestamp(wall, timezone.utc))


class TapServer:
    """The worker's tap: `start()` returns the "host:port" to advertise; runs until the process exits."""

    def __init__(self, pipelines: Callable[[], dict], host: str, secret_key: str):
        self.pipelines = pipelines
        self.host = host
        self.key = protocol.tap_key(secret_key)
        self.loop = asyncio.new_event_loop()
        self.served = 0  # subscriptions accepted since start (diagnostics, `stats`)
        self.address = ""
        self.server: asyncio.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> str:
        self.server = self.loop.run_until_complete(asyncio.start_server(self._serve, self.host, 0))
        port = self.server.sockets[0].getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-tap", daemon=True)
        self.thread.start()
        self.address = f"{advertised_host(self.host)}:{port}"
        return self.address

    def stop(self) -> None:
        """Close the listener and every connection (a worker process just exits; tests call this)."""
        async def shutdown() -> None:
            self.server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            nonce = protocol.new_nonce()
            writer.write(protocol.encode(protocol.HELLO, {"v": 1}, nonce))
            request = await asyncio.wait_for(protocol.read_frame(reader, protocol.MAX_REQUEST), REQUEST_TIMEOUT_S)
            op, camera_id = protocol.check_request(self.key, nonce, request)
            await self._answer(op, camera_id, reader, writer)
        except (protocol.ProtocolError, asyncio.IncompleteReadError, asyncio.TimeoutError, ConnectionError) as exc:
            log.debug("live tap: connection dropped: %s", exc)
        except asyncio.CancelledError:  # stop(): end quietly (asyncio logs a connection handler that raises)
            pass
        except Exception:
            log.exception("live tap: request failed")
        finally:
            writer.close()

    async def _answer(self, op: str, camera_id: str, reader, writer) -> None:
        if op == "stats":
            writer.write(protocol.encode(protocol.STATS, self.stats()))
            await writer.drain()
            return
        pipeline = self.pipelines().get(camera_id)
        if pipeline is None or pipeline.stopping:
            writer.write(protocol.encode(protocol.ERROR, {"code": "not_here",
                                                          "message": "this recorder worker does not run that camera"}))
        elif op == "keyframe":
            keyframe = captured_keyframe(pipeline)
            writer.write(protocol.keyframe_frame(keyframe) if keyframe else protocol.encode(
                protocol.ERROR, {"code": "no_keyframe", "message": "no keyframe received yet"}))
        else:
            await self._subscription(pipeline, reader, writer)
        await writer.drain()

    async def _subscription(self, pipeline, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Stream the camera's feed until the subscriber leaves or the camera stops on this worker."""
        subscriber = TapSubscriber(self.loop)
        feed = pipeline.live
        if feed is None:
            feed = pipeline.live = LiveFeed(pipeline.config.camera_id, pipeline.offline)
        feed.add(subscriber)
        if pipeline.stopping:  # it ended while we attached: it may not have seen this feed
            feed.end()
        self.served += 1

        async def pump() -> None:
            while True:
                frame = await subscriber.next_frame()
                writer.write(frame)
                await writer.drain()
                if frame[:1] == protocol.END:
                    return

        tasks = {asyncio.ensure_future(pump()), asyncio.ensure_future(reader.read())}  # a subscriber never sends more
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    log.debug("live tap: subscriber of %s dropped: %s", feed.camera_id, task.exception())
        finally:
            for task in tasks:
                task.cancel()
            if feed.remove(subscriber) == 0 and pipeline.live is feed:
                pipeline.live = None  # the last one left: the demux loop stops muxing

    def stats(self) -> dict:
        cameras = {}
        for camera_id, pipeline in list(self.pipelines().items()):
            feed = pipeline.live
            cameras[camera_id] = {"subscribers": len(feed.subscribers) if feed else 0,
                                  "keyframe": pipeline.keyframe is not None}
        return {"cameras": cameras, "subscriptions_served": self.served}


def advertised_host(bind_host: str) -> str:
    """The host web processes should dial: the bind address, or this machine's name for a wildcard bind."""
    if bind_host in ("", "0.0.0.0", "::"):
        return socket.getfqdn()
    return f"[{bind_host}]" if ":" in bind_host else bind_host
