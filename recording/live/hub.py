"""Per web process: one live tap subscription per camera, fanned out to every websocket viewer of it.

A `CameraFeed` follows the camera wherever it is ingested (`CameraStatus.live_tap`), re-subscribing when
the camera moves to another worker or recorder, and tells its viewers `offline` (with the gap reason)
while nobody ingests it. It keeps the current init segment and the fragments since the last keyframe, so
a viewer who joins a running feed starts at once. Each viewer has its own outbox (`Viewer`): the feed
never waits for a viewer, and a viewer that falls behind is skipped to the next keyframe, where it gets
the init again (its player starts over, no hole in its timeline). The feed closes `LINGER_S` after its
last viewer leaves (a page reload reuses it), which ends the tap subscription and the recorder's muxing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import weakref
from collections import deque

from channels.db import database_sync_to_async

from recording.live import demand, protocol
from recording.live.client import TapUnavailable, open_tap, tap_address

log = logging.getLogger(__name__)

LINGER_S = 5.0
RETRY_S = 1.0
MAX_LAG_S = 1.5                       # a viewer whose oldest unsent message is older is skipped
MAX_BACKLOG_BYTES = 16 * 1024 * 1024
MAX_GOP_BYTES = 32 * 1024 * 1024
OFFLINE_MESSAGES = {
    "not_connected": "The camera is not being ingested right now.",
    "connecting": "Connecting to the camera for live view…",
    "camera_offline": "The camera cannot be reached.",
    "auth_failed": "The camera refused the recorder's credentials.",
    "stream_error": "The camera's stream cannot be read.",
    "recorder_down": "No recorder is running for this camera.",
    "disk_full": "The recorder stopped: the disk is full.",
    "schedule_off": "The camera is idle: its recording schedule is off.",
    "event_idle": "The camera is idle until the next event.",
    "disabled": "The camera is disabled.",
}


def init_message(fields: dict) -> str:
    """The websocket's `init` text (what the client needs to open its SourceBuffer)."""
    codec_string = str(fields.get("codec_string", ""))
    return json.dumps({"type": "init", "codec": fields.get("codec"), "mime": f'video/mp4; codecs="{codec_string}"',
                       "width": fields.get("width"), "height": fields.get("height")})


def offline_message(reason: str | None, message: str | None = None) -> str:
    """The recorder's own sentence (`recording.failures`, as the status shows it), else the reason's text."""
    reason = reason or "not_connected"
    text = message or OFFLINE_MESSAGES.get(reason) or "The camera is not streaming."
    return json.dumps({"type": "offline", "reason": reason, "message": text})


class Viewer:
    """One websocket's outbox: filled by the feed without waiting, emptied by the consumer's sender."""

    def __init__(self):
        self.queue: deque[tuple[float, str | bytes]] = deque()
        self.queued = 0
        self.waiting_for_keyframe = False
        self.skips = 0
        self.wakeup = asyncio.Event()

    def start(self, init: tuple[str, bytes], first: bytes | None = None) -> None:
        """A (new) stream: whatever is pending belongs to the old one."""
        self._clear()
        self._put(init[0])
        self._put(init[1])
        if first:
            self._put(first)

    def fragment(self, data: bytes, keyframe: bool, init: tuple[str, bytes] | None) -> None:
        if self.waiting_for_keyframe:
            if keyframe and init is not None:
                self.start(init, data)
            return
        if self.queue and (time.monotonic() - self.queue[0][0] > MAX_LAG_S
                           or self.queued + len(data) > MAX_BACKLOG_BYTES):
            self.skips += 1
            self._clear()
            self.waiting_for_keyframe = True
            log.log(logging.INFO if self.skips == 1 else logging.DEBUG,
                    "a live viewer fell behind; skipping it to the next keyframe (%d times)", self.skips)
            self.fragment(data, keyframe, init)
            return
        self._put(data)

    def offline(self, text: str) -> None:
        self._clear()
        self._put(text)

    def _put(self, item: str | bytes) -> None:
        self.queue.append((time.monotonic(), item))
        self.queued += len(item)
        self.wakeup.set()

    def _clear(self) -> None:
        self.queue.clear()
        self.queued = 0
        self.waiting_for_keyframe = False

    async def next(self) -> str | bytes:
        """The next message to send (text = JSON control message, bytes = media)."""
        while not self.queue:
            self.wakeup.clear()
            await self.wakeup.wait()
        _, item = self.queue.popleft()
        self.queued -= len(item)
        return item


