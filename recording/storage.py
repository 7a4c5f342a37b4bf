"""Storage limits (global cap, free-disk floor, runtime overrides) and disk figures of the recordings directory."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from accounts import audit
from accounts.principal import Principal
from recording.models import StorageSettings

GIB = 2**30


def gb_to_bytes(gb: float) -> int:
    """Configuration "GB" are GiB, as in the reference (20 GB cap = 20 × 2³⁰ bytes)."""
    return int(round(gb * GIB))


@dataclass(frozen=True)
class Limits:
    """The effective cap and floor, and whether each comes from the runtime override."""

    cap_bytes: int
    cap_overridden: bool
    floor_bytes: int
    floor_overridden: bool

    def as_dict(self) -> dict:
        return {
            "max_recordings_gb": round(self.cap_bytes / GIB, 3),
            "max_recordings_bytes": self.cap_bytes,
            "max_overridden": self.cap_overridden,
            "min_free_disk_gb": round(self.floor_bytes / GIB, 3),
            "min_free_disk_bytes": self.floor_bytes,
            "min_free_overridden": self.floor_overridden,
        }


def _limits_of(row: StorageSettings | None) -> Limits:
    cap = row.max_recordings_bytes if row is not None else None
    floor = row.min_free_disk_bytes if row is not None else None
    cap_overridden = cap is not None and cap > 0
    floor_overridden = floor is not None and floor >= 0
    return Limits(
        cap_bytes=cap if cap_overridden else gb_to_bytes(settings.NVR_MAX_RECORDINGS_GB),
        cap_overridden=cap_overridden,
        floor_bytes=floor if floor_overridden else gb_to_bytes(settings.NVR_MIN_FREE_DISK_GB),
        floor_overridden=floor_overridden,
    )


def current_limits() -> Limits:
    """The limits retention applies now (override row if set, else NVR_MAX_RECORDINGS_GB / NVR_MIN_FREE_DISK_GB)."""
    return _limits_of(StorageSettings.objects.filter(id=1).first())


def update_limits(principal: Principal | None, changes: dict, request=None) -> Limits:
    """Set (a number) or clear (None: back to the NVR_* setting) the cap and/or floor override; audited."""
    columns = {"max_recordings_gb": "max_recordings_bytes", "min_free_disk_gb": "min_free_disk_bytes"}
    with transaction.atomic():
        row = StorageSettings.load()
        for name, column in columns.items():
            if name in changes:
                value = changes[name]
                setattr(row, column, None if value is None else gb_to_bytes(value))
        row.save()
        detail = {column: getattr(row, column) for name, column in columns.items() if name in changes}
        audit.record(principal, "update_storage_limits", "storage_settings", str(row.pk), {"changed": detail}, request)
    return _limits_of(row)


def disk_usage(path: Path | str | None = None) -> tuple[int, int] | None:
    """(total, free) bytes of the filesystem holding `path` (default the recordings dir), None if unreadable."""
    candidate = Path(path if path is not None else settings.NVR_RECORDINGS_DIR).absolute()
    # The directory may not exist yet on a fresh install: its nearest existing parent is on the same disk.
    while not candidate.exists() and candidate != candidate.parent:
        candidate = candidate.parent
    try:
        usage = shutil.disk_usage(candidate)
    except OSError:
        return None
    return usage.total, usage.free
