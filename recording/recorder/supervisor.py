"""The recorder supervisor: claims cameras by lease, runs their pipelines in worker processes, owns the DB side.

One loop, split into single-step methods that each say whether they did work: `drain_events` (what
pipelines report → index, status, events), `heartbeat` (beat + renew leases), `reconcile` (database →
desired pipelines), `check_workers` (crashed workers are restarted), `fire_snapshots` (snapshot schedules
on their second), `reconcile_files` (periodic index/file consistency, in a thread of its own). Only this
process writes the status rows of the cameras it holds, and every such write is fenced by the lease.

The once-a-second reconcile is cheap: one aggregate query tells whether cameras or schedules changed
(`config_stamp`; they are reloaded only then, and fully once a minute) and one reads the few cameras with
an open trigger or a live viewer; plans are recomputed from memory.

The database may go away (PostgreSQL restarted, SQLite locked by a long writer): workers never touch it and
keep recording; the supervisor keeps what they report in order (`backlog`), retries with backoff, and
indexes everything once the database answers again. Indexing is idempotent by path, so a retried event
never makes a duplicate row.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, InterfaceError, OperationalError, close_old_connections, connection
from django.db.models import F, Q
from django.utils import timezone

from cameras.models import Camera
from recording.recorder.native_events import NativeEvents
from recording.recorder.snapshot_firer import SnapshotFirer
from cameras.stream_urls import StreamSource, mask_credentials, record_url
from nvr import eventlog
from recording import indexing, leases, pruning
from recording import schedule as schedules
from recording.failures import describe_failure
from recording.models import CameraState, CameraStatus, RecordSchedule, SnapshotSchedule, clip_error
from recording.recorder.pipeline import PipelineConfig
from recording.recorder.plan import GapMarks, Plan, lease_target, plan_camera, reason_after_takeover
from recording.recorder.worker import worker_main

log = logging.getLogger(__name__)
STATS_WRITE_S = 3.5  # workers forward stats every 4 s
SHUTDOWN_GRACE_S = 10.0
NO_URL_RETRY_S = 30.0
SECRET_FIELDS = ("password", "main_stream_url", "sub_stream_url", "anr_replay_url_template")
STATE_AFTER_DISCONNECT = {"camera_offline": CameraState.OFFLINE}
RECOVERED_AFTER_S = 10.0  # a camera counts as back once a connection has stayed up this long
# The database is unreachable or locked: wait and retry (a bug's DatabaseError is not retried forever).
DATABASE_AWAY = (OperationalError, InterfaceError)
DB_RETRY_START_S, DB_RETRY_MAX_S = 1.0, 15.0
BACKLOG_LIMIT = 200_000  # worker events kept while the database is away (stats are dropped first)
FULL_RELOAD_S = 60.0  # cameras and schedules are re-read at least this often, changed or not
NO_URL = "no RTSP URL: set address+credentials or an explicit stream URL"


@dataclass
class Outage:
    """A camera's current run of failures: one event when it starts, one when the camera is back."""

    since: object  # datetime of the first failure
    reason: str
    cause: str
    attempts: int = 1


@dataclass
class CameraRun:
    """What the supervisor knows about one camera it holds."""

    camera_id: str
    marks: GapMarks = field(default_factory=GapMarks)
    worker: "WorkerHandle | None" = None
    config: PipelineConfig | None = None
    plan: Plan | None = None
    connected: bool = False
    stats: tuple | None = None
    stats_written_at: float = 0.0
    no_url_until: float = 0.0
    built: tuple | None = None  # (camera.updated_at, config): secrets are decrypted only when the camera changed
    generation: int = 0  # number of its pipeline's start, so the late "stopped" of a replaced one is recognised
    outage: Outage | None = None
    connected_since: float | None = None  # monotonic time of the current connection's first keyframe
    connected_at: object = None  # and its wall-clock time


