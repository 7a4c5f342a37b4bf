"""Scheduled snapshots, fired by the recorder on their second (SPEC §5, reference §3.7).

The supervisor keeps the enabled schedules in memory (reloaded when the schedule table changes) and calls
`fire_due` in its loop, which it never sleeps past the next due time. Each due schedule is claimed with a
conditional UPDATE of `last_fired_at` (several recorders never fire one schedule twice; the claim stamps
before the capture, so a failure is stamped too and retried at the next interval), then captured in a
small thread pool: from the recorder's own latest keyframe through its live tap when the camera is being
ingested, else a short-lived connection (`recording.snapshots.live_still`). A slow or dead camera never
delays the others, and no task-queue worker is kept busy.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from cameras.stream_urls import mask_credentials
from recording import snapshots
from recording.models import SnapshotSchedule

log = logging.getLogger(__name__)
CAPTURE_THREADS = 8


def due_time(last_fired_at: datetime | None, interval_seconds: int, now: datetime) -> datetime:
    """When a schedule fires next: at once if it never fired, else one interval after the last firing."""
    return now if last_fired_at is None else last_fired_at + timedelta(seconds=interval_seconds)


def fire_stamp(due: datetime, now: datetime, interval_seconds: int) -> datetime:
    """The `last_fired_at` a firing records: its due time (no drift from clock latency) unless a whole
    interval was missed (recorder down), in which case the cadence restarts from now instead of catching up."""
    return due if now - due < timedelta(seconds=interval_seconds) else now


def claim(schedule_id: str, seen: datetime | None, stamp: datetime) -> bool:
    """Stamp `last_fired_at` only if nobody did since we read it (the rowcount says who won)."""
    rows = SnapshotSchedule.objects.filter(pk=schedule_id, enabled=True)
    rows = rows.filter(last_fired_at__isnull=True) if seen is None else rows.filter(last_fired_at=seen)
    return rows.update(last_fired_at=stamp) == 1


def capture_scheduled(schedule_id: str) -> bool:
    """Take and keep one snapshot for a schedule (already stamped); False when it failed (logged)."""
    schedule = SnapshotSchedule.objects.select_related("camera").filter(pk=schedule_id).first()
    if schedule is None:
        return False
    try:
        snapshots.save_still(schedule.camera, snapshots.live_still(schedule.camera), schedule=schedule)
    except Exception as exc:  # offline camera, no URL, media pool busy: logged, retried next interval
        log.warning("snapshot schedule %s (camera %s) failed: %s", schedule_id, schedule.camera_id,
                    mask_credentials(str(exc)))
        return False
    return True


@dataclass
class FiringReport:
    """What the firer did since it started; `late_max_s` is the worst delay between a due time and its firing."""

    fired: int = 0
    captured: int = 0
    failed: int = 0
    skipped_busy: int = 0
    late_max_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class _Schedule:
    camera_id: str
    interval: int
    last_fired_at: datetime | None


class SnapshotFirer:
    def __init__(self, threads: int = CAPTURE_THREADS):
        self.schedules: dict[str, _Schedule] = {}
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="snapshot")
        self.in_flight: set[str] = set()  # cameras with a capture still running
        self.report = FiringReport()

    def load(self) -> None:
        """Re-read the enabled schedules of enabled cameras (after the table changed)."""
        rows = SnapshotSchedule.objects.filter(enabled=True, camera__enabled=True).values_list(
            "id", "camera_id", "interval_seconds", "last_fired_at")
        self.schedules = {sid: _Schedule(camera_id, interval, last) for sid, camera_id, interval, last in rows}

    def next_due(self, now: datetime) -> datetime | None:
        return min((due_time(s.last_fired_at, s.interval, now) for s in self.schedules.values()), default=None)

    def fire_due(self, now: datetime | None = None) -> bool:
        """Claim and capture every schedule due by `now`; whether any was due."""
        now = now or timezone.now()
        did_work = False
        for schedule_id, schedule in list(self.schedules.items()):
            due = due_time(schedule.last_fired_at, schedule.interval, now)
            if due > now:
                continue
            did_work = True
            stamp = fire_stamp(due, now, schedule.interval)
            if claim(schedule_id, schedule.last_fired_at, stamp):
                schedule.last_fired_at = stamp
                self.fire(schedule_id, schedule.camera_id, (now - due).total_seconds())
            else:  # another recorder fired it, or it changed: take the stored stamp
                fresh = SnapshotSchedule.objects.filter(pk=schedule_id, enabled=True).values_list(
                    "last_fired_at", flat=True).first()
                if fresh is None:
                    del self.schedules[schedule_id]
                else:
                    schedule.last_fired_at = fresh
        return did_work

    def fire(self, schedule_id: str, camera_id: str, lateness: float) -> None:
        with self.report.lock:
            self.report.fired += 1
            self.report.late_max_s = max(self.report.late_max_s, lateness)
            if camera_id in self.in_flight:
                self.report.skipped_busy += 1  # stamped, but the previous picture is still being taken
                log.warning("snapshot schedule %s: camera %s is still busy with the previous snapshot",
                            schedule_id, camera_id)
                return
            self.in_flight.add(camera_id)
        self.pool.submit(self._capture, schedule_id, camera_id)

    def _capture(self, schedule_id: str, camera_id: str) -> None:
        ok = False
        try:
            ok = capture_scheduled(schedule_id)
        except Exception:  # e.g. the database went away: this capture is lost, the firer carries on
            log.exception("snapshot schedule %s: capture crashed", schedule_id)
        finally:
            connection.close()  # this pool thread's own connection
        with self.report.lock:
            self.in_flight.discard(camera_id)
            if ok:
                self.report.captured += 1
            else:
                self.report.failed += 1

    def close(self, wait: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=True)
