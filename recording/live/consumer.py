"""`ws/cameras/<camera_id>/live`: a camera's live video as fMP4 for Media Source Extensions.

Who may watch: the console session (AuthMiddlewareStack) or an API key in the handshake's `X-API-Key` /
`Authorization: Bearer` header, holding `video:live` and, for a camera-scoped key, that camera. A refusal
is a close with 4401 (no or bad credential), 4403 (forbidden, including another camera's scope, checked
before existence) or 4404 (unknown camera). Browsers never see the close code of a handshake refused
before `accept` (daphne answers a plain HTTP 403), so the socket is accepted and closed at once, before
any media. Messages: see `recording.live.hub` and the README (init JSON, init segment, fragments,
offline JSON).
"""

from __future__ import annotations

import asyncio
import logging
import socket
from functools import partial

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from twisted.internet.interfaces import IPushProducer
from zope.interface import implementer

from accounts import capabilities as caps
from accounts.websocket_auth import principal_from_scope
from nvr.realtime import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from recording.live.hub import Viewer, get_hub

log = logging.getLogger(__name__)

SEND_BUFFER_BYTES = 128 * 1024  # the kernel doubles it; ~20 Mbit/s at 100 ms RTT, a second of a 2 Mbit/s stream


def refusal(scope: dict, camera_id: str) -> int | None:
    """The close code refusing this viewer, or None when they may watch the camera."""
    from cameras.models import Camera

    principal = principal_from_scope(scope)
    if principal is None:
        return CLOSE_UNAUTHENTICATED
    if not principal.can(caps.VIDEO_LIVE) or not principal.in_scope(camera_id):
        return CLOSE_FORBIDDEN
    if not Camera.objects.filter(pk=camera_id).exists():
        return CLOSE_NOT_FOUND
    return None


@implementer(IPushProducer)
class TransportFlow:
    """Daphne's socket tells us when its write buffer is full (Twisted push-producer pause/resume).

    Channels' `send` never waits for the network, so without this a slow viewer would pile media up in
    daphne's memory and drift ever further behind; with it, the viewer's own outbox ages and the hub skips
    it to the next keyframe. Only available under daphne (its ASGI `send` is a partial of its protocol).
    """

    def __init__(self, protocol):
        self.protocol = protocol
        self.writable = asyncio.Event()
        self.writable.set()

    @classmethod
    def attach(cls, send) -> TransportFlow | None:
        protocol = _daphne_protocol(send)
        if not hasattr(protocol, "registerProducer"):
            return None
        flow = cls(protocol)
        try:
            _release_upgraded_channel(protocol.transport)
            protocol.registerProducer(flow, True)
        except Exception:  # another producer, or the connection is already gone
            log.debug("live view: no flow control on this connection", exc_info=True)
            return None
        _limit_send_buffer(protocol)
        return flow

    def detach(self) -> None:
        try:
            self.protocol.unregisterProducer()
        except Exception:
            pass
        self.writable.set()

    def pauseProducing(self) -> None:  # noqa: N802 (Twisted's interface)
        self.writable.clear()

    def resumeProducing(self) -> None:  # noqa: N802
        self.writable.set()

    def stopProducing(self) -> None:  # noqa: N802
        self.writable.set()


def _daphne_protocol(send):
    """Daphne's websocket protocol behind an ASGI `send`, unwrapping middleware (channels' sessions wrap it)."""
    for _ in range(8):
        if isinstance(send, partial):
            return send.args[0] if send.args else None
        send = getattr(getattr(send, "__self__", None), "real_send", None)
        if send is None:
            return None
    return None


def _release_upgraded_channel(transport) -> None:
    """Daphne hands the socket from its HTTP channel to the websocket protocol, but the channel stays the
    socket's registered producer; it no longer uses the socket (its transport is detached), so drop it."""
    from twisted.web.http import HTTPChannel

    if isinstance(getattr(transport, "producer", None), HTTPChannel):
        transport.unregisterProducer()


def _limit_send_buffer(protocol) -> None:
    """Cap the kernel's send buffer: an autotuned one holds megabytes (tens of seconds of video) before
    the write buffer above it fills and pauses us, so a stalled viewer would drift far behind first."""
    try:
        handle = protocol.transport.getHandle()
        handle.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER_BYTES)
    except Exception:  # not a TCP socket (tests, TLS wrappers without a handle): flow control still works
        log.debug("live view: cannot cap the socket's send buffer", exc_info=True)


class LiveConsumer(AsyncWebsocketConsumer):
    """One viewer of one camera's live video."""

    viewer: Viewer | None = None
    sender: asyncio.Task | None = None
    flow: TransportFlow | None = None

    async def connect(self) -> None:
        self.camera_id = self.scope["url_route"]["kwargs"]["camera_id"]
        code = await database_sync_to_async(refusal)(self.scope, self.camera_id)
        await self.accept()
        if code is not None:
            await self.close(code)
            return
        self.viewer = Viewer()
        self.flow = TransportFlow.attach(self.base_send)
        get_hub().join(self.camera_id, self.viewer)
        self.sender = asyncio.get_running_loop().create_task(self._send_loop())

    async def _send_loop(self) -> None:
        flow = self.flow
        while True:
            item = await self.viewer.next()
            if flow is not None:
                await flow.writable.wait()
            if isinstance(item, str):
                await self.send(text_data=item)
            else:
                await self.send(bytes_data=item)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Viewers have nothing to say; anything they send is ignored."""

    async def disconnect(self, code) -> None:
        if self.viewer is not None:
            get_hub().leave(self.camera_id, self.viewer)
            self.viewer = None
        if self.sender is not None:
            self.sender.cancel()
        if self.flow is not None:
            self.flow.detach()
