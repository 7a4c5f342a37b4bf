"""The one table of periodic django-q2 schedules (STYLE habit 5), synced into django_q's Schedule rows.

`manage.py sync_schedules` makes the rows named `nvr:*` match this table exactly (create, update,
delete; idempotent). Rows with other names (one-off schedules made by code) are left alone.
django-q2 schedules have minute granularity: intervals are rounded up to whole minutes (at least 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

PREFIX = "nvr:"


@dataclass(frozen=True)
class Periodic:
    """A task function run every `minutes`."""

    name: str
    func: str
    minutes: int

    @property
    def row_name(self) -> str:
        return PREFIX + self.name


def minutes(seconds: float) -> int:
    """A seconds setting as a django-q2 `minutes` interval (rounded up, at least 1)."""
    return max(1, math.ceil(seconds / 60))


def table() -> list[Periodic]:
    """Every periodic job of the project (read when syncing: settings are never touched at import)."""
    return [
        Periodic("recording.retention_sweep", "recording.tasks.retention_sweep", minutes(settings.NVR_RETENTION_INTERVAL_S)),
        Periodic("recording.health_check", "recording.tasks.health_check", minutes(settings.NVR_HEALTH_INTERVAL_S)),
        Periodic("recording.orphan_pass", "recording.tasks.orphan_pass", 60),
        Periodic("recording.expire_gaps", "recording.tasks.expire_gaps", 15),
        Periodic("recording.prune_clips", "recording.tasks.prune_clips", 15),
        Periodic("ai.prune_history", "ai.tasks.prune_history", 60),
        Periodic("accounts.prune_audit_log", "accounts.tasks.prune_audit_log", 60),
    ]


@dataclass
class SyncResult:
    """Row names per outcome of one sync."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _wanted_fields(entry: Periodic) -> dict:
    return {
        "func": entry.func, "schedule_type": Schedule.MINUTES, "minutes": entry.minutes, "repeats": -1,
        "args": None, "kwargs": None, "hook": None, "cron": None, "cluster": None,
    }


def _sync_row(row: Schedule, entry: Periodic, now: datetime) -> bool:
    changes = {name: value for name, value in _wanted_fields(entry).items() if getattr(row, name) != value}
    # A shortened interval (or a row that will never run) takes effect now, not after the old interval.
    if row.next_run is None or row.next_run > now + timedelta(minutes=entry.minutes):
        changes["next_run"] = now
    if changes:
        Schedule.objects.filter(pk=row.pk).update(**changes)
    return bool(changes)


@transaction.atomic
def sync(now: datetime | None = None) -> SyncResult:
    """Make the `nvr:*` Schedule rows match `table()`; running it twice changes nothing the second time."""
    now = now or timezone.now()
    result = SyncResult()
    wanted = {entry.row_name: entry for entry in table()}
    existing: dict[str, Schedule] = {}
    for row in Schedule.objects.filter(name__startswith=PREFIX).order_by("id"):
        if row.name in existing or row.name not in wanted:  # duplicates and retired jobs
            row.delete()
            result.deleted.append(row.name)
        else:
            existing[row.name] = row
    for name, entry in wanted.items():
        row = existing.get(name)
        if row is None:
            Schedule.objects.create(name=name, next_run=now, **_wanted_fields(entry))
            result.created.append(name)
        elif _sync_row(row, entry, now):
            result.updated.append(name)
        else:
            result.unchanged.append(name)
    return result
