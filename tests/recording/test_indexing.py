"""The segment index: closed segments become rows, holes become gaps with reasons, segments never overlap."""

from datetime import timedelta

import pytest

from ai.models import Event
from recording import indexing
from recording.models import CameraStatus, RecordingGap, Segment
from recording.recorder.segments import ClosedSegment
from tests.recording.conftest import T0


def closed(camera_id, start, seconds=10.0, size=500_000, **fields):
    fields = {"codec": "h264", "width": 640, "height": 360, "fps": 25.0, "has_audio": False, **fields}
    return ClosedSegment(
        camera_id=camera_id, relpath=f"{camera_id}/{start:%Y/%m/%d/%Y%m%dT%H%M%S}Z.mp4", start=start,
        end=start + timedelta(seconds=seconds), duration_s=seconds, size_bytes=size, **fields,
    )


@pytest.fixture
def status(camera):
    return CameraStatus.objects.create(camera=camera)


def test_a_closed_segment_is_indexed_with_its_probe_figures_and_counted(camera, status):
    row = indexing.index_segment(closed("cam1", T0, 10.0, size=1_250_000, has_audio=True), "camera_offline")
    assert (row.start_time, row.end_time, row.duration_s, row.size_bytes) == (T0, T0 + timedelta(seconds=10), 10.0, 1_250_000)
    assert (row.codec, row.width, row.height, row.fps, row.has_audio) == ("h264", 640, 360, 25.0, True)
    status.refresh_from_db()
    assert status.segments_written == 1
    assert status.last_segment_at == T0 + timedelta(seconds=10)
    assert status.bitrate_kbps == pytest.approx(1000.0)


def test_indexing_the_same_file_twice_keeps_one_row(camera, status):
    indexing.index_segment(closed("cam1", T0), "camera_offline")
    indexing.index_segment(closed("cam1", T0), "camera_offline")
    assert Segment.objects.count() == 1


def test_abutting_segments_make_no_gap(camera, status):
    indexing.index_segment(closed("cam1", T0), "camera_offline")
    indexing.index_segment(closed("cam1", T0 + timedelta(seconds=10)), "camera_offline")
    assert not RecordingGap.objects.exists()


def test_a_hole_of_three_seconds_is_not_a_gap_but_more_is(camera, status):
    indexing.index_segment(closed("cam1", T0), "camera_offline")
    indexing.index_segment(closed("cam1", T0 + timedelta(seconds=13)), "camera_offline")
    assert not RecordingGap.objects.exists()
    indexing.index_segment(closed("cam1", T0 + timedelta(seconds=23, milliseconds=3001)), "camera_offline")
    gap = RecordingGap.objects.get()
    assert (gap.gap_start, gap.gap_seconds, gap.reason, gap.fill_state) == (
        T0 + timedelta(seconds=23), 3, "camera_offline", "pending")
    event = Event.objects.get(event_type="recording_gap")
    assert event.payload["reason"] == "camera_offline" and event.camera_id == "cam1"


@pytest.mark.parametrize("reason, fill_state", [
    ("camera_offline", "pending"), ("auth_failed", "pending"), ("recorder_down", "pending"),
    ("schedule_off", "not_applicable"), ("event_idle", "not_applicable"), ("disabled", "not_applicable"),
])
def test_deliberate_holes_are_not_for_refilling(camera, status, reason, fill_state):
    indexing.index_segment(closed("cam1", T0), reason)
    indexing.index_segment(closed("cam1", T0 + timedelta(minutes=5)), reason)
    assert RecordingGap.objects.get().fill_state == fill_state


def test_an_earlier_segment_reaching_past_the_next_start_is_clamped(camera, status):
    indexing.index_segment(closed("cam1", T0, 10.4), "camera_offline")
    indexing.index_segment(closed("cam1", T0 + timedelta(seconds=10)), "camera_offline")
    first = Segment.objects.order_by("start_time").first()
    assert first.end_time == T0 + timedelta(seconds=10)


def test_empty_or_tiny_segments_are_not_indexed(camera, status):
    assert indexing.index_segment(closed("cam1", T0, 0.04), "camera_offline") is None
    assert indexing.index_segment(closed("cam1", T0, 5.0, size=0), "camera_offline") is None
    assert not Segment.objects.exists()


def test_reconcile_drops_rows_whose_files_vanished_but_keeps_evidence(camera, status, settings):
    indexing.index_segment(closed("cam1", T0), "camera_offline")
    locked = indexing.index_segment(closed("cam1", T0 + timedelta(seconds=10)), "camera_offline")
    Segment.objects.filter(pk=locked.pk).update(evidence_locked=True)
    indexed, dropped = indexing.reconcile_camera_files("cam1")
    assert (indexed, dropped) == (0, 1)
    assert list(Segment.objects.values_list("pk", flat=True)) == [locked.pk]
