"""Django admin for recorder heartbeats (read-only) and the storage-limit overrides (validated, audited)."""

import pytest
from django.test import Client

from accounts.models import AuditLog
from recording.models import RecorderProcess, StorageSettings


@pytest.fixture
def admin_site(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_recorder_heartbeats_are_listed_but_never_edited(admin_site):
    recorder = RecorderProcess.objects.create(id="box-1", hostname="box", pid=42)
    assert admin_site.get("/admin/recording/recorderprocess/").status_code == 200
    assert admin_site.get(f"/admin/recording/recorderprocess/{recorder.pk}/change/").status_code == 200
    assert admin_site.get("/admin/recording/recorderprocess/add/").status_code == 403
    assert admin_site.post(f"/admin/recording/recorderprocess/{recorder.pk}/delete/", {"post": "yes"}).status_code == 403


def test_storage_overrides_are_edited_with_an_audit_row(admin_site):
    StorageSettings.load()
    assert admin_site.get("/admin/recording/storagesettings/add/").status_code == 403  # one row only
    response = admin_site.post("/admin/recording/storagesettings/1/change/",
                               {"max_recordings_bytes": "1073741824", "min_free_disk_bytes": ""})
    assert response.status_code == 302
    assert StorageSettings.objects.get().max_recordings_bytes == 2**30
    row = AuditLog.objects.get(action="update_storagesettings")
    assert row.detail == {"changed": ["max_recordings_bytes"], "via": "admin"}


@pytest.mark.parametrize("data", [{"max_recordings_bytes": "0", "min_free_disk_bytes": ""},
                                  {"max_recordings_bytes": "", "min_free_disk_bytes": "-1"}])
def test_storage_overrides_out_of_range_are_refused(admin_site, data):
    StorageSettings.load()
    assert admin_site.post("/admin/recording/storagesettings/1/change/", data).status_code == 200  # form redisplayed
    assert StorageSettings.objects.get().max_recordings_bytes is None
