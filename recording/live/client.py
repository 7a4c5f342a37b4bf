"""The web side's client of the recorder's live tap: where a camera's tap is, its latest keyframe, subscriptions.

`fetch_keyframe` is synchronous (Django views, django-q2 tasks); `open_tap` is the asyncio form used by the
live hub. Both authenticate with the tap key derived from SECRET_KEY (see `recording.live.protocol`).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from django.conf import settings

from recording.live import protocol
from recording.live.protocol import Keyframe, ProtocolError

__all__ = ["Keyframe", "TapUnavailable", "fetch_keyframe", "open_tap", "split_address", "tap_address"]

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 3.0


class TapUnavailable(Exception):
    """The tap could not be reached or refused the request (`code` says why when it answered)."""

    def __init__(self, message: str, code: str = "unreachable"):
        super().__init__(message)
        self.code = code


def tap_address(camera_id: str) -> str:
    """The "host:port" of the recorder worker tap serving a camera ("" when none is ingesting it)."""
    from recording.models import CameraStatus

    return CameraStatus.objects.filter(camera_id=camera_id).values_list("live_tap", flat=True).first() or ""


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port" or "[v6]:port"; ValueError when it is not one."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"bad tap address {address!r}")
    return host.strip("[]"), int(port)


def fetch_keyframe(camera_id: str, timeout: float = 5.0) -> Keyframe | None:
    """The latest keyframe the recorder received from a camera, or None (not ingested, no answer in time)."""
    address = tap_address(camera_id)
    if not address:
        return None
    deadline = time.monotonic() + timeout
    try:
        host, port = split_address(address)
        with socket.create_connection((host, port), timeout=min(timeout, CONNECT_TIMEOUT_S)) as sock:
            def remaining() -> float:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the live tap did not answer in time")
                return left

            sock.settimeout(remaining())
            hello = protocol.read_frame_sync(sock)
            if hello.kind != protocol.HELLO:
                raise ProtocolError("expected the tap's hello")
            sock.sendall(protocol.request_frame(_key(), hello.body, "keyframe", camera_id))
            sock.settimeout(remaining())
            answer = protocol.read_frame_sync(sock)
    except (OSError, ValueError, ProtocolError) as exc:  # TimeoutError and ConnectionError are OSErrors
        log.info("camera %s: no keyframe from the live tap at %s: %s", camera_id, address, exc)
        return None
    if answer.kind != protocol.KEYFRAME:
        log.info("camera %s: the live tap has no keyframe: %s", camera_id, answer.fields.get("message"))
        return None
    try:
        return protocol.keyframe_of(answer)
    except ProtocolError as exc:
        log.warning("camera %s: bad keyframe from the live tap: %s", camera_id, exc)
        return None


async def open_tap(address: str, op: str, camera_id: str = "", key: bytes | None = None):
    """Connect and send one authenticated request: (reader, writer) ready for the answer frames."""
    try:
        host, port = split_address(address)
    except ValueError as exc:
        raise TapUnavailable(str(exc)) from None
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT_S)
    except (OSError, asyncio.TimeoutError) as exc:
        raise TapUnavailable(f"cannot reach the live tap at {address}: {exc}") from None
    try:
        hello = await asyncio.wait_for(protocol.read_frame(reader), CONNECT_TIMEOUT_S)
        if hello.kind != protocol.HELLO:
            raise ProtocolError("expected the tap's hello")
        writer.write(protocol.request_frame(key or _key(), hello.body, op, camera_id))
        await writer.drain()
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ProtocolError) as exc:
        writer.close()
        raise TapUnavailable(f"the live tap at {address} failed the handshake: {exc!r}") from None
    return reader, writer


def _key() -> bytes:
    return protocol.tap_key(settings.SECRET_KEY)
