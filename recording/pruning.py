"""The retention sweep against the database and the disk (reference §3.17; policy in `recording.retention`).

Segments: a conditional row DELETE that re-checks both locks at write time (a lock taken meanwhile
wins), then the file unlink; a failed unlink leaves an orphan for the hourly orphan pass. Also
snapshots, resolved gaps, the expiry of pending gaps past the ANR window, and the orphan pass.
Detections/zone events (`ai.tasks`) and audit rows (`accounts.tasks`) are pruned by their own apps.
"""

from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from cameras.models import Camera
from nvr import eventlog
from recording import locks, retention, storage
from recording.models import FillState, RecordingGap, Segment, Snapshot
from recording.retention import CameraUsage, Seg, StepResult

log = logging.getLogger(__name__)
ROW_BATCH = 5000
ORPHAN_MIN_AGE = timedelta(hours=1)
ORPHAN_QUERY_BATCH = 500
# Gap states nothing will change any more: pruned once older than the audit horizon.
SETTLED_GAP_STATES = (FillState.FILLED, FillState.FAILED, FillState.EXPIRED, FillState.NOT_APPLICABLE)
DELETABLE = Q(read_locks=0, evidence_locked=False)
SWEEP_LOCK_NAME = "retention_sweep"
SWEEP_LOCK_TTL = timedelta(minutes=30)  # longer than the task timeout (10 min)
EMERGENCY_FREE_MAX = 512 * 2**20  # what an emergency pass frees at least: 5 % of the disk, at most this


def _inside(root: Path, relative: str) -> Path | None:
    """`root / relative`, or None when the stored path would leave the root (never unlink outside it)."""
    root = root.resolve()
    target = (root / relative).resolve()
    return target if target != root and target.is_relative_to(root) else None


def remove_empty_day_dirs(root: Path, directories, today: datetime) -> None:
    """Remove emptied `{camera}/{YYYY}/{MM}/{DD}` folders and emptied month/year folders, never today's (being written)."""
    current = (f"{today:%Y}", f"{today:%Y/%m}", f"{today:%Y/%m/%d}")
    root = root.resolve()
    folders = {d.resolve() for d in directories}
    for directory in sorted((d for d in folders if d.is_relative_to(root)), key=lambda p: len(p.parts), reverse=True):
        while directory != root and directory.parent != root:  # stop at the camera folder
            relative = directory.relative_to(root).as_posix().split("/", 1)
            if len(relative) < 2 or relative[1] in current:
                break
            try:
                directory.rmdir()
            except OSError:  # not empty (or already gone): leave it
                break
            directory = directory.parent


class DatabaseStore:
    """The `SegmentStore` of production: Segment rows plus their files under NVR_RECORDINGS_DIR."""

    def __init__(self, root: Path, now: datetime):
        self.root, self.now = root, now
        self.unlink_failures = 0

    def oldest_deletable(self, camera_id, limit, ended_before=None) -> list[Seg]:
        rows = Segment.objects.filter(DELETABLE)
        if camera_id is not None:
            rows = rows.filter(camera_id=camera_id)
        if ended_before is not None:
            rows = rows.filter(end_time__lt=ended_before)
        picked = rows.order_by("end_time", "id").values_list("id", "camera_id", "end_time", "size_bytes")[:limit]
        return [Seg(*row) for row in picked]

    def delete(self, victims: list[Seg]) -> list[Seg]:
        wanted = {seg.id: seg for seg in victims}
        with transaction.atomic():
            # Row locks (PostgreSQL) / the IMMEDIATE write transaction (SQLite): a lock taken after
            # selection is seen here, and one taken after this point finds the row gone.
            rows = dict(Segment.objects.select_for_update().filter(DELETABLE, pk__in=list(wanted)).values_list("id", "path"))
            Segment.objects.filter(DELETABLE, pk__in=list(rows)).delete()
        self._unlink(rows.values())
        return [wanted[seg_id] for seg_id in rows]

    def _unlink(self, relative_paths) -> None:
        folders = []
        for relative in relative_paths:
            target = _inside(self.root, relative)
            if target is None:
                continue
            try:
                target.unlink(missing_ok=True)
            except OSError as exc:  # the row is gone: the file is now an orphan for the orphan pass
                self.unlink_failures += 1
                log.warning("retention: could not delete %s: %s", target, exc)
                continue
            folders.append(target.parent)
        remove_empty_day_dirs(self.root, folders, self.now)

    def disk_usage(self) -> tuple[int, int] | None:
        return storage.disk_usage(self.root)


