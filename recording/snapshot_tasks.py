"""django-q2 tasks of stills and clips: the snapshot clock (schedules fired on time) and clip expiry.

django-q2's scheduler looks at its schedules only every ~30 s, so it cannot fire a 5-second snapshot
schedule on time. Instead a one-minute periodic task runs `snapshot_clock`: for up to
`CLOCK_RUN_SECONDS` it sleeps until the next schedule is due (re-reading the table at least every
`POLL_MAX_S`, so new and edited schedules are seen), claims each due schedule with a conditional
UPDATE of `last_fired_at` (two clocks never fire one schedule twice), and hands the capture to a
bounded thread pool (a slow or dead camera never delays the others). The claim stamps
`last_fired_at` before the capture, so a failure is stamped too and retried at the next interval.

Clocks overlap while one hands over to the next: the newest writes its token into a baton file and
older ones stop when they see someone else's token, so one worker, not two, is busy with the clock.
With no enabled schedule at all the clock returns at once and leaves the worker free (a first
schedule is then picked up by the next minute's run).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from cameras.stream_urls import mask_credentials
from recording import clips, snapshots
from recording.models import SnapshotSchedule

log = logging.getLogger(__name__)

CLOCK_RUN_SECONDS = 120.0  # longer than the worst gap between two one-minute runs (~90 s)
POLL_MAX_S = 1.0
CAPTURE_THREADS = 8
BATON_NAME = ".snapshot-clock"


# --- pure timing ------------------------------------------------------------------------------------

def due_time(last_fired_at: datetime | None, interval_seconds: int, now: datetime) -> datetime:
    """When a schedule fires next: at once if it never fired, else one interval after the last firing."""
    return now if last_fired_at is None else last_fired_at + timedelta(seconds=interval_seconds)


def fire_stamp(due: datetime, now: datetime, interval_seconds: int) -> datetime:
    """The `last_fired_at` a firing records: its due time (no drift from clock latency) unless a whole
    interval was missed (clock down), in which case the cadence restarts from now instead of catching up."""
    return due if now - due < timedelta(seconds=interval_seconds) else now


# --- the clock --------------------------------------------------------------------------------------

@dataclass
class ClockReport:
    """What one clock run did; `late_max_s` is the worst delay between a due time and its firing."""

    fired: int = 0
    captured: int = 0
    failed: int = 0
    skipped_busy: int = 0
    late_max_s: float = 0.0
    handed_over: bool = False
    idle: bool = False  # stopped early: no enabled schedule
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    FIELDS = ("fired", "captured", "failed", "skipped_busy", "late_max_s", "handed_over", "idle")

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.FIELDS}


class SnapshotClock:
    """One run of the snapshot clock; `run()` returns its report."""

    def __init__(self, run_seconds: float = CLOCK_RUN_SECONDS):
        self.run_seconds = run_seconds
        self.token = secrets.token_hex(8)
        self.report = ClockReport()
        self.in_flight: set[str] = set()  # cameras with a capture still running

    def baton(self) -> Path:
        return Path(settings.NVR_SNAPSHOTS_DIR) / BATON_NAME

    def take_baton(self) -> None:
        path = self.baton()
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f"{BATON_NAME}.{self.token}")
        temp.write_text(self.token)
        temp.replace(path)

    def holds_baton(self) -> bool:
        try:
            return self.baton().read_text() == self.token
        except OSError:
            return True  # a vanished baton (folder cleaned up) is no reason to stop

    def run(self) -> ClockReport:
        self.take_baton()
        stop_at = time.monotonic() + self.run_seconds
        with ThreadPoolExecutor(CAPTURE_THREADS, thread_name_prefix="snapshot") as pool:
            while time.monotonic() < stop_at:
                if not self.holds_baton():
                    self.report.handed_over = True
                    break
                next_due = self.tick(pool)
                if next_due is None:
                    self.report.idle = True
                    break
                wait = (next_due - timezone.now()).total_seconds()
                time.sleep(min(max(wait, 0.0), POLL_MAX_S, max(0.0, stop_at - time.monotonic())))
        # No close_old_connections() here: django-q2 does that around every task, and inside a caller's
        # transaction (a test, a sync run) it would close the caller's connection.
        return self.report

    def tick(self, pool: ThreadPoolExecutor) -> datetime | None:
        """Fire every due schedule; the earliest due time still ahead (None when nothing is scheduled)."""
        rows = SnapshotSchedule.objects.filter(enabled=True, camera__enabled=True).values_list(
            "id", "camera_id", "interval_seconds", "last_fired_at"
        )
        now = timezone.now()
        upcoming = []
        for schedule_id, camera_id, interval, last_fired_at in rows:
            due = due_time(last_fired_at, interval, now)
            if due <= now:
                if self.claim(schedule_id, last_fired_at, fire_stamp(due, now, interval)):
                    self.fire(pool, schedule_id, camera_id, lateness=(now - due).total_seconds())
                due = now + timedelta(seconds=interval)  # roughly; the next tick re-reads the stamp
            upcoming.append(due)
        return min(upcoming, default=None)

    @staticmethod
    def claim(schedule_id: str, seen: datetime | None, stamp: datetime) -> bool:
        """Stamp `last_fired_at` only if nobody did since we read it (the rowcount says who won)."""
        rows = SnapshotSchedule.objects.filter(pk=schedule_id, enabled=True)
        rows = rows.filter(last_fired_at__isnull=True) if seen is None else rows.filter(last_fired_at=seen)
        return rows.update(last_fired_at=stamp) == 1

    def fire(self, pool: ThreadPoolExecutor, schedule_id: str, camera_id: str, lateness: float) -> None:
        with self.report.lock:
            self.report.fired += 1
            self.report.late_max_s = max(self.report.late_max_s, lateness)
            if camera_id in self.in_flight:
                self.report.skipped_busy += 1  # stamped, but the previous picture is still being taken
                log.warning("snapshot schedule %s: camera %s is still busy with the previous snapshot",
                            schedule_id, camera_id)
                return
            self.in_flight.add(camera_id)
        pool.submit(self._capture, schedule_id, camera_id)

    def _capture(self, schedule_id: str, camera_id: str) -> None:
        ok = False
        try:
            ok = capture_scheduled(schedule_id)
        except Exception:  # e.g. the database went away: this capture is lost, the clock carries on
            log.exception("snapshot schedule %s: capture crashed", schedule_id)
        finally:
            connection.close()  # this pool thread's own connection
        with self.report.lock:
            self.in_flight.discard(camera_id)
            if ok:
                self.report.captured += 1
            else:
                self.report.failed += 1


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


# --- task functions (django-q2; nvr/schedules.py) ---------------------------------------------------

def snapshot_clock(run_seconds: float = CLOCK_RUN_SECONDS) -> dict:
    """Every minute: fire due snapshot schedules on time for the next ~2 minutes (handing over to the next run)."""
    return SnapshotClock(run_seconds).run().as_dict()


def prune_clips() -> dict:
    """Delete expired clips (48 h) and sweep clip files no row knows."""
    return {"expired": clips.prune_expired_clips(), "orphans": clips.sweep_orphan_files()}
