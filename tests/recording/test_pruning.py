"""The retention sweep on real files: tiers in order, locks win, snapshots, gaps, and the orphan pass."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from ai.models import Event
from recording import pruning, storage
from recording.models import FillState, RecordingGap, Segment, Snapshot, StorageSettings
from recording.retention import Seg
from tests.recording.conftest import T0, make_gap, make_segment, make_snapshot

NOW = T0 + timedelta(days=2)
MIB = 2**20


def recordings() -> Path:
    return Path(settings.NVR_RECORDINGS_DIR)


def segment_with_file(camera, start, size=MIB, **fields) -> Segment:
    segment = make_segment(camera, start, size_bytes=size, **fields)
    path = recordings() / segment.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    return segment


def exists(segment: Segment) -> tuple[bool, bool]:
    """(row still there, file still there)."""
    return Segment.objects.filter(pk=segment.pk).exists(), (recordings() / segment.path).exists()


def events(event_type: str) -> list[Event]:
    return list(Event.objects.filter(event_type=event_type).order_by("timestamp", "id"))


@pytest.fixture
def no_floor(db):
    StorageSettings.objects.create(id=1, min_free_disk_bytes=0)


# --- age ---------------------------------------------------------------------------------------------

def test_age_deletes_old_rows_and_files_and_logs_one_event(camera, no_floor):
    camera.retention_hours = 24
    camera.save()
    old = [segment_with_file(camera, T0 + timedelta(minutes=i)) for i in range(3)]
    recent = segment_with_file(camera, NOW - timedelta(hours=1))
    report = pruning.run_retention_sweep(now=NOW)
    assert report.age_deleted == 3 and report.bytes_freed == 3 * MIB
    assert [exists(s) for s in old] == [(False, False)] * 3
    assert exists(recent) == (True, True)
    assert not (recordings() / old[0].path).parent.exists()  # the emptied day folder is gone
    [event] = events("retention_delete")
    assert event.payload == {"reason": "age", "deleted": 3, "bytes": 3 * MIB, "cameras": {"cam1": 3}}


def test_locked_segments_survive_age(camera, no_floor):
    held = segment_with_file(camera, T0, evidence_locked=True)
    reading = segment_with_file(camera, T0 + timedelta(minutes=1), read_locks=1)
    pruning.run_retention_sweep(now=NOW)
    assert exists(held) == (True, True) and exists(reading) == (True, True)
    assert events("retention_delete") == []


def test_a_lock_taken_after_selection_wins(camera):
    segments = [segment_with_file(camera, T0 + timedelta(minutes=i)) for i in range(3)]
    store = pruning.DatabaseStore(recordings(), NOW)
    victims = store.oldest_deletable("cam1", 10)
    Segment.objects.filter(pk=segments[1].pk).update(evidence_locked=True)
    deleted = store.delete(victims)
    assert [seg.id for seg in deleted] == [segments[0].pk, segments[2].pk]
    assert exists(segments[1]) == (True, True)


def test_a_failed_unlink_leaves_the_file_for_the_orphan_pass(camera):
    segment = make_segment(camera, T0, size_bytes=10)
    stuck = recordings() / segment.path
    (stuck / "inner").mkdir(parents=True)  # a directory where the file should be: unlink fails
    store = pruning.DatabaseStore(recordings(), NOW)
    deleted = store.delete([Seg(segment.pk, "cam1", segment.end_time, 10)])
    assert deleted and store.unlink_failures == 1
    assert exists(segment) == (False, True)


def test_a_stored_path_outside_the_recordings_dir_is_never_unlinked(camera, tmp_path):
    outside = tmp_path / "precious.mp4"
    outside.write_bytes(b"keep")
    segment = make_segment(camera, T0, path="../precious.mp4")
    store = pruning.DatabaseStore(recordings(), NOW)
    store.delete(store.oldest_deletable("cam1", 1))
    assert not Segment.objects.filter(pk=segment.pk).exists() and outside.exists()


def test_an_overlapping_sweep_stands_aside(camera, no_floor):
    old = segment_with_file(camera, T0)
    with pruning.exclusive_sweep() as first:
        assert first
        report = pruning.run_retention_sweep(now=NOW)
    assert report.skipped and report.segments_deleted == 0 and exists(old) == (True, True)
    assert not pruning.run_retention_sweep(now=NOW).skipped and exists(old) == (False, False)


# --- quota, cap, floor ----------------------------------------------------------------------------------

def test_quota_deletes_the_oldest_until_the_camera_fits(camera, no_floor):
    camera.storage_quota_bytes = int(2.5 * MIB)
    camera.retention_hours = 1000
    camera.save()
    segments = [segment_with_file(camera, NOW - timedelta(hours=5) + timedelta(minutes=i)) for i in range(5)]
    report = pruning.run_retention_sweep(now=NOW)
    assert report.quota_deleted == 3
    assert [exists(s)[0] for s in segments] == [False, False, False, True, True]
    [event] = events("disk_pressure")
    assert event.camera_id == "cam1" and event.payload["reason"] == "camera_quota" and event.payload["deleted"] == 3


def test_locked_bytes_over_the_quota_are_reported(camera, no_floor):
    camera.storage_quota_bytes = MIB
    camera.retention_hours = 1000
    camera.save()
    held = [segment_with_file(camera, NOW - timedelta(hours=2, minutes=i), evidence_locked=True) for i in range(2)]
    pruning.run_retention_sweep(now=NOW)
    assert all(exists(s) == (True, True) for s in held)
    [event] = events("disk_pressure")
    assert event.severity == "warning" and event.payload == {"reason": "camera_quota", "quota_bytes": MIB, "locked_bytes": 2 * MIB}


def test_global_cap_takes_from_the_camera_most_over_its_share(camera, other_camera):
    StorageSettings.objects.create(id=1, max_recordings_bytes=6 * MIB, min_free_disk_bytes=0)
    for cam in (camera, other_camera):
        cam.retention_hours = 1000
        cam.save()
    big = [segment_with_file(camera, NOW - timedelta(hours=3) + timedelta(minutes=i)) for i in range(6)]
    small = [segment_with_file(other_camera, NOW - timedelta(hours=4) + timedelta(minutes=i)) for i in range(2)]
    report = pruning.run_retention_sweep(now=NOW)
    assert report.cap_deleted == 2
    assert [exists(s)[0] for s in big] == [False, False, True, True, True, True]
    assert all(exists(s)[0] for s in small)  # older, but cam2 is under its share
    assert [e.payload["reason"] for e in events("disk_pressure")] == ["global_cap"]


def test_free_disk_floor_reclaims_space(camera):
    camera.retention_hours = 1000
    camera.save()
    segments = [segment_with_file(camera, NOW - timedelta(hours=3) + timedelta(minutes=i)) for i in range(8)]
    held = segment_with_file(camera, NOW - timedelta(hours=4), evidence_locked=True)
    free = storage.disk_usage(recordings())[1]
    StorageSettings.objects.create(id=1, min_free_disk_bytes=free + 3 * MIB)
    report = pruning.run_retention_sweep(now=NOW)
    assert 1 <= report.floor_deleted < 8
    assert not exists(segments[0])[0] and exists(held) == (True, True)


def test_a_floor_above_the_disk_size_is_refused_loudly(camera):
    StorageSettings.objects.create(id=1, min_free_disk_bytes=2**62)
    segment_with_file(camera, NOW - timedelta(minutes=5))
    report = pruning.run_retention_sweep(now=NOW)
    assert report.floor_deleted == 0 and report.findings == ["floor_exceeds_disk"]
    [event] = events("disk_pressure")
    assert event.severity == "critical" and event.payload["reason"] == "floor_exceeds_disk"


# --- snapshots and gaps ------------------------------------------------------------------------------------

def test_old_snapshots_lose_row_and_file(camera, settings, no_floor):
    settings.NVR_SNAPSHOT_RETENTION_HOURS = 24
    old, recent = make_snapshot(camera, NOW - timedelta(hours=25)), make_snapshot(camera, NOW - timedelta(hours=1))
    for snapshot in (old, recent):
        path = Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"jpeg")
    assert pruning.run_retention_sweep(now=NOW).snapshots_deleted == 1
    assert list(Snapshot.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not (Path(settings.NVR_SNAPSHOTS_DIR) / old.path).exists()


def test_snapshot_retention_zero_keeps_everything(camera, settings):
    settings.NVR_SNAPSHOT_RETENTION_HOURS = 0
    make_snapshot(camera, NOW - timedelta(days=400))
    assert pruning.prune_snapshots(NOW) == 0 and Snapshot.objects.count() == 1


def test_pending_gaps_past_the_anr_window_expire(camera, settings):
    settings.NVR_ANR_MAX_GAP_HOURS = 24
    old, fresh = make_gap(camera, NOW - timedelta(hours=25)), make_gap(camera, NOW - timedelta(hours=2))
    filled = make_gap(camera, NOW - timedelta(hours=30), fill_state=FillState.FILLED)
    assert pruning.expire_pending_gaps(NOW) == 1
    states = dict(RecordingGap.objects.values_list("pk", "fill_state"))
    assert states == {old.pk: "expired", fresh.pk: "pending", filled.pk: "filled"}


def test_settled_gaps_past_the_audit_horizon_are_deleted(camera, settings):
    settings.NVR_AUDIT_RETENTION_DAYS = 30
    ancient = NOW - timedelta(days=31)
    settled = [make_gap(camera, ancient + timedelta(minutes=i), fill_state=s)
               for i, s in enumerate(["filled", "failed", "expired", "not_applicable"])]
    pending = make_gap(camera, ancient + timedelta(minutes=10))
    recent = make_gap(camera, NOW - timedelta(days=1), fill_state="filled")
    assert pruning.prune_settled_gaps(NOW) == len(settled)
    assert set(RecordingGap.objects.values_list("pk", flat=True)) == {pending.pk, recent.pk}


# --- orphan pass ---------------------------------------------------------------------------------------------

def _file(relative: str, age: timedelta, size: int = 100) -> Path:
    path = recordings() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    stamp = (NOW - age).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_orphan_pass_reclaims_old_unindexed_files_only(camera):
    indexed = segment_with_file(camera, T0)
    os.utime(recordings() / indexed.path, (T0.timestamp(), T0.timestamp()))
    orphan = _file("cam1/2026/06/14/20260614T100000Z.mp4", timedelta(hours=2), size=321)
    young = _file("cam1/2026/06/14/20260614T110000Z.mp4", timedelta(minutes=30))
    part = _file("cam1/2026/06/14/20260614T120000Z.mp4.part", timedelta(hours=5))
    other = _file("cam1/notes.txt", timedelta(days=5))
    lonely = _file("gone/2026/06/10/20260610T000000Z.mp4", timedelta(days=5), size=9)
    assert pruning.reclaim_orphans(now=NOW) == (2, 330)
    assert not orphan.exists() and not lonely.exists() and not lonely.parent.exists()
    assert young.exists() and part.exists() and other.exists() and (recordings() / indexed.path).exists()
    [event] = events("recording_orphans")
    assert event.severity == "warning" and event.payload == {"reclaimed": 2, "bytes": 330}


def test_orphan_pass_without_a_recordings_dir_does_nothing(db):
    assert pruning.reclaim_orphans(now=NOW) == (0, 0)


def test_todays_emptied_folder_is_kept_for_the_recorder(db):
    today = _file(f"cam9/{NOW:%Y/%m/%d}/{NOW:%Y%m%dT%H%M%S}Z.mp4", timedelta(hours=2))
    pruning.reclaim_orphans(now=NOW)
    assert not today.exists() and today.parent.is_dir()
