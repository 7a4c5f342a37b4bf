"""Django admin for backups: secrets masked on every page, `***` round-trip, read-only history."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.utils import quote
from django.test import Client

from accounts.models import AuditLog
from backups.models import BackupDestination
from tests.backups.conftest import MARKER, SFTP_CONFIG, make_job, make_policy

pytestmark = pytest.mark.django_db


def admin_url(obj, view: str = "change") -> str:
    # Admin URLs quote primary keys ("_" is an escape character there), as the admin's own links do.
    return f"/admin/backups/{obj._meta.model_name}/{quote(obj.pk)}/{view}/"


@pytest.fixture
def admin_site(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def test_destination_pages_never_show_a_secret(admin_site, sftp_destination):
    for url in ("/admin/backups/backupdestination/", admin_url(sftp_destination)):
        response = admin_site.get(url)
        assert response.status_code == 200
        assert MARKER.encode() not in response.content
    assert b"nas.lan" in response.content  # the masked config is shown


def test_change_with_masked_config_keeps_the_stored_secret(admin_site, sftp_destination):
    masked = {**SFTP_CONFIG, "pass": "***", "private_key": "***", "passphrase": "***", "user": "changed"}
    response = admin_site.post(admin_url(sftp_destination), {
        "name": "nas", "kind": "sftp", "enabled": "on", "new_config": json.dumps(masked),
    })
    assert response.status_code == 302
    assert BackupDestination.objects.get().config == {**SFTP_CONFIG, "user": "changed"}
    row = AuditLog.objects.get(action="update_backup_destination")
    assert MARKER not in json.dumps(row.detail)


def test_change_without_config_keeps_it(admin_site, sftp_destination):
    response = admin_site.post(admin_url(sftp_destination), {
        "name": "renamed", "kind": "sftp", "new_config": "",
    })
    assert response.status_code == 302
    destination = BackupDestination.objects.get()
    assert (destination.name, destination.enabled, destination.config) == ("renamed", False, SFTP_CONFIG)


def test_add_validates_the_config(admin_site):
    response = admin_site.post("/admin/backups/backupdestination/add/", {
        "name": "disk", "kind": "local", "enabled": "on", "new_config": json.dumps({"path": "relative"}),
    })
    assert response.status_code == 200
    assert b"must be an absolute path" in response.content
    assert not BackupDestination.objects.exists()
    response = admin_site.post("/admin/backups/backupdestination/add/", {
        "name": "disk", "kind": "local", "enabled": "on", "new_config": json.dumps({"path": "/mnt/b"}),
    })
    assert response.status_code == 302
    assert BackupDestination.objects.get().config == {"path": "/mnt/b"}
    assert AuditLog.objects.filter(action="create_backup_destination").exists()


def test_delete_goes_through_the_service(admin_site, sftp_destination):
    response = admin_site.post(admin_url(sftp_destination, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert not BackupDestination.objects.exists()
    assert AuditLog.objects.filter(action="delete_backup_destination").exists()


def test_policy_pages_render_and_validate_camera_ids(admin_site, sftp_destination):
    policy = make_policy(sftp_destination, camera_ids=["cam1"])
    assert admin_site.get("/admin/backups/backuppolicy/").status_code == 200
    response = admin_site.post(admin_url(policy), {
        "name": "nightly", "destination": sftp_destination.pk, "camera_ids": '"cam1"',
        "schedule_interval_s": 86400, "lookback_hours": 24, "enabled": "on",
    })
    assert response.status_code == 200 and b"must be a JSON array of camera ids" in response.content


def test_jobs_and_copies_are_read_only(admin_site):
    job = make_job(output="archives/secret-path.zip")
    assert admin_site.get("/admin/backups/backupjob/").status_code == 200
    response = admin_site.get(admin_url(job))
    assert response.status_code == 200 and b"secret-path" not in response.content
    assert admin_site.get("/admin/backups/backupjob/add/").status_code == 403
    assert admin_site.get("/admin/backups/backupcopy/").status_code == 200
    assert admin_site.get("/admin/backups/backupcopy/add/").status_code == 403
