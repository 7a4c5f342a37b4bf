"""Cameras' own ONVIF events in the recorder (``native_events_enabled``): motion → event log + event recording.

The supervisor drives ``NativeEvents`` with ``sync(held cameras)`` from its loop and ``close()`` at
shutdown. Each held camera with native events on gets one listener thread running an asyncio loop with
a PullPoint subscription (``cameras.onvif.events``); only the recorder holding a camera's lease listens
to it, so several recorders never log the same motion twice.

A motion alarm turning on logs one ``camera_motion`` event (not one per PullMessages repeat, nor again
when a re-subscription reports the alarm still on) and opens the camera's event-recording window; while
the alarm stays on the window is held ``MOTION_HOLD_S`` ahead, and when it goes off the window runs on
for the camera's post-roll. The pre-roll comes from the pipeline's buffer, as for any trigger.

Where a camera's ONVIF device is: ``CameraOnvif.device_url`` when a probe stored one, else
``http://{address}/onvif/device_service`` (port 80, the ONVIF default; the Camera model has no ONVIF
port field).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from cameras.models import Camera, CameraOnvif
from cameras.onvif.client import OnvifClient, OnvifError
from cameras.onvif.events import PullPoint
from cameras.onvif.messages import OnvifEvent
from nvr import eventlog
from recording.services import trigger_recording, trigger_refusal

log = logging.getLogger(__name__)

# What trigger_recording reads of a camera (the encrypted columns are never needed here).
TRIGGER_FIELDS = ("id", "enabled", "record_enabled", "record_mode", "pre_roll_seconds", "post_roll_seconds")
# Motion topics and the Data item that carries their state (the ONVIF profile topic first).
MOTION_TOPICS = {"VideoSource/MotionAlarm": "State", "RuleEngine/CellMotionDetector/Motion": "IsMotion"}
# While the alarm is on, the window is kept this far ahead of now (refreshed every HOLD_EVERY_S), so a long
# motion never outlives a short post-roll. trigger_recording never shortens a window: after the alarm ends,
# recording may run up to MOTION_HOLD_S beyond the post-roll.
MOTION_HOLD_S = 6.0
HOLD_EVERY_S = 2.0
REFRESH_S = 60.0  # targets are re-read this often even when no held camera changed (a new ONVIF probe)
STOP_JOIN_S = 5.0


@dataclass(frozen=True)
class OnvifTarget:
    """How to reach one camera's ONVIF device."""

    device_url: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)


def default_device_url(address: str | None) -> str | None:
    """``http://{address}/onvif/device_service`` for a camera without a probed device URL."""
    host = (address or "").strip()
    if not host:
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # a bare IPv6 literal
    return f"http://{host}/onvif/device_service"


class MotionTracker:
    """Turns a stream of ONVIF notifications into motion starts and ends (per topic and video source)."""

    def __init__(self):
        self.states: dict[tuple, bool] = {}

    @property
    def active(self) -> bool:
        return any(self.states.values())

    def feed(self, event: OnvifEvent) -> str | None:
        """"start", "continue" (still on), "end", or None for anything that is not a motion change."""
        item = MOTION_TOPICS.get(event.topic_path)
        if item is None:
            return None
        value = event.data.get(item, "").strip().lower()
        if event.operation == "Deleted":
            state = False
        elif value in ("true", "1"):
            state = True
        elif value in ("false", "0"):
            state = False
        else:
            return None
        key = (event.topic_path, tuple(sorted(event.source.items())))
        before, self.states[key] = self.states.get(key, False), state
        if state:
            return "continue" if before else "start"
        return "end" if before else None


def record_motion(camera_id: str, change: str, event: OnvifEvent | None, clock_offset_s: float | None = None) -> None:
    """Apply one motion change to the database: the event on a start, the recording window on every change.

    Runs in a worker thread (Django's ORM is synchronous) and closes that thread's connection afterwards.
    """
    try:
        camera = Camera.objects.only(*TRIGGER_FIELDS).filter(pk=camera_id).first()
        if camera is None:
            return
        now = timezone.now()
        if change == "start" and event is not None:
            payload = {"source": "camera_native", "topic": event.topic, "video_source": event.source.get("Source"),
                       "camera_time": event.camera_time.isoformat() if event.camera_time else None,
                       "clock_offset_s": clock_offset_s}
            eventlog.log_event(camera_id, "camera_motion", "warning", payload, now=min(event.time, now))
        if trigger_refusal(camera) is None:
            # While the alarm is on the window is held ahead; from its end the post-roll applies.
            at = now + timedelta(seconds=MOTION_HOLD_S) if change in ("start", "continue", "hold") else now
            trigger_recording(camera, now=at, audited=False)
    except Exception:  # the database away, a bad row: logged, the next change tries again
        log.exception("camera %s: could not record a native motion event", camera_id)
    finally:
        connection.close()


