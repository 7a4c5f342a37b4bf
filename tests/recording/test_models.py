"""Model helpers: error masking, fill states, lock flags, admin-level validation, cascades."""

import pytest
from django.core.exceptions import ValidationError

from cameras.models import Camera
from recording.models import (
    CameraStatus,
    FillState,
    GapReason,
    RecordSchedule,
    Segment,
    Snapshot,
    SnapshotSchedule,
    clip_error,
    initial_fill_state,
)
from tests.recording.conftest import T0, make_segment, make_snapshot, make_snapshot_schedule


def test_set_error_masks_credentials_and_keeps_the_last_800_characters():
    status = CameraStatus()
    status.set_error("x" * 2000 + " rtsp://admin:hunter2@10.0.0.5:554/stream1 refused")
    assert "hunter2" not in status.last_error and "admin" not in status.last_error
    assert status.last_error.endswith("rtsp://***@10.0.0.5:554/stream1 refused")
    assert len(status.last_error) == 800


def test_set_error_clears_with_empty_text():
    status = CameraStatus(last_error="old")
    status.set_error(None)
    assert status.last_error is None
    assert clip_error("") is None


def test_masking_happens_before_truncation_so_no_credential_tail_survives():
    text = "rtsp://user:secretpassword@host/" + "y" * 790
    assert "secret" not in clip_error(text)


@pytest.mark.parametrize("reason", [GapReason.SCHEDULE_OFF, GapReason.EVENT_IDLE, GapReason.DISABLED])
def test_deliberate_gaps_are_not_applicable_for_anr(reason):
    assert initial_fill_state(reason) == FillState.NOT_APPLICABLE


@pytest.mark.parametrize("reason", [GapReason.CAMERA_OFFLINE, GapReason.AUTH_FAILED, GapReason.STREAM_ERROR, GapReason.RECORDER_DOWN, GapReason.DISK_FULL])
def test_involuntary_gaps_are_pending_for_anr(reason):
    assert initial_fill_state(reason) == FillState.PENDING


def test_segment_locked_reflects_the_reader_count():
    assert not Segment(read_locks=0).locked
    assert Segment(read_locks=2).locked


def test_record_schedule_clean_normalises_and_validates():
    row = RecordSchedule(days=[2, 1, 1], time_start="9:00", time_end="24:00")
    row.clean()
    assert (row.days, row.time_start, row.time_end) == ([1, 2], "09:00", "24:00")
    with pytest.raises(ValidationError) as info:
        RecordSchedule(days=[], time_start="24:00", time_end="x").clean()
    assert set(info.value.message_dict) == {"days", "time_start", "time_end"}
    with pytest.raises(ValidationError) as info:
        RecordSchedule(days=[0], time_start="09:00", time_end="9:00").clean()
    assert "time_end" in info.value.message_dict


def test_snapshot_schedule_clean_checks_the_interval_bounds():
    SnapshotSchedule(interval_seconds=5).clean()
    with pytest.raises(ValidationError):
        SnapshotSchedule(interval_seconds=4).clean()
    with pytest.raises(ValidationError):
        SnapshotSchedule(interval_seconds=86_401).clean()


def test_ids_carry_the_reference_prefixes(camera):
    segment = make_segment(camera, T0)
    schedule = make_snapshot_schedule(camera)
    assert segment.pk.startswith("seg_") and len(segment.pk) == 36
    assert schedule.pk.startswith("snsch_")
    assert RecordSchedule(camera=camera).pk.startswith("recsch_")


def test_deleting_a_snapshot_schedule_keeps_its_snapshots(camera):
    schedule = make_snapshot_schedule(camera)
    snapshot = make_snapshot(camera, T0, schedule=schedule)
    schedule.delete()
    snapshot.refresh_from_db()
    assert snapshot.schedule_id is None


def test_deleting_a_camera_cascades_to_recording_rows(camera):
    make_segment(camera, T0)
    make_snapshot(camera, T0)
    CameraStatus.objects.create(camera=camera)
    camera.delete()
    assert not Segment.objects.exists() and not Snapshot.objects.exists() and not CameraStatus.objects.exists()


def test_camera_status_is_reachable_as_camera_status(camera):
    CameraStatus.objects.create(camera=camera, state="recording")
    assert Camera.objects.select_related("status").get(pk="cam1").status.state == "recording"