def camera_usage() -> dict[str, CameraUsage]:
    """Per-camera footprint, evidence-locked and deletable bytes, in one grouped query."""
    rows = (
        Segment.objects.values("camera_id", "camera__storage_quota_bytes")
        .annotate(
            total=Sum("size_bytes"),
            evidence=Sum("size_bytes", filter=Q(evidence_locked=True)),
            deletable=Sum("size_bytes", filter=DELETABLE),
            count=Count("id"),
        )
        .order_by()
    )
    return {
        row["camera_id"]: CameraUsage(
            camera_id=row["camera_id"], quota_bytes=row["camera__storage_quota_bytes"], total_bytes=row["total"] or 0,
            evidence_bytes=row["evidence"] or 0, deletable_bytes=row["deletable"] or 0, segment_count=row["count"],
        )
        for row in rows
    }


@dataclass
class SweepReport:
    """What one retention sweep did (returned by the task, so it lands in django-q's result row)."""

    age_deleted: int = 0
    quota_deleted: int = 0
    cap_deleted: int = 0
    floor_deleted: int = 0
    bytes_freed: int = 0
    unlink_failures: int = 0
    snapshots_deleted: int = 0
    gaps_deleted: int = 0
    mirror_files_deleted: int = 0
    findings: list[str] = field(default_factory=list)
    skipped: bool = False

    @property
    def segments_deleted(self) -> int:
        return self.age_deleted + self.quota_deleted + self.cap_deleted + self.floor_deleted

    def as_dict(self) -> dict:
        return {**asdict(self), "segments_deleted": self.segments_deleted}