class CameraFeed:
    """One camera's live stream in this web process, shared by all its viewers."""

    def __init__(self, hub: Hub, camera_id: str):
        self.hub, self.camera_id = hub, camera_id
        self.viewers: set[Viewer] = set()
        self.init: tuple[str, bytes] | None = None
        self.gop: list[bytes] | None = None
        self.gop_bytes = 0
        self.offline_text: str | None = None
        self.subscriptions = 0  # tap subscriptions opened (one at a time), for diagnostics and tests
        self.linger: asyncio.TimerHandle | None = None
        loop = asyncio.get_running_loop()
        self.task = loop.create_task(self.run(), name=f"live-feed-{camera_id}")
        self.wanting = loop.create_task(self.want_live(), name=f"live-wanted-{camera_id}")

    def join(self, viewer: Viewer) -> None:
        if self.linger is not None:
            self.linger.cancel()
            self.linger = None
        self.viewers.add(viewer)
        if self.init is not None:
            viewer.start(self.init, b"".join(self.gop) if self.gop else None)
        elif self.offline_text is not None:
            viewer.offline(self.offline_text)

    def leave(self, viewer: Viewer) -> None:
        self.viewers.discard(viewer)
        if not self.viewers and self.linger is None:
            self.linger = asyncio.get_running_loop().call_later(LINGER_S, self._close_if_idle)

    def _close_if_idle(self) -> None:
        self.linger = None
        if not self.viewers:
            self.task.cancel()
            self.wanting.cancel()
            self.hub.forget(self)

    async def want_live(self) -> None:
        """Tell the recorder, as long as the feed lives, that this camera is watched (it connects on demand)."""
        while True:
            try:
                await database_sync_to_async(demand.want_live)(self.camera_id)
            except Exception:  # the database is away: the camera may stay dark, the feed keeps trying
                log.warning("camera %s: cannot ask for live view", self.camera_id, exc_info=True)
            await asyncio.sleep(demand.RENEW_S)

    async def run(self) -> None:
        """Follow the camera's tap for as long as the feed lives."""
        while True:
            try:
                await self._follow_once()
            except Exception:  # the database or a bug: the viewers keep their socket, the feed retries
                log.exception("camera %s: live feed failed", self.camera_id)
            await asyncio.sleep(RETRY_S)

    async def _follow_once(self) -> None:
        """One subscription to wherever the camera is ingested; `offline` to the viewers when it is nowhere."""
        address = await database_sync_to_async(tap_address)(self.camera_id)
        if address:
            try:
                await self._follow(address)
                return  # the camera left that worker: look it up again once the supervisor has said where
            except (TapUnavailable, ConnectionError, asyncio.IncompleteReadError, protocol.ProtocolError) as exc:
                log.info("camera %s: live tap %s: %s", self.camera_id, address, exc)
        await self._offline_from_status()

    async def _follow(self, address: str) -> None:
        reader, writer = await open_tap(address, "subscribe", self.camera_id)
        self.subscriptions += 1
        try:
            while True:
                frame = await protocol.read_frame(reader)
                if frame.kind == protocol.FRAGMENT:
                    self._on_fragment(frame.body, bool(frame.fields.get("key")))
                elif frame.kind == protocol.INIT:
                    self._on_init(init_message(frame.fields), frame.body)
                elif frame.kind == protocol.OFFLINE:
                    self._on_offline(offline_message(frame.fields.get("reason"), frame.fields.get("message")))
                elif frame.kind == protocol.END:
                    return
                else:
                    raise TapUnavailable(str(frame.fields.get("message", "unexpected answer")),
                                         str(frame.fields.get("code", "error")))
        finally:
            writer.close()
            self.init, self.gop = None, None

    def _on_init(self, text: str, segment: bytes) -> None:
        self.init, self.gop, self.gop_bytes, self.offline_text = (text, segment), None, 0, None
        for viewer in self.viewers:
            viewer.start(self.init)

    def _on_fragment(self, data: bytes, keyframe: bool) -> None:
        if self.init is None:
            return
        if keyframe:
            self.gop, self.gop_bytes = [data], len(data)
        elif self.gop is not None:
            self.gop.append(data)
            self.gop_bytes += len(data)
            if self.gop_bytes > MAX_GOP_BYTES:
                self.gop, self.gop_bytes = None, 0
        for viewer in self.viewers:
            viewer.fragment(data, keyframe, self.init)

    def _on_offline(self, text: str) -> None:
        self.init, self.gop = None, None
        if text == self.offline_text:
            return
        self.offline_text = text
        for viewer in self.viewers:
            viewer.offline(text)

    async def _offline_from_status(self) -> None:
        state = await database_sync_to_async(demand.live_state)(self.camera_id)
        self._on_offline(offline_message(state.reason, state.message))


class Hub:
    """The live feeds of one web process (one event loop)."""

    def __init__(self):
        self.feeds: dict[str, CameraFeed] = {}

    def join(self, camera_id: str, viewer: Viewer) -> CameraFeed:
        feed = self.feeds.get(camera_id)
        if feed is None:
            feed = self.feeds[camera_id] = CameraFeed(self, camera_id)
        feed.join(viewer)
        return feed

    def leave(self, camera_id: str, viewer: Viewer) -> None:
        feed = self.feeds.get(camera_id)
        if feed is not None:
            feed.leave(viewer)

    def forget(self, feed: CameraFeed) -> None:
        if self.feeds.get(feed.camera_id) is feed:
            del self.feeds[feed.camera_id]


_hubs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def get_hub() -> Hub:
    """This event loop's hub (daphne runs one loop per process; tests may run several loops)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = _hubs[loop] = Hub()
    return hub
