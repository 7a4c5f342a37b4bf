"""Django admin of the AI app: every changelist renders; history tables are read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from ai.models import AiTask, Detection, Event, ZoneEvent
from tests.ai.conftest import make_detection, make_event, make_task, make_zone, make_zone_event

pytestmark = pytest.mark.django_db
MODELS = ["aitask", "aiworker", "aitasklease", "detection", "zone", "zoneevent", "zonetrackstate", "zoneoccupancy", "event"]


@pytest.fixture
def staff_client(admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_changelist_renders(staff_client, camera, model):
    zone = make_zone(camera)
    make_task(camera)
    make_zone_event(zone)
    make_detection(camera)
    make_event("cam1")
    response = staff_client.get(f"/admin/ai/{model}/")
    assert response.status_code == 200


@pytest.mark.parametrize("model", [Event, Detection, ZoneEvent])
def test_history_tables_are_read_only(rf, admin_user, model):
    model_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_tasks_are_editable(rf, admin_user):
    request = rf.get("/")
    admin_user.is_superuser = True
    request.user = admin_user
    assert admin.site._registry[AiTask].has_change_permission(request)
