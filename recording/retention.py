"""Retention victim selection (reference §3.17, SPEC §5): pure policy over plain data, no Django.

The four storage tiers run against a `SegmentStore` (the database in production, a list in tests):
age, per-camera quota, global cap with fair share, free-disk floor. A segment is deletable only
when it is neither read-locked nor evidence-locked; the store's `delete` re-checks both at write
time, so a lock taken after selection wins and the policy simply sees fewer bytes freed.

Fair share (the fix of reference §5.20): each camera holding footage gets `pie × weight / Σweights`
where weight is its quota, and cameras without a quota weigh the average quota of the cameras that
have one (all cameras weigh the same when none has a quota). The pie is the cap in the cap tier and
the current footprint in the free-disk tier (there the cap may not be reached, yet someone must give).
A camera most over its share whose footage is all locked is reported (`over_share_all_protected`)
and the next camera over its share loses footage instead, so the limits still hold.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

PRUNE_BATCH = 20
FLOOR_BATCH_MIN, FLOOR_BATCH_MAX = 20, 256
FLOOR_MAX_ROUNDS = 200
AGE_BATCH = 500
WARNING, CRITICAL = "warning", "critical"


@dataclass(frozen=True)
class Seg:
    """One segment as retention sees it."""

    id: str
    camera_id: str
    end_time: datetime
    size_bytes: int
    read_locked: bool = False
    evidence_locked: bool = False

    @property
    def deletable(self) -> bool:
        return not (self.read_locked or self.evidence_locked)


@dataclass
class CameraUsage:
    """What one camera holds: all bytes, evidence-locked bytes, and bytes retention may delete."""

    camera_id: str
    quota_bytes: int | None = None
    total_bytes: int = 0
    evidence_bytes: int = 0
    deletable_bytes: int = 0
    segment_count: int = 0

    def forget(self, seg: Seg) -> None:
        """Account for a deleted (hence deletable) segment."""
        self.total_bytes -= seg.size_bytes
        self.deletable_bytes -= seg.size_bytes
        self.segment_count -= 1


class SegmentStore(Protocol):
    """Where segments live: oldest-first candidates, a lock-respecting delete, and disk figures."""

    def oldest_deletable(self, camera_id: str | None, limit: int, ended_before: datetime | None = None) -> list[Seg]:
        """Deletable segments ordered by end time (camera_id None = every camera)."""

    def delete(self, victims: list[Seg]) -> list[Seg]:
        """Delete what is still unlocked; returns the segments actually deleted."""

    def disk_usage(self) -> tuple[int, int] | None:
        """(total, free) bytes of the recordings disk, or None when unknown."""


@dataclass(frozen=True)
class Finding:
    """Something the operator must hear about (becomes a `disk_pressure` event)."""

    reason: str
    severity: str
    camera_id: str | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class StepResult:
    """Segments one tier deleted and what it found."""

    deleted: list[Seg] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def bytes(self) -> int:
        return sum(seg.size_bytes for seg in self.deleted)


def take_until(candidates: Iterable[Seg], excess: int) -> list[Seg]:
    """Deletable candidates, in the given (oldest-first) order, until their bytes reach `excess`; stops exactly there."""
    picked, total = [], 0
    for seg in candidates:
        if total >= excess:
            break
        if seg.deletable:
            picked.append(seg)
            total += seg.size_bytes
    return picked


def age_cutoff(now: datetime, retention_hours: int | None) -> datetime:
    """Segments that ended before this instant are past their camera's age limit (at least 1 h)."""
    return now - timedelta(hours=max(retention_hours or 0, 1))


def weights(usages: Iterable[CameraUsage]) -> dict[str, float]:
    """Fair-share weight per camera: its quota, else the average quota of cameras with one (else 1 for all)."""
    usages = list(usages)
    quotas = [u.quota_bytes for u in usages if u.quota_bytes and u.quota_bytes > 0]
    default = sum(quotas) / len(quotas) if quotas else 1.0
    return {u.camera_id: float(u.quota_bytes) if u.quota_bytes and u.quota_bytes > 0 else default for u in usages}


def fair_shares(usages: Iterable[CameraUsage], pie: float) -> dict[str, float]:
    """Each footage-holding camera's share of `pie` bytes."""
    holders = [u for u in usages if u.total_bytes > 0]
    weight = weights(holders)
    total = sum(weight.values())
    return {camera_id: pie * w / total for camera_id, w in weight.items()} if total > 0 else {}


