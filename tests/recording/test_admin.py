"""Django admin for recording models: pages render, recorder output is read-only, schedules validate."""

from django.contrib.admin.utils import quote
import pytest
from django.test import Client

from recording.models import CameraStatus, RecordSchedule
from tests.recording.conftest import T0, make_gap, make_record_schedule, make_segment, make_snapshot, make_snapshot_schedule

MODELS = ["camerastatus", "segment", "recordinggap", "recordschedule", "snapshotschedule", "snapshot"]


@pytest.fixture
def admin_site(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.fixture
def rows(camera):
    CameraStatus.objects.create(camera=camera, state="recording")
    return {
        "segment": make_segment(camera, T0),
        "recordinggap": make_gap(camera, T0),
        "recordschedule": make_record_schedule(camera),
        "snapshotschedule": make_snapshot_schedule(camera),
        "snapshot": make_snapshot(camera, T0),
        "camerastatus": CameraStatus.objects.get(),
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_detail_pages_render(admin_site, rows, model):
    assert admin_site.get(f"/admin/recording/{model}/").status_code == 200
    assert admin_site.get(f"/admin/recording/{model}/{quote(rows[model].pk)}/change/").status_code == 200


@pytest.mark.parametrize("model", ["camerastatus", "segment", "recordinggap", "snapshot"])
def test_recorder_output_cannot_be_added_by_hand(admin_site, db, model):
    assert admin_site.get(f"/admin/recording/{model}/add/").status_code == 403


def test_segment_detail_shows_the_internal_path_to_admins(admin_site, rows):
    page = admin_site.get(f"/admin/recording/segment/{quote(rows['segment'].pk)}/change/").content.decode()
    assert rows["segment"].path in page


def test_admin_schedule_form_validates_times(admin_site, camera):
    response = admin_site.post(
        "/admin/recording/recordschedule/add/",
        {"camera": "cam1", "days": "[0, 0, 3]", "time_start": "9:00", "time_end": "9:00", "enabled": "on"},
    )
    assert response.status_code == 200 and not RecordSchedule.objects.exists()
    response = admin_site.post(
        "/admin/recording/recordschedule/add/",
        {"camera": "cam1", "days": "[3, 0, 0]", "time_start": "9:00", "time_end": "24:00", "enabled": "on"},
    )
    assert response.status_code == 302
    row = RecordSchedule.objects.get()
    assert (row.days, row.time_start, row.time_end) == ([0, 3], "09:00", "24:00")
