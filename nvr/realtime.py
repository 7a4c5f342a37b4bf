"""Realtime pushes to the console: the websocket close codes, the message shapes, and in-process fan-out.

Every websocket message the server pushes is built here, so the console's JS has one place to read the
formats from. Fan-out is per web process (`Broadcast`): each web process watches the database (camera
status) or its own recorder tap connections (live video) and pushes to its own sockets, which works the
same with the in-memory channel layer of the embedded mode and with several daphne processes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable

log = logging.getLogger(__name__)

# Close codes sent before accepting a handshake (4000 + the HTTP status they mirror).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def _iso(value) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def camera_status_message(status) -> dict:
    """`{"type": "camera_status", ...}` for one `recording.models.CameraStatus` (camera selected)."""
    return {
        "type": "camera_status",
        "camera_id": status.camera_id,
        "name": status.camera.name,
        "state": status.state,
        "gap_reason": status.gap_reason,
        "frames_per_second": status.frames_per_second,
        "last_packet_at": _iso(status.last_packet_at),
        "last_segment_at": _iso(status.last_segment_at),
        "status_note": status.status_note,
        "last_error": status.last_error,
        "updated_at": _iso(status.updated_at),
    }


def camera_removed_message(camera_id: str) -> dict:
    return {"type": "camera_removed", "camera_id": camera_id}


Send = Callable[[dict], Awaitable[None]]


@dataclass(eq=False)
class Subscriber:
    """One socket's interest: `wants(camera_id)` filters by the caller's camera scope."""

    send: Send
    wants: Callable[[str], bool]


class Broadcast:
    """The sockets of one web process interested in one kind of push; a slow socket never delays the rest."""

    SEND_TIMEOUT_S = 5.0

    def __init__(self):
        self.subscribers: set[Subscriber] = set()

    def add(self, subscriber: Subscriber) -> None:
        self.subscribers.add(subscriber)

    def discard(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def __len__(self) -> int:
        return len(self.subscribers)

    async def publish(self, camera_id: str, message: dict) -> None:
        targets = [s for s in list(self.subscribers) if s.wants(camera_id)]
        if targets:
            await asyncio.gather(*(self._send(s, message) for s in targets))

    async def _send(self, subscriber: Subscriber, message: dict) -> None:
        try:
            await asyncio.wait_for(subscriber.send(message), self.SEND_TIMEOUT_S)
        except Exception:  # a dead or stuck socket: drop it, the others go on
            log.debug("dropping a realtime subscriber", exc_info=True)
            self.discard(subscriber)