@dataclass(frozen=True)
class VictimChoice:
    """Whose footage goes next: a camera, or None for the globally oldest; plus a protected over-share camera."""

    camera_id: str | None
    protected_camera_id: str | None = None


def choose_victim(usages: Iterable[CameraUsage], pie: float) -> VictimChoice | None:
    """The camera most over its share that has deletable footage; globally oldest when nobody is over.

    A camera further over its share whose footage is all locked is reported (`protected_camera_id`)
    and skipped. Returns None when no camera has anything deletable.
    """
    usages = [u for u in usages if u.total_bytes > 0]
    if not any(u.deletable_bytes > 0 for u in usages):
        return None
    shares = fair_shares(usages, pie)
    ranked = sorted(usages, key=lambda u: (-(u.total_bytes - shares[u.camera_id]), u.camera_id))
    protected = None
    for usage in ranked:
        if usage.total_bytes - shares[usage.camera_id] <= 0:
            break
        if usage.deletable_bytes > 0:
            return VictimChoice(usage.camera_id, protected)
        protected = protected or usage.camera_id
    return VictimChoice(None, protected)


def floor_batch_size(deficit: int, average_segment_bytes: float) -> int:
    """Segments per free-disk round: deficit / average segment size, clamped 20..256."""
    if average_segment_bytes <= 0:
        return FLOOR_BATCH_MIN
    return max(FLOOR_BATCH_MIN, min(FLOOR_BATCH_MAX, math.ceil(deficit / average_segment_bytes)))


def _forget(usages: dict[str, CameraUsage], deleted: Iterable[Seg]) -> None:
    for seg in deleted:
        if seg.camera_id in usages:
            usages[seg.camera_id].forget(seg)


# --- the tiers ---------------------------------------------------------------------------------------

def prune_age(store: SegmentStore, retention_hours: dict[str, int], now: datetime) -> StepResult:
    """Tier 1: per camera, delete deletable segments that ended before now − max(retention_hours, 1) h."""
    result = StepResult()
    for camera_id in sorted(retention_hours):
        cutoff = age_cutoff(now, retention_hours[camera_id])
        while True:
            batch = [s for s in store.oldest_deletable(camera_id, AGE_BATCH, ended_before=cutoff)
                     if s.deletable and s.end_time < cutoff]
            deleted = store.delete(batch) if batch else []
            result.deleted.extend(deleted)
            if len(batch) < AGE_BATCH or not deleted:
                break
    return result


def prune_quota(store: SegmentStore, usage: CameraUsage) -> StepResult:
    """Tier 2: delete a camera's oldest deletable segments until its deletable bytes ≤ quota − locked bytes (exactly)."""
    result = StepResult()
    if not usage.quota_bytes or usage.quota_bytes <= 0:
        return result
    budget = usage.quota_bytes - usage.evidence_bytes
    if budget <= 0:
        if usage.evidence_bytes > usage.quota_bytes:
            result.findings.append(Finding("camera_quota", WARNING, usage.camera_id, {
                "quota_bytes": usage.quota_bytes, "locked_bytes": usage.evidence_bytes}))
        return result
    while usage.deletable_bytes > budget:
        victims = take_until(store.oldest_deletable(usage.camera_id, PRUNE_BATCH), usage.deletable_bytes - budget)
        deleted = store.delete(victims) if victims else []
        if not deleted:
            break
        for seg in deleted:
            usage.forget(seg)
        result.deleted.extend(deleted)
    return result


def prune_cap(store: SegmentStore, usages: dict[str, CameraUsage], cap_bytes: int) -> StepResult:
    """Tier 3: while deletable bytes exceed cap − locked bytes, the camera most over its fair share loses footage."""
    result = StepResult()
    locked = sum(u.evidence_bytes for u in usages.values())
    budget = cap_bytes - locked
    if budget <= 0:
        if locked > cap_bytes:
            result.findings.append(Finding("locked_exceeds_cap", WARNING, None, {"cap_bytes": cap_bytes, "locked_bytes": locked}))
        return result
    while (excess := sum(u.deletable_bytes for u in usages.values()) - budget) > 0:
        choice = choose_victim(usages.values(), cap_bytes)
        if choice is None:
            break
        _note_protected(result, choice, "global_cap")
        victims = take_until(store.oldest_deletable(choice.camera_id, PRUNE_BATCH), excess)
        if not _delete_round(store, usages, choice, victims, result):
            if choice.camera_id is None:
                break
    return result


