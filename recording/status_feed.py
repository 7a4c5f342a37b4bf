"""Camera status pushed to the console over the `ws/status` websocket.

The recorder writes `CameraStatus` rows (possibly on another machine); each web process polls the rows
changed since its last look, about once a second and only while somebody is watching, and pushes them
to its own sockets (`nvr.realtime.Broadcast`). One cheap indexed query per second per web process,
whatever the number of viewers, and no cross-process channel layer is needed in the embedded mode.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from accounts import capabilities as caps
from accounts.websocket_auth import principal_from_scope
from cameras.models import SECRET_FIELDS
from nvr import realtime
from recording.models import CameraStatus

log = logging.getLogger(__name__)

POLL_INTERVAL_S = 1.0
# Rows stamped up to this long before the newest one seen are looked at again: a transaction that
# committed late with an older `updated_at` is still pushed (duplicates are filtered by `seen`).
LATE_COMMIT_S = 5.0


def status_rows():
    """Status rows with their camera's name at hand, never its encrypted columns (a message shows none)."""
    return CameraStatus.objects.select_related("camera").defer(*(f"camera__{name}" for name in SECRET_FIELDS))


def visible_statuses(principal) -> list[dict]:
    rows = status_rows().order_by("camera__name", "camera_id")
    if principal.is_scoped:
        rows = rows.filter(camera_id__in=principal.camera_scope)
    return [realtime.camera_status_message(row) for row in rows]


class StatusWatcher:
    """Polls `CameraStatus` for changes while at least one socket of this process is subscribed."""

    def __init__(self):
        self.broadcast = realtime.Broadcast()
        self.task: asyncio.Task | None = None
        self.since: datetime | None = None
        self.seen: dict[str, datetime] = {}

    async def add(self, subscriber: realtime.Subscriber) -> None:
        """Subscribe; the first subscriber starts the polling (after a baseline, so nothing is pushed twice)."""
        if self.since is None:
            await database_sync_to_async(self.baseline)()
        self.broadcast.add(subscriber)
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self._run())

    def discard(self, subscriber: realtime.Subscriber) -> None:
        self.broadcast.discard(subscriber)

    async def _run(self) -> None:
        while len(self.broadcast):
            try:
                for message in await database_sync_to_async(self.changes)():
                    await self.broadcast.publish(message["camera_id"], message)
            except Exception:
                log.warning("camera status poll failed", exc_info=True)
            await asyncio.sleep(POLL_INTERVAL_S)
        self.task = None

    def baseline(self) -> None:
        """Remember every row as it is now: only later changes are pushed (sockets get a full list on connect)."""
        self.seen = dict(CameraStatus.objects.values_list("camera_id", "updated_at"))
        self.since = max(self.seen.values(), default=None) or timezone.now()

    def changes(self) -> list[dict]:
        """Status messages of the rows changed since the last call (database_sync_to_async recycles connections)."""
        changed = status_rows().filter(updated_at__gt=self.since - timedelta(seconds=LATE_COMMIT_S)).order_by("updated_at")
        messages = []
        for row in changed:
            if self.seen.get(row.camera_id) == row.updated_at:
                continue
            self.seen[row.camera_id] = row.updated_at
            self.since = max(self.since, row.updated_at)
            messages.append(realtime.camera_status_message(row))
        return messages


watcher = StatusWatcher()


class CameraStatusConsumer(AsyncJsonWebsocketConsumer):
    """`ws/status`: every visible camera's status on connect, then each change (capability `camera:read`)."""

    async def connect(self):
        principal = await database_sync_to_async(principal_from_scope)(self.scope)
        # Accepted before refusing: a browser never sees the close code of a handshake refused outright.
        await self.accept()
        if principal is None or not principal.can(caps.CAMERA_READ):
            await self.close(code=realtime.CLOSE_UNAUTHENTICATED if principal is None else realtime.CLOSE_FORBIDDEN)
            return
        self.subscriber = realtime.Subscriber(send=self.send_json, wants=principal.in_scope)
        await watcher.add(self.subscriber)  # changes from now on are pushed...
        for message in await database_sync_to_async(visible_statuses)(principal):  # ...after the full list
            await self.send_json(message)

    async def disconnect(self, code):
        subscriber = getattr(self, "subscriber", None)
        if subscriber is not None:
            watcher.discard(subscriber)

    async def receive_json(self, content, **kwargs):
        """Clients have nothing to say; a ping is answered so they can check the socket is alive."""
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
