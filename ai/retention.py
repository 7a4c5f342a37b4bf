"""History retention of the AI app (reference §3.17 steps 5 and 7): detections, zone events with their frames, events."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ai.models import Detection, Event, ZoneEvent

log = logging.getLogger(__name__)
BATCH = 5000


def _delete_batched(rows, files_of=None) -> int:
    """Delete a queryset BATCH rows at a time (short write transactions), then the files `files_of(batch)` names."""
    total = 0
    while True:
        batch = list(rows.values_list("pk", flat=True)[:BATCH])
        if not batch:
            return total
        files = files_of(batch) if files_of else []
        total += rows.model.objects.filter(pk__in=batch).delete()[0]
        for path in files:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("retention: could not delete evidence %s: %s", path, exc)
        if len(batch) < BATCH:
            return total


def _evidence_files(zone_event_ids) -> list[Path]:
    """Evidence frames of zone events, resolved inside NVR_SNAPSHOTS_DIR (never a path outside it)."""
    root = Path(settings.NVR_SNAPSHOTS_DIR).resolve()
    files = []
    for relative in ZoneEvent.objects.filter(pk__in=zone_event_ids).exclude(evidence="").values_list("evidence", flat=True):
        target = (root / relative).resolve() if relative else root
        if target != root and target.is_relative_to(root):
            files.append(target)
    return files


def prune_history(now: datetime | None = None) -> dict:
    """Detections and zone events past NVR_DETECTION_RETENTION_HOURS; events past NVR_AUDIT_RETENTION_DAYS."""
    now = now or timezone.now()
    detection_cutoff = now - timedelta(hours=settings.NVR_DETECTION_RETENTION_HOURS)
    event_cutoff = now - timedelta(days=settings.NVR_AUDIT_RETENTION_DAYS)
    return {
        "detections": _delete_batched(Detection.objects.filter(timestamp__lt=detection_cutoff)),
        "zone_events": _delete_batched(ZoneEvent.objects.filter(timestamp__lt=detection_cutoff), _evidence_files),
        "events": _delete_batched(Event.objects.filter(timestamp__lt=event_cutoff)),
    }
