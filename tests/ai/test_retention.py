"""AI history retention: detections and zone events (with evidence frames) by age; events past the audit horizon."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ai import retention
from ai.models import Detection, Event, ZoneEvent
from tests.ai.conftest import T0, make_detection, make_event, make_zone, make_zone_event


def test_old_detections_zone_events_and_evidence_go(camera, settings):
    settings.NVR_DETECTION_RETENTION_HOURS = 24
    settings.NVR_AUDIT_RETENTION_DAYS = 30
    now = T0 + timedelta(days=2)
    zone = make_zone(camera)
    frame = Path(settings.NVR_SNAPSHOTS_DIR) / "evidence" / "old.jpg"
    frame.parent.mkdir(parents=True)
    frame.write_bytes(b"jpeg")
    old_zone_event = make_zone_event(zone, evidence="evidence/old.jpg")
    kept_zone_event = make_zone_event(zone, minutes=2 * 24 * 60 - 5)
    make_detection(camera)
    kept_detection = make_detection(camera, minutes=2 * 24 * 60 - 5)
    make_event("cam1", minutes=-31 * 24 * 60)
    kept_event = make_event("cam1")
    assert retention.prune_history(now) == {"detections": 1, "zone_events": 1, "events": 1}
    assert list(Detection.objects.values_list("pk", flat=True)) == [kept_detection.pk]
    assert list(ZoneEvent.objects.values_list("pk", flat=True)) == [kept_zone_event.pk]
    assert list(Event.objects.values_list("pk", flat=True)) == [kept_event.pk]
    assert not frame.exists() and not ZoneEvent.objects.filter(pk=old_zone_event.pk).exists()


def test_evidence_paths_outside_the_snapshots_dir_are_never_deleted(camera, settings, tmp_path):
    settings.NVR_DETECTION_RETENTION_HOURS = 1
    outside = tmp_path / "keep.jpg"
    outside.write_bytes(b"keep")
    make_zone_event(make_zone(camera), evidence="../keep.jpg")
    assert retention.prune_history(T0 + timedelta(hours=2))["zone_events"] == 1
    assert outside.exists()