def _note_protected(result: StepResult, choice: VictimChoice, tier: str) -> None:
    """Report (once per tier) a camera most over its share whose footage is all locked."""
    if choice.protected_camera_id and not any(f.reason == "over_share_all_protected" for f in result.findings):
        result.findings.append(Finding("over_share_all_protected", CRITICAL, choice.protected_camera_id, {"tier": tier}))


def _delete_round(store, usages, choice: VictimChoice, victims: list[Seg], result: StepResult) -> bool:
    """Delete one round's victims; a camera whose footage turned out undeletable is taken out of the running."""
    deleted = store.delete(victims) if victims else []
    if not deleted and choice.camera_id is not None:
        usages[choice.camera_id].deletable_bytes = 0  # what the usage snapshot promised is gone or locked now
    _forget(usages, deleted)
    result.deleted.extend(deleted)
    return bool(deleted)


def prune_floor(store: SegmentStore, usages: dict[str, CameraUsage], floor_bytes: int) -> StepResult:
    """Tier 4: while free space is below the floor, delete fair-share batches (max 200 rounds, stop without progress)."""
    result = StepResult()
    if floor_bytes <= 0:
        return result
    disk = store.disk_usage()
    if disk is None:
        result.findings.append(Finding("disk_stats_unavailable", WARNING, None, {"floor_bytes": floor_bytes}))
        return result
    total, free = disk
    if floor_bytes > total:
        result.findings.append(Finding("floor_exceeds_disk", CRITICAL, None, {"floor_bytes": floor_bytes, "disk_bytes": total}))
        return result
    for _ in range(FLOOR_MAX_ROUNDS):
        if free >= floor_bytes:
            return result
        free = _floor_round(store, usages, floor_bytes, free, result)
        if free is None:
            return result
    if free < floor_bytes:
        result.findings.append(Finding("floor_not_reached", WARNING, None, {"floor_bytes": floor_bytes, "free_bytes": free}))
    return result


def _floor_round(store, usages, floor_bytes: int, free: int, result: StepResult) -> int | None:
    """One free-disk round; returns the new free bytes, or None when pruning must stop."""
    deficit = floor_bytes - free
    footprint = sum(u.total_bytes for u in usages.values())
    count = sum(u.segment_count for u in usages.values())
    choice = choose_victim(usages.values(), footprint)
    if choice is None:
        result.findings.append(Finding("all_protected", CRITICAL, None, {"floor_bytes": floor_bytes, "free_bytes": free}))
        return None
    _note_protected(result, choice, "free_disk_floor")
    batch = store.oldest_deletable(choice.camera_id, floor_batch_size(deficit, footprint / count if count else 0))
    deleted_any = _delete_round(store, usages, choice, take_until(batch, deficit), result)
    if not deleted_any and choice.camera_id is not None:
        return free  # that camera's footage was locked meanwhile: choose again
    disk = store.disk_usage()
    if not deleted_any or disk is None or disk[1] <= free:
        result.findings.append(Finding("prune_not_recovering_space", CRITICAL, None, {
            "floor_bytes": floor_bytes, "free_bytes": free if disk is None else disk[1]}))
        return None
    return disk[1]


# --- forecast ----------------------------------------------------------------------------------------

def write_rate_per_day(bytes_in_window: int, window_seconds: float) -> float | None:
    """Bytes per day from what was written in an observed window (None without data)."""
    if window_seconds <= 0 or bytes_in_window <= 0:
        return None
    return bytes_in_window * 86_400 / window_seconds


def retention_capacity(cap_bytes: int, footprint_bytes: int, free_bytes: int | None, floor_bytes: int) -> int:
    """Bytes recordings may occupy before the cap or the free-disk floor forces deletion."""
    if free_bytes is None:
        return cap_bytes
    return min(cap_bytes, footprint_bytes + free_bytes - max(floor_bytes, 0))


def projected_days(capacity_bytes: int, locked_bytes: int, rate_per_day: float | None) -> float | None:
    """Days of footage the capacity holds at the current write rate (locked footage does not rotate)."""
    if not rate_per_day or rate_per_day <= 0:
        return None
    return round(max(capacity_bytes - locked_bytes, 0) / rate_per_day, 2)