def _per_camera(deleted: list[Seg]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for seg in deleted:
        counts[seg.camera_id] = counts.get(seg.camera_id, 0) + 1
    return counts


def _report_step(step: StepResult, reason: str, now, camera_id: str | None = None) -> None:
    """One `disk_pressure` event per tier that deleted footage, one per finding."""
    if step.deleted:
        eventlog.log_event(camera_id, "disk_pressure", "warning", {
            "reason": reason, "deleted": len(step.deleted), "bytes": step.bytes, "cameras": _per_camera(step.deleted),
        }, now=now)
    for finding in step.findings:
        eventlog.log_event(finding.camera_id, "disk_pressure", finding.severity, {"reason": finding.reason, **finding.detail}, now=now)


def prune_segments(report: SweepReport, now: datetime) -> None:
    """Tiers 1–4 of reference §3.17 in order: age, per-camera quota, global cap, free-disk floor."""
    root = Path(settings.NVR_RECORDINGS_DIR)
    store = DatabaseStore(root, now)
    aged = retention.prune_age(store, dict(Camera.objects.values_list("id", "retention_hours")), now)
    if aged.deleted:
        eventlog.log_event(None, "retention_delete", "info", {
            "reason": "age", "deleted": len(aged.deleted), "bytes": aged.bytes, "cameras": _per_camera(aged.deleted),
        }, now=now)
    usages = camera_usage()
    quota_steps = []
    for usage in usages.values():
        quota_steps.append(retention.prune_quota(store, usage))
        _report_step(quota_steps[-1], "camera_quota", now, usage.camera_id)
    limits = storage.current_limits()
    capped = retention.prune_cap(store, usages, limits.cap_bytes)
    _report_step(capped, "global_cap", now)
    floored = retention.prune_floor(store, usages, limits.floor_bytes)
    _report_step(floored, "free_disk_floor", now)
    steps = [aged, *quota_steps, capped, floored]
    report.age_deleted = len(aged.deleted)
    report.quota_deleted = sum(len(step.deleted) for step in quota_steps)
    report.cap_deleted, report.floor_deleted = len(capped.deleted), len(floored.deleted)
    report.bytes_freed = sum(step.bytes for step in steps)
    report.unlink_failures = store.unlink_failures
    report.findings = [finding.reason for step in steps for finding in step.findings]


def _delete_rows(rows) -> int:
    """Delete a queryset ROW_BATCH rows at a time (short write transactions on SQLite)."""
    total = 0
    while True:
        batch = list(rows.values_list("pk", flat=True)[:ROW_BATCH])
        if not batch:
            return total
        total += rows.model.objects.filter(pk__in=batch).delete()[0]
        if len(batch) < ROW_BATCH:
            return total


def _delete_rows_and_files(rows, root: Path) -> int:
    """Like `_delete_rows` for rows with a `path` under `root`: rows first, then their files."""
    total = 0
    while True:
        batch = list(rows.values_list("pk", "path")[:ROW_BATCH])
        if not batch:
            return total
        total += rows.model.objects.filter(pk__in=[pk for pk, _ in batch]).delete()[0]
        for _, relative in batch:
            target = _inside(root, relative)
            try:
                if target is not None:
                    target.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("retention: could not delete %s: %s", target, exc)
        if len(batch) < ROW_BATCH:
            return total


def prune_snapshots(now: datetime) -> int:
    """Snapshots older than NVR_SNAPSHOT_RETENTION_HOURS (0 = keep forever): rows, then files."""
    hours = settings.NVR_SNAPSHOT_RETENTION_HOURS
    if hours <= 0:
        return 0
    old = Snapshot.objects.filter(taken_at__lt=now - timedelta(hours=hours)).order_by("taken_at")
    return _delete_rows_and_files(old, Path(settings.NVR_SNAPSHOTS_DIR))


def prune_settled_gaps(now: datetime) -> int:
    """Gaps nothing will change any more (filled, failed, expired, not applicable) past the audit horizon."""
    horizon = now - timedelta(days=settings.NVR_AUDIT_RETENTION_DAYS)
    return _delete_rows(RecordingGap.objects.filter(fill_state__in=SETTLED_GAP_STATES, gap_start__lt=horizon))


def expire_pending_gaps(now: datetime | None = None) -> int:
    """Pending gaps that started before the ANR window (NVR_ANR_MAX_GAP_HOURS) become `expired`."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.NVR_ANR_MAX_GAP_HOURS)
    return RecordingGap.objects.filter(fill_state=FillState.PENDING, gap_start__lt=cutoff).update(fill_state=FillState.EXPIRED)


@contextmanager
def exclusive_sweep():
    """Yields whether this process may sweep: an overlapping second sweep would act on a stale usage
    snapshot and delete the same excess twice. A database lock, so it holds across hosts (and needs no
    file on a disk that may be full); a sweep that dies frees it after SWEEP_LOCK_TTL."""
    with locks.exclusive(SWEEP_LOCK_NAME, SWEEP_LOCK_TTL) as mine:
        yield mine


def run_retention_sweep(now: datetime | None = None) -> SweepReport:
    """One retention sweep: segment tiers 1–4, old snapshots, settled gaps past the audit horizon."""
    now = now or timezone.now()
    report = SweepReport()
    with exclusive_sweep() as mine:
        if not mine:
            log.info("retention: another sweep is still running; skipping this one")
            report.skipped = True
            return report
        prune_segments(report, now)
        report.snapshots_deleted = prune_snapshots(now)
        report.gaps_deleted = prune_settled_gaps(now)
        report.mirror_files_deleted = prune_mirror(now)
    return report


def prune_mirror(now: datetime) -> int:
    """Mirror copies (`recording.recorder.mirror`) older than their camera's retention, and stale `.part`s.

    Mirror files are not indexed, so age is their file time; a folder of no known camera is left alone
    (deleting a camera removes its mirror folder).
    """
    root = settings.NVR_MIRROR_RECORDINGS_DIR
    if root is None or not Path(root).is_dir():
        return 0
    deleted = 0
    for camera_id, hours in Camera.objects.values_list("id", "retention_hours"):
        folder = Path(root) / camera_id
        if folder.is_symlink() or not folder.is_dir():
            continue
        media_cutoff = (now - timedelta(hours=max(hours, 1))).timestamp()
        part_cutoff = (now - ORPHAN_MIN_AGE).timestamp()
        folders = []
        for directory, _, names in os.walk(folder):
            for name in names:
                path = Path(directory) / name
                cutoff = part_cutoff if name.endswith(".part") else media_cutoff
                try:
                    if path.stat().st_mtime < cutoff:
                        path.unlink()
                        deleted += 1
                        folders.append(path.parent)
                except OSError as exc:
                    log.warning("mirror retention: could not delete %s: %s", path, exc)
        remove_empty_day_dirs(Path(root), folders, now)
    return deleted


def emergency_target(floor_bytes: int, disk_bytes: int) -> int:
    """Free bytes an emergency pass aims for: the floor, at least 5 % of the disk (≤ 512 MiB), at most a quarter."""
    return min(max(floor_bytes, min(EMERGENCY_FREE_MAX, disk_bytes // 20)), disk_bytes // 4)


def emergency_free_space(now: datetime | None = None) -> SweepReport:
    """The recorder hit "no space left on device": run the free-disk tier now instead of at the next sweep.

    Evidence and read locks are honoured as always; the footage deleted is reported as `disk_pressure`
    events with reason `disk_full`.
    """
    now = now or timezone.now()
    report = SweepReport()
    root = Path(settings.NVR_RECORDINGS_DIR)
    disk = storage.disk_usage(root)
    if disk is None:
        return report
    with exclusive_sweep() as mine:
        if not mine:
            report.skipped = True  # a sweep is running and applies the floor itself
            return report
        store = DatabaseStore(root, now)
        floored = retention.prune_floor(store, camera_usage(), emergency_target(storage.current_limits().floor_bytes, disk[0]))
        _report_step(floored, "disk_full", now)
        report.floor_deleted, report.bytes_freed = len(floored.deleted), floored.bytes
        report.unlink_failures = store.unlink_failures
        report.findings = [finding.reason for finding in floored.findings]
    return report


# --- orphan pass (about hourly) ---------------------------------------------------------------------

def _old_segment_files(root: Path, cutoff: float):
    """Batches of (relative path, path, size) for `.mp4` files last modified before `cutoff`."""
    batch = []
    for directory, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".mp4"):  # `*.mp4.part` is the recorder's: open segment or salvage material
                continue
            path = Path(directory) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            if stat.st_mtime < cutoff:
                batch.append((path.relative_to(root).as_posix(), path, stat.st_size))
            if len(batch) >= ORPHAN_QUERY_BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def reclaim_orphans(now: datetime | None = None) -> tuple[int, int]:
    """Delete `.mp4` files under the recordings dir older than 1 h that no Segment row knows; (files, bytes)."""
    now = now or timezone.now()
    root = Path(settings.NVR_RECORDINGS_DIR)
    if not root.is_dir():
        return 0, 0
    reclaimed = freed = 0
    folders = []
    for batch in _old_segment_files(root, (now - ORPHAN_MIN_AGE).timestamp()):
        known = set(Segment.objects.filter(path__in=[relative for relative, _, _ in batch]).values_list("path", flat=True))
        for relative, path, size in batch:
            if relative in known:
                continue
            try:
                path.unlink()
            except OSError as exc:
                log.warning("orphan pass: could not delete %s: %s", path, exc)
                continue
            reclaimed, freed = reclaimed + 1, freed + size
            folders.append(path.parent)
    remove_empty_day_dirs(root, folders, now)
    if reclaimed:
        eventlog.log_event(None, "recording_orphans", "warning", {"reclaimed": reclaimed, "bytes": freed}, now=now)
    return reclaimed, freed
