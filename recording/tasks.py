"""django-q2 task functions of the recording app: no arguments, idempotent, delegating to services."""

from __future__ import annotations

from recording import clips, health, pruning


def retention_sweep() -> dict:
    """Segment tiers (age, quota, cap, free-disk floor), old snapshots and settled gaps."""
    return pruning.run_retention_sweep().as_dict()


def orphan_pass() -> dict:
    """Reclaim segment files no row knows (older than 1 h; `*.part` files are left alone)."""
    reclaimed, freed = pruning.reclaim_orphans()
    return {"reclaimed": reclaimed, "bytes": freed}


def expire_gaps() -> dict:
    """Pending gaps past the ANR window become `expired`."""
    return {"expired": pruning.expire_pending_gaps()}


def health_check() -> dict:
    """Stale recording cameras → `error`; recorders that stopped beating are reported once."""
    return health.run_health_check()


def prune_clips() -> dict:
    """Fail clip export jobs whose worker died (files removed, read locks released), delete expired clips (48 h)
    and sweep clip files no row knows."""
    stale = clips.fail_stale_jobs()
    return {"expired": clips.prune_expired_clips(), "orphans": clips.sweep_orphan_files(), "stale": stale}
