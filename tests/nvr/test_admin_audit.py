"""Edits made in the Django admin are audited like API mutations."""

from __future__ import annotations

import pytest
from django.contrib.admin.utils import quote
from django.test import Client
from django.urls import reverse

from accounts.models import AuditLog
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_admin_create_and_delete_of_a_schedule_write_audit_rows(camera):
    browser = Client()
    browser.force_login(make_user("boss", "admin"))
    response = browser.post(reverse("admin:recording_snapshotschedule_add"),
                            {"camera": camera.pk, "interval_seconds": 600, "enabled": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.get(action="create_snapshotschedule")
    assert row.actor_name == "boss" and row.subject_camera_id == camera.pk and row.detail["via"] == "admin"
    from recording.models import SnapshotSchedule

    schedule = SnapshotSchedule.objects.get()
    response = browser.post(reverse("admin:recording_snapshotschedule_delete", args=[quote(schedule.pk)]), {"post": "yes"})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action="delete_snapshotschedule", target_id=schedule.pk).exists()


def test_admin_user_edit_is_audited_without_values():
    target = make_user("vera", "viewer")
    browser = Client()
    browser.force_login(make_user("boss", "admin"))
    url = reverse("admin:accounts_user_change", args=[quote(target.pk)])
    response = browser.post(url, {"username": "vera", "display_name": "Vera V", "email": "", "role": "guard",
                                  "is_active": "on", "failed_login_count": 0, "locked_until_0": "", "locked_until_1": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    row = AuditLog.objects.get(action="update_user", target_id=target.pk)
    assert set(row.detail["changed"]) >= {"display_name", "role"}
    assert "Vera V" not in str(row.detail)
