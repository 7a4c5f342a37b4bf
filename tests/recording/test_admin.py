"""Django admin for recording models: pages render, recorder output is read-only, schedules validate."""

from datetime import timedelta

import pytest
from django.contrib.admin.utils import quote
from django.test import Client

from accounts.models import AuditLog
from recording.models import CameraStatus, Clip, RecordSchedule
from tests.recording.conftest import T0, make_gap, make_record_schedule, make_segment, make_snapshot, make_snapshot_schedule

MODELS = ["camerastatus", "segment", "recordinggap", "recordschedule", "snapshotschedule", "snapshot", "clip"]


def make_clip(camera, start=T0, seconds: int = 30, **fields) -> Clip:
    return Clip.objects.create(
        camera=camera, path=f"{camera.pk}/clip_{start:%H%M%S}.mp4", from_time=start, to_time=start + timedelta(seconds=seconds),
        requested_seconds=seconds, covered_seconds=seconds, size_bytes=1000, created_by="root", expires_at=start + timedelta(hours=48),
        **fields,
    )


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
        "clip": make_clip(camera),
    }


@pytest.mark.parametrize("model", MODELS)
def test_changelist_and_detail_pages_render(admin_site, rows, model):
    assert admin_site.get(f"/admin/recording/{model}/").status_code == 200
    assert admin_site.get(f"/admin/recording/{model}/{quote(rows[model].pk)}/change/").status_code == 200


@pytest.mark.parametrize("model", ["camerastatus", "segment", "recordinggap", "snapshot", "clip"])
def test_recorder_output_cannot_be_added_by_hand(admin_site, db, model):
    assert admin_site.get(f"/admin/recording/{model}/add/").status_code == 403


@pytest.mark.parametrize("query", ["camera__id__exact=cam1", "created_by=root", "q=cam1", "created_at__year=2026"])
def test_clip_changelist_filters(admin_site, rows, query):
    response = admin_site.get(f"/admin/recording/clip/?{query}")
    assert response.status_code == 200 and rows["clip"].pk.encode() in response.content


def test_clip_is_read_only_but_deleted_with_its_file(admin_site, rows, settings, django_capture_on_commit_callbacks):
    clip = rows["clip"]
    file = settings.NVR_CLIPS_DIR / clip.path
    file.parent.mkdir(parents=True)
    file.write_bytes(b"mp4")
    url = f"/admin/recording/clip/{quote(clip.pk)}/change/"
    page = admin_site.get(url)
    assert page.status_code == 200 and b'name="from_time' not in page.content  # nothing editable
    assert admin_site.post(url, {"covered_seconds": 1}).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_site.post(f"/admin/recording/clip/{quote(clip.pk)}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Clip.objects.exists() and not file.exists()
    row = AuditLog.objects.get(action="delete_clip")
    assert row.target_id == clip.pk and row.subject_camera_id == "cam1"


def test_clips_bulk_delete_goes_through_the_service(admin_site, camera, db):
    clips = [make_clip(camera, T0 + timedelta(minutes=i)) for i in range(2)]
    response = admin_site.post("/admin/recording/clip/", {"action": "delete_selected", "post": "yes",
                                                          "_selected_action": [c.pk for c in clips]})
    assert response.status_code == 302
    assert not Clip.objects.exists()
    assert AuditLog.objects.filter(action="delete_clip").count() == 2


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


def test_deleting_a_clip_still_being_exported_cancels_it_and_says_so(admin_site, camera, db):
    running = make_clip(camera, T0, status="running")
    response = admin_site.post("/admin/recording/clip/", {"action": "delete_selected", "post": "yes",
                                                          "_selected_action": [running.pk]}, follow=True)
    assert b"were cancelled, not deleted" in response.content
    running.refresh_from_db()
    assert running.cancel_requested