class WorkerHandle:
    """One worker process and the cameras placed on it."""

    def __init__(self, context, events):
        self.commands = context.Queue()
        self.process = context.Process(target=worker_main, args=(self.commands, events), daemon=True)
        self.cameras: set[str] = set()
        self.tap = ""  # "host:port" of its live tap, once the worker reports it
        self.process.start()

    def send(self, *command) -> None:
        self.commands.put(command)

    @property
    def alive(self) -> bool:
        return self.process.is_alive()


class Supervisor:
    """Runs until `stopping` is set (SIGTERM/SIGINT), then closes every open segment and gives the leases back."""

    def __init__(self, recorder_id: str | None = None):
        self.id = recorder_id or leases.recorder_identity()
        self.context = multiprocessing.get_context("spawn")
        self.events = self.context.Queue()
        self.workers: list[WorkerHandle] = []
        self.runs: dict[str, CameraRun] = {}
        self.stopping = False
        self.wanted_count = 0
        self.starts = itertools.count(1)  # pipeline starts, numbered across all cameras
        self.clock = time.monotonic  # replaced by tests that step the supervisor by hand
        self._next = {"heartbeat": 0.0, "reconcile": 0.0, "files": 0.0}
        self.backlog: deque = deque()  # worker events not yet applied to the database, oldest first
        self.freeing: threading.Thread | None = None  # the emergency retention pass after "disk full"
        self.reconciling_files: threading.Thread | None = None
        self.snapshots = SnapshotFirer()
        self.native_events = NativeEvents()  # ONVIF PullPoint listeners of held cameras with native_events_enabled
        self.live_recorders = 1  # fresh heartbeats seen at the last beat (this one included)
        self.storage_token = ""
        self.stamp: tuple | None = None  # config_stamp() of what `cameras` and `schedules` were loaded from
        self.reload_at = 0.0
        self.cameras: dict[str, Camera] = {}
        self.schedules: dict[str, list] = {}  # record schedules of scheduled cameras
        self.disk_freed = threading.Event()
        self.database_away_since: float | None = None
        self.db_retry_s = DB_RETRY_START_S
        self.db_retry_at = 0.0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.storage_token = leases.register_recorder(self.id).storage_token
        log.info("recorder %s started (cameras per worker: %d, lease %ds)", self.id,
                 settings.NVR_RECORDER_CAMERAS_PER_WORKER, settings.NVR_RECORDER_LEASE_SECONDS)

    def run(self) -> None:
        while not self.stopping and not self.guarded(self.start):
            self.collect(self.db_retry_s)
        try:
            while not self.stopping:
                if self.clock() < self.db_retry_at:
                    self.collect(min(settings.NVR_RECORDER_POLL_SECONDS, self.db_retry_at - self.clock()))
                    continue
                self.guarded(self.step, self.wait_budget())
        finally:
            self.shutdown()

    def wait_budget(self) -> float:
        """How long the loop may wait for worker events: the poll interval, or less when a snapshot is due."""
        wait = settings.NVR_RECORDER_POLL_SECONDS
        due = self.snapshots.next_due(timezone.now())
        if due is not None:
            wait = min(wait, max(0.0, (due - timezone.now()).total_seconds()))
        return wait

    def guarded(self, step, *args) -> bool:
        """Run one step; if the database is away, note it and schedule a retry (False) instead of dying."""
        try:
            step(*args)
        except DATABASE_AWAY as exc:
            self.database_lost(exc)
            return False
        if self.database_away_since is not None:
            log.warning("database answers again after %.0f s; %d queued recorder event(s) applied",
                        self.clock() - self.database_away_since, len(self.backlog))
            self.database_away_since, self.db_retry_s, self.db_retry_at = None, DB_RETRY_START_S, 0.0
        return True

    def database_lost(self, exc: Exception) -> None:
        if self.database_away_since is None:
            self.database_away_since = self.clock()
            log.error("database unavailable (%s): cameras keep recording; their segments are indexed when it returns",
                      str(exc).strip()[:200])
        else:
            self.db_retry_s = min(self.db_retry_s * 2, DB_RETRY_MAX_S)
        self.db_retry_at = self.clock() + self.db_retry_s
        try:
            connection.close()  # a broken connection is reopened by the next query
        except DatabaseError:
            pass

    def collect(self, wait: float) -> None:
        """Move worker events into the backlog without touching the database (it is away)."""
        deadline = time.monotonic() + wait
        while True:
            timeout = max(0.0, deadline - time.monotonic())
            try:
                event = self.events.get(timeout=timeout) if timeout > 0 else self.events.get_nowait()
            except queue.Empty:
                return
            self.keep(event)

    def keep(self, event: tuple) -> None:
        if len(self.backlog) >= BACKLOG_LIMIT:
            kept = deque(e for e in self.backlog if e[0] != "stats")
            log.warning("recorder backlog full: dropped %d stats event(s)", len(self.backlog) - len(kept))
            self.backlog = kept
        self.backlog.append(event)

    def step(self, wait: float = 0.0) -> bool:
        did_work = self.drain_events(wait)
        now_s = time.monotonic()
        if now_s >= self._next["heartbeat"]:
            close_old_connections()
            self._next["heartbeat"] = now_s + settings.NVR_RECORDER_LEASE_SECONDS / 3
            did_work |= self.heartbeat()
        if now_s >= self._next["reconcile"]:
            self._next["reconcile"] = now_s + settings.NVR_RECORDER_POLL_SECONDS
            did_work |= self.reconcile()
        did_work |= self.check_workers()
        did_work |= self.retry_disk_full()
        did_work |= self.snapshots.fire_due()
        if now_s >= self._next["files"]:
            self._next["files"] = now_s + settings.NVR_RECONCILE_INTERVAL_S
            did_work |= self.reconcile_files()
        return did_work

    def shutdown(self) -> None:
        """Close every open segment (index it), record why the next hole happens, release the leases."""
        log.info("recorder %s stopping: closing %d camera(s)", self.id, len(self.runs))
        self.snapshots.close()
        self.native_events.close()
        now = timezone.now()
        for run in self.runs.values():
            run.marks.mark(now, "recorder_down")
            if run.worker is not None:
                run.worker.send("stop", run.camera_id)
        deadline = time.monotonic() + SHUTDOWN_GRACE_S
        while any(run.worker is not None for run in self.runs.values()) and time.monotonic() < deadline:
            self.collect(0.2)  # the database is not needed to see the pipelines stop
            for event in [e for e in self.backlog if e[0] == "stopped"]:
                self.handle(event)
        for worker in self.workers:
            worker.send("exit")
        for worker in self.workers:
            worker.process.join(2.0)
            if worker.alive:
                worker.process.kill()
        self.collect(0)
        try:
            self.apply_backlog()
            leases.release(self.id, state=CameraState.OFFLINE, gap_reason="recorder_down", frames_per_second=None,
                           live_tap="")
            leases.stop_recorder(self.id)
        except DATABASE_AWAY as exc:
            # The files are on disk: the next start salvages and indexes them, and reclaims the leases at once.
            log.error("database unavailable at shutdown (%s): %d event(s) not stored", exc, len(self.backlog))

    # --- worker events -----------------------------------------------------------------------

    def drain_events(self, wait: float = 0.0) -> bool:
        """Apply the backlog, then what the workers report (waiting up to `wait` for the first event)."""
        did_work = self.apply_backlog()
        deadline = time.monotonic() + wait
        while True:
            timeout = max(0.0, deadline - time.monotonic())
            try:
                event = self.events.get(timeout=timeout) if timeout > 0 else self.events.get_nowait()
            except queue.Empty:
                return did_work
            did_work = True
            self.keep(event)
            self.apply_backlog()
            deadline = time.monotonic()  # keep draining what is queued, without waiting again

    def apply_backlog(self) -> bool:
        """Handle kept events in order; one the database refuses for a bug is logged and dropped, not retried."""
        did_work = bool(self.backlog)
        while self.backlog:
            event = self.backlog[0]
            try:
                self.handle(event)
            except DATABASE_AWAY:
                raise  # keep it (and everything after it) for when the database is back
            except DatabaseError:
                log.exception("recorder event %s for %s could not be stored; dropped", event[0], event[1])
            self.backlog.popleft()
        return did_work

    def handle(self, event: tuple) -> None:
        kind, camera_id, *args = event
        run = self.runs.get(camera_id) if isinstance(camera_id, str) else None
        if kind == "tap":
            self.on_tap(camera_id, args[0])
        elif kind == "segment":
            self.on_segment(camera_id, run, args[0])
        elif run is None:
            return
        elif kind == "connecting":
            self._write(camera_id, state=CameraState.CONNECTING)
        elif kind == "connected":
            self.on_connected(run, args[0])
        elif kind == "disconnect":
            self.on_disconnect(run, *args)
        elif kind == "stats":
            run.stats = tuple(args)
            self.flush_stats(run)
        elif kind == "stopped":
            self.on_stopped(run, *args)

    def on_segment(self, camera_id: str, run: CameraRun | None, segment) -> None:
        marks = run.marks if run is not None else GapMarks()
        try:
            indexing.index_segment(segment, marks.reason_before(segment.start, fallback="recorder_down"))
        except IntegrityError:
            if Camera.objects.filter(pk=camera_id).exists():
                log.info("camera %s: %s was indexed meanwhile", camera_id, segment.relpath)  # by a file reconcile
            else:  # the camera was deleted while its last segment was being closed: nothing to index it under
                log.info("camera %s: dropping segment of a deleted camera", camera_id)
                (indexing.recordings_root() / segment.relpath).unlink(missing_ok=True)
            return
        marks.forget_before(segment.start)
        if run is not None and run.plan is not None and run.plan.recording and run.connected:
            self._write(camera_id, state=CameraState.RECORDING, gap_reason=None)

    def on_tap(self, pid: int, address: str) -> None:
        """A worker's live tap is listening: publish it for the cameras already placed there."""
        for worker in self.workers:
            if worker.process.pid == pid:
                worker.tap = address
                for run in self.runs.values():
                    if run.worker is worker:
                        self._write(run.camera_id, live_tap=address)

    def on_connected(self, run: CameraRun, info: dict) -> None:
        run.connected, run.connected_since, run.connected_at = True, self.clock(), timezone.now()
        recording = bool(run.plan and run.plan.recording)
        state = CameraState.RECORDING if recording or run.plan is None else run.plan.idle_state
        changes = {"state": state, "last_error": None, "status_note": info.get("note") or "",
                   "live_tap": run.worker.tap if run.worker else ""}
        if recording:
            changes["gap_reason"] = None
        self._write(run.camera_id, **changes)

    def on_disconnect(self, run: CameraRun, reason: str, error: str, ran_seconds: float) -> None:
        now = timezone.now()
        run.connected, run.connected_since = False, None
        live_only = bool(run.plan and run.plan.live_only)
        if not live_only:  # a camera watched outside its schedule: the hole stays deliberate
            run.marks.mark(now, reason)
        cause = describe_failure(reason, error)
        self._write(run.camera_id, state=STATE_AFTER_DISCONNECT.get(reason, CameraState.ERROR),
                    last_error=clip_error(cause), gap_reason=run.plan.idle_reason if live_only else reason,
                    frames_per_second=None, reconnect_count=F("reconnect_count") + 1)
        self.note_failure(run, reason, cause, now, "camera_offline", {
            "ran_seconds": round(ran_seconds, 1), "detail": mask_credentials(error or "")[-300:]})
        if reason == "disk_full":
            self.free_disk()

    def free_disk(self) -> None:
        """Start the emergency retention pass in a thread (one at a time): the loop never waits for the disk."""
        if self.freeing is not None and self.freeing.is_alive():
            return
        self.freeing = threading.Thread(target=self._free_disk, name="emergency-retention", daemon=True)
        self.freeing.start()

    def _free_disk(self) -> None:
        try:
            report = pruning.emergency_free_space()
            log.warning("disk full: emergency retention deleted %d segment(s), %d bytes%s", report.floor_deleted,
                        report.bytes_freed, f" ({', '.join(report.findings)})" if report.findings else "")
            if report.bytes_freed:
                self.disk_freed.set()
        except Exception:
            log.exception("disk full: the emergency retention pass failed")
        finally:
            connection.close()  # this thread's own connection

    def retry_disk_full(self) -> bool:
        """Space was freed: cameras waiting out a "disk full" backoff try again now."""
        if not self.disk_freed.is_set():
            return False
        self.disk_freed.clear()
        for run in self.runs.values():
            if run.worker is not None and run.outage is not None and run.outage.reason == "disk_full":
                run.worker.send("retry", run.camera_id)
        return True

    def note_failure(self, run: CameraRun, reason: str, cause: str, now, event_type: str, extra: dict) -> None:
        """Log an event when a camera starts failing; later attempts of the same outage are only counted."""
        if run.outage is not None:
            run.outage.attempts += 1
            run.outage.reason, run.outage.cause = reason, cause
            return
        run.outage = Outage(now, reason, cause)
        eventlog.log_event(run.camera_id, event_type, "warning", {"reason": reason, "cause": cause, **extra}, now=now)

    def note_recovery(self, run: CameraRun) -> None:
        """The camera has streamed for a while after an outage: one event with how long it was down."""
        if run.outage is None or run.connected_since is None or self.clock() - run.connected_since < RECOVERED_AFTER_S:
            return
        outage, run.outage = run.outage, None
        now, back_at = timezone.now(), run.connected_at
        eventlog.log_event(run.camera_id, "camera_recovered", "info", {
            "reason": outage.reason, "cause": outage.cause, "attempts": outage.attempts,
            "down_seconds": round((back_at - outage.since).total_seconds(), 1),
            "since": outage.since.isoformat(), "recovered_at": back_at.isoformat(),
        }, now=now)

    def on_stopped(self, run: CameraRun, generation: int | None = None) -> None:
        if generation is not None and generation != run.generation:
            return  # a pipeline already replaced by a restart: the running one is not affected
        if run.worker is not None:
            run.worker.cameras.discard(run.camera_id)
        run.worker, run.connected = None, False

    def flush_stats(self, run: CameraRun, force: bool = False) -> None:
        now_s = time.monotonic()
        if run.stats is None or (not force and now_s - run.stats_written_at < STATS_WRITE_S):
            return
        fps, last_packet_at, bytes_written = run.stats
        self._write(run.camera_id, frames_per_second=round(fps, 2), last_packet_at=last_packet_at,
                    bytes_written=bytes_written)
        run.stats_written_at = now_s
        self.note_recovery(run)

    def _write(self, camera_id: str, **changes) -> None:
        """Status writes are fenced by the lease: a recorder that lost a camera never overwrites its row."""
        changes["updated_at"] = timezone.now()
        CameraStatus.objects.filter(camera_id=camera_id, lease_holder=self.id).update(**changes)

    # --- leases and heartbeat ------------------------------------------------------------------

    def heartbeat(self) -> bool:
        now = timezone.now()
        recording = sum(1 for run in self.runs.values() if run.connected and run.plan and run.plan.recording)
        leases.beat(self.id, len(self.runs), recording, now)
        leases.write_storage_mark(self.id, self.storage_token)  # restored if someone cleaned the folder
        held = leases.renew(self.id, self.runs.keys(), now)
        lost = set(self.runs) - held
        for camera_id in lost:
            # Someone else holds it now (we stalled past the TTL): stop at once, write nothing more.
            log.warning("camera %s: lease lost to another recorder; stopping its pipeline", camera_id)
            self.stop_pipeline(self.runs.pop(camera_id))
        return bool(lost) | self.shed(now)

    def shed(self, now) -> bool:
        """Hand one camera over when we hold more than our share (another recorder joined); one per beat."""
        self.live_recorders = leases.live_recorder_count(now)  # counted once per heartbeat
        target = lease_target(self.wanted_count, self.live_recorders)
        if len(self.runs) <= max(target, 1):
            return False
        run = self.runs.pop(sorted(self.runs)[-1])
        log.info("camera %s: handing over to another recorder (holding %d, share %d)", run.camera_id,
                 len(self.runs) + 1, target)
        self.stop_pipeline(run)
        leases.release(self.id, [run.camera_id], state=CameraState.CONNECTING, gap_reason="recorder_down",
                       live_tap="")
        return True

    # --- database → pipelines -----------------------------------------------------------------

    def reconcile(self) -> bool:
        now = timezone.now()
        did_work = self.load_config()
        cameras = self.cameras
        for camera_id in [c for c in self.runs if c not in cameras]:
            self.stop_pipeline(self.runs.pop(camera_id))  # deleted: its status row went with it
            did_work = True
        plans = self.plans(cameras.values(), now, status_signals(now))
        for camera_id, plan in plans.items():
            if camera_id in self.runs:
                did_work |= self.apply(self.runs[camera_id], cameras[camera_id], plan, now)
        did_work |= self.claim_more(cameras, plans, now)
        did_work |= self.native_events.sync(cameras[cid] for cid in self.runs if cid in cameras)
        return did_work

    def load_config(self) -> bool:
        """Re-read cameras and schedules when `config_stamp` says they changed (and once a minute anyway)."""
        stamp = config_stamp()
        if stamp == self.stamp and self.clock() < self.reload_at:
            return False
        # Secrets stay deferred; pipeline_config() loads them only after an edit.
        self.cameras = {c.pk: c for c in Camera.objects.defer(*SECRET_FIELDS)}
        scheduled = [c.pk for c in self.cameras.values() if c.record_mode in ("scheduled", "scheduled_event")]
        self.schedules = {}
        for row in RecordSchedule.objects.filter(camera_id__in=scheduled, enabled=True):
            self.schedules.setdefault(row.camera_id, []).append(row)
        self.snapshots.load()
        self.stamp, self.reload_at = stamp, self.clock() + FULL_RELOAD_S
        return True

    def plans(self, cameras, now, signals: dict[str, tuple]) -> dict[str, Plan]:
        """Each camera's plan; `signals` holds (trigger_until, live_wanted_until) of the cameras that have one."""
        if not settings.NVR_RECORDER_ENABLED:
            return {}
        zone = schedules.schedule_zone()
        result = {}
        for camera in cameras:
            trigger_until, wanted_until = signals.get(camera.pk, (None, None))
            watched = wanted_until is not None and wanted_until > now
            result[camera.pk] = plan_camera(
                should_record=camera.should_record, mode=camera.record_mode,
                in_schedule=schedules.is_active(self.schedules.get(camera.pk, []), now, zone),
                trigger_until=trigger_until, now=now, live_wanted=camera.enabled and (camera.live_warm or watched),
            )
        return result

    def claim_more(self, cameras, plans, now) -> bool:
        wanted = [cid for cid, plan in plans.items() if plan.run or plan.idle_state == "idle_schedule"]
        self.wanted_count = len(wanted)
        target = lease_target(len(wanted), self.live_recorders)
        did_work = False
        for camera_id in sorted(wanted, key=lambda cid: (-cameras[cid].priority, cid)):
            if len(self.runs) >= target:
                break
            if camera_id in self.runs:
                continue
            claimed, before = leases.claim(camera_id, self.id, now)
            if not claimed:
                continue
            run = self.runs[camera_id] = CameraRun(camera_id)
            run.marks.mark(now, reason_after_takeover(before.gap_reason if before else None))
            indexing.salvage_camera(camera_id, run.marks.reason_before(now))
            self.apply(run, cameras[camera_id], plans[camera_id], now)
            did_work = True
        return did_work

    def apply(self, run: CameraRun, camera: Camera, plan: Plan, now) -> bool:
        """Bring one held camera to its plan: start/stop/restart its pipeline, gate writing, set idle states."""
        previous, run.plan = run.plan, plan
        if not plan.run:
            run.outage = None  # stopped on purpose: a failure after the next start is a new outage
            if run.worker is not None or previous != plan:
                run.marks.mark(now, plan.idle_reason)
                self.stop_pipeline(run)
                self._write(run.camera_id, state=plan.idle_state, gap_reason=plan.idle_reason, frames_per_second=None,
                            live_tap="")
            if plan.idle_state == "disabled":
                leases.release(self.id, [run.camera_id])
                del self.runs[run.camera_id]
            return previous != plan
        config = self.pipeline_config(camera, run)
        if config is None:
            return False
        if run.worker is None or config != run.config:
            if run.worker is not None:
                run.marks.mark(now, "recorder_down")  # restarted for a changed ingest setting
                self.stop_pipeline(run)
            self.start_pipeline(run, config, plan.recording)
            return True
        if config.mirror_root != run.config.mirror_root:
            run.worker.send("mirror", run.camera_id, config.mirror_root)
            run.config = config
        if previous is not None and previous.recording != plan.recording:
            self.gate(run, plan, now)
            return True
        return False

    def gate(self, run: CameraRun, plan: Plan, now) -> None:
        run.worker.send("record", run.camera_id, plan.recording)
        if plan.recording:
            if run.connected:
                self._write(run.camera_id, state=CameraState.RECORDING)
        else:
            run.marks.mark(now, plan.idle_reason)
            self._write(run.camera_id, state=plan.idle_state, gap_reason=plan.idle_reason)

    def pipeline_config(self, camera: Camera, run: CameraRun) -> PipelineConfig | None:
        if run.built is not None and run.built[0] == camera.updated_at:
            return run.built[1]
        camera = Camera.objects.get(pk=camera.pk)
        config = self.build_config(camera, run)
        if config is not None:
            run.built = (camera.updated_at, config)
        return config

    def build_config(self, camera: Camera, run: CameraRun) -> PipelineConfig | None:
        url = record_url(StreamSource.of(camera))
        if url:
            run.no_url_until = 0.0
            return PipelineConfig(
                camera_id=camera.pk, url=url, transport=camera.rtsp_transport, segment_seconds=camera.segment_seconds,
                record_audio=camera.record_audio, pre_roll_seconds=camera.pre_roll_seconds if camera.is_event_capable else 0,
                recordings_root=indexing.recordings_root(), timeout_s=float(settings.NVR_RTSP_TIMEOUT_S),
                mirror_root=settings.NVR_MIRROR_RECORDINGS_DIR if camera.mirror_enabled else None,
            )
        if time.monotonic() >= run.no_url_until:
            run.no_url_until = time.monotonic() + NO_URL_RETRY_S
            cause = describe_failure("stream_error", NO_URL)
            self._write(camera.pk, state=CameraState.ERROR, last_error=cause, gap_reason="stream_error")
            self.note_failure(run, "stream_error", cause, timezone.now(), "recorder_error", {"detail": NO_URL})
        return None

    def start_pipeline(self, run: CameraRun, config: PipelineConfig, recording: bool) -> None:
        worker = self.place()
        worker.cameras.add(run.camera_id)
        run.generation = next(self.starts)
        worker.send("start", config, recording, run.generation)
        run.worker, run.config, run.connected = worker, config, False
        self._write(run.camera_id, state=CameraState.CONNECTING, last_started_at=timezone.now(),
                    recorder_pid=worker.process.pid, live_tap=worker.tap)

    def stop_pipeline(self, run: CameraRun) -> None:
        """Ask the worker to close this camera; its last segment arrives as a normal event."""
        if run.worker is not None:
            run.worker.send("stop", run.camera_id)
            run.worker.cameras.discard(run.camera_id)
        run.worker, run.config, run.connected, run.connected_since = None, None, False, None

    def place(self) -> WorkerHandle:
        per_worker = settings.NVR_RECORDER_CAMERAS_PER_WORKER
        for worker in self.workers:
            if worker.alive and len(worker.cameras) < per_worker:
                return worker
        worker = WorkerHandle(self.context, self.events)
        self.workers.append(worker)
        return worker

    def check_workers(self) -> bool:
        """A crashed worker loses only its cameras: they are marked and restarted on a fresh worker."""
        dead = [w for w in self.workers if not w.alive]
        now = timezone.now()
        for worker in dead:
            self.workers.remove(worker)
            code = worker.process.exitcode
            for run in self.runs.values():
                if run.worker is worker:
                    log.error("camera %s: worker process died (exit %s); restarting", run.camera_id, code)
                    run.marks.mark(now, "recorder_down")
                    run.worker, run.config, run.connected = None, None, False
                    self._write(run.camera_id, state=CameraState.ERROR, gap_reason="recorder_down", live_tap="",
                                last_error=f"recorder worker process died (exit code {code})")
                    eventlog.log_event(run.camera_id, "recorder_error", "warning",
                                       {"reason": "worker_died", "exit_code": code})
                    # Its open segment is an orphaned .part now: keep its complete fragments before restarting.
                    indexing.salvage_camera(run.camera_id, run.marks.reason_before(now))
        for worker in [w for w in self.workers if not w.cameras]:
            worker.send("exit")  # it still closes any segment it was asked to stop before exiting
            self.workers.remove(worker)
        return bool(dead)

    def reconcile_files(self) -> bool:
        """Start the periodic file/index consistency pass in a thread: walking folders never stalls the loop."""
        if self.backlog or (self.reconciling_files is not None and self.reconciling_files.is_alive()):
            return False  # segments waiting in the backlog are indexed by their own events first
        now = timezone.now()
        held = [(camera_id, run.marks.reason_before(now)) for camera_id, run in self.runs.items()]
        self.reconciling_files = threading.Thread(target=self._reconcile_files, args=(held,),
                                                  name="reconcile-files", daemon=True)
        self.reconciling_files.start()
        return True

    @staticmethod
    def _reconcile_files(held: list[tuple[str, str]]) -> None:
        try:
            for camera_id, reason in held:
                indexing.reconcile_camera_files(camera_id, reason)
        except Exception:  # the database away, a folder unreadable: the next pass tries again
            log.warning("file reconcile pass failed", exc_info=True)
        finally:
            connection.close()  # this thread's own connection


def config_stamp() -> tuple:
    """Changes to cameras, record and snapshot schedules, in one aggregate query (newest edit and row count).

    Every change goes through a model save (auto `updated_at`) or adds/deletes a row; bulk `update()`s
    that bypass `updated_at` are caught by the supervisor's full reload once a minute.
    """
    parts = []
    for model in (Camera, RecordSchedule, SnapshotSchedule):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT MAX(updated_at) FROM {table}), (SELECT COUNT(*) FROM {table})")
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone())


def status_signals(now) -> dict[str, tuple]:
    """(trigger_until, live_wanted_until) of the cameras with an open trigger or a live viewer (usually few)."""
    rows = CameraStatus.objects.filter(Q(trigger_until__gt=now) | Q(live_wanted_until__gt=now)).values_list(
        "camera_id", "trigger_until", "live_wanted_until")
    return {camera_id: (trigger, wanted) for camera_id, trigger, wanted in rows}