class Listener(threading.Thread):
    """One camera's PullPoint subscription in an asyncio loop of its own thread."""

    def __init__(self, camera_id: str, target: OnvifTarget, *, wait_s: float = 10.0, timeout_s: float = 5.0,
                 subscription_s: int = 60, backoff_start_s: float = 1.0, hold_every_s: float = HOLD_EVERY_S):
        super().__init__(name=f"onvif-events-{camera_id}", daemon=True)
        self.camera_id, self.target = camera_id, target
        self.wait_s, self.timeout_s, self.subscription_s = wait_s, timeout_s, subscription_s
        self.backoff_start_s, self.hold_every_s = backoff_start_s, hold_every_s
        self.tracker = MotionTracker()
        self.pullpoint: PullPoint | None = None
        self._stopping = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None

    def run(self) -> None:
        try:
            asyncio.run(self._main())
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("camera %s: ONVIF event listener crashed", self.camera_id)

    def stop(self) -> None:
        """Ask the listener to unsubscribe and end (returns at once; join() to wait)."""
        self._stopping.set()
        loop, task = self._loop, self._task
        if loop is not None and task is not None:
            try:
                loop.call_soon_threadsafe(task.cancel)
            except RuntimeError:  # the loop is already closed: the listener has ended
                pass

    async def _main(self) -> None:
        self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
        if self._stopping.is_set():
            return
        try:
            client = OnvifClient(self.target.device_url, self.target.user, self.target.password,
                                 timeout=self.timeout_s)
        except OnvifError as exc:  # a URL the egress guard refuses: idle until the camera is edited
            log.warning("camera %s: native events cannot start: %s", self.camera_id, exc)
            await asyncio.Event().wait()
            return
        self.pullpoint = PullPoint(client, wait_s=self.wait_s, subscription_s=self.subscription_s,
                                   backoff_start_s=self.backoff_start_s)
        holder = asyncio.get_running_loop().create_task(self._hold_while_moving())
        try:
            async for event in self.pullpoint:
                change = self.tracker.feed(event)
                if change is not None and change != "continue":
                    await self._record(change, event)
        finally:
            holder.cancel()
            await self.pullpoint.aclose()
            await client.close()

    async def _hold_while_moving(self) -> None:
        """Keep the window open during a long alarm, but only while the subscription is known to be alive."""
        while True:
            await asyncio.sleep(self.hold_every_s)
            if self.tracker.active and self.pullpoint.healthy:
                await self._record("hold", None)

    async def _record(self, change: str, event: OnvifEvent | None) -> None:
        offset = self.pullpoint.client.clock.offset_seconds if self.pullpoint.client.clock else None
        await asyncio.to_thread(record_motion, self.camera_id, change, event, offset)


class NativeEvents:
    """The listeners of the cameras this recorder holds: ``sync`` from the supervisor loop, ``close`` at the end."""

    def __init__(self, clock=time.monotonic, **listener_options):
        self.clock = clock
        self.listener_options = listener_options
        self.listeners: dict[str, Listener] = {}
        self._stamp: dict | None = None
        self._refresh_at = 0.0

    def sync(self, cameras: Iterable[Camera]) -> bool:
        """Start and stop listeners to match the held ``cameras`` (secrets may be deferred); True if any changed.

        Cheap when nothing changed (a dict compare); the targets, which decrypt passwords, are read only
        when a held camera was added, removed or edited, and once every ``REFRESH_S``.
        """
        wanted = {c.pk: c.updated_at for c in cameras if c.native_events_enabled and c.enabled}
        all_alive = all(listener.is_alive() for listener in self.listeners.values())
        if wanted == self._stamp and all_alive and self.clock() < self._refresh_at:
            return False
        targets = self.targets(list(wanted))
        changed = False
        for camera_id in list(self.listeners):
            listener = self.listeners[camera_id]
            if targets.get(camera_id) != listener.target or not listener.is_alive():
                self._stop([self.listeners.pop(camera_id)])
                changed = True
        for camera_id, target in targets.items():
            if camera_id not in self.listeners:
                self.listeners[camera_id] = Listener(camera_id, target, **self.listener_options)
                self.listeners[camera_id].start()
                changed = True
        self._stamp, self._refresh_at = wanted, self.clock() + REFRESH_S
        return changed

    @staticmethod
    def targets(camera_ids: list[str]) -> dict[str, OnvifTarget]:
        """Each camera's ONVIF device and credentials (decrypted here, once per change)."""
        if not camera_ids:
            return {}
        urls = dict(CameraOnvif.objects.filter(camera_id__in=camera_ids).values_list("camera_id", "device_url"))
        found = {}
        for camera in Camera.objects.filter(pk__in=camera_ids).only("id", "address", "username", "password"):
            url = (urls.get(camera.pk) or "").strip() or default_device_url(camera.address)
            if url is None:
                log.warning("camera %s: native events are on but it has no address and no ONVIF device URL",
                            camera.pk)
                continue
            found[camera.pk] = OnvifTarget(url, camera.username or None, camera.password or None)
        return found

    @staticmethod
    def _stop(listeners: list[Listener]) -> None:
        for listener in listeners:
            listener.stop()
        for listener in listeners:
            listener.join(STOP_JOIN_S)

    def close(self) -> None:
        """Stop every listener (each unsubscribes from its camera)."""
        self._stop(list(self.listeners.values()))
        self.listeners.clear()
        self._stamp = None
