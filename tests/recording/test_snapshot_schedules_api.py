"""Snapshot schedule API: defaults, interval clamping, strict types, roles, scope, audit."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from recording.models import SnapshotSchedule
from tests.recording.conftest import make_snapshot_schedule

URL = "/api/v1/cameras/cam1/snapshot-schedules"


def test_create_with_empty_body_uses_defaults_and_audits(manager_client, camera):
    response = manager_client.post(URL, {}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("snsch_")
    assert (body["camera_id"], body["interval_seconds"], body["enabled"], body["last_fired_at"]) == ("cam1", 300, True, None)
    audit = AuditLog.objects.get(action="create_snapshot_schedule")
    assert (audit.target_id, audit.detail) == (body["id"], {"camera_id": "cam1"})


@pytest.mark.parametrize(("sent", "stored"), [(1, 5), (0, 5), (-10, 5), (60, 60), (10**30, 86_400), (86_401, 86_400), (120.0, 120), ("90", 90)])
def test_interval_is_clamped(manager_client, camera, sent, stored):
    response = manager_client.post(URL, {"interval_seconds": sent}, format="json")
    assert response.status_code == 201
    assert response.json()["interval_seconds"] == stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interval_seconds": "abc"}, "interval_seconds"),
        ({"interval_seconds": 3.5}, "interval_seconds"),
        ({"interval_seconds": True}, "interval_seconds"),
        ({"interval_seconds": None}, "interval_seconds"),
        ({"interval_seconds": [60]}, "interval_seconds"),
        ({"enabled": "true"}, "enabled"),
        ({"enabled": None}, "enabled"),
    ],
)
def test_bad_values_are_400(manager_client, camera, body, field):
    response = manager_client.post(URL, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not SnapshotSchedule.objects.exists()


def test_list_is_per_camera_and_query_bounded(viewer_client, camera, other_camera, django_assert_max_num_queries):
    for _ in range(6):
        make_snapshot_schedule(camera)
    make_snapshot_schedule(other_camera)
    with django_assert_max_num_queries(3):
        body = viewer_client.get(URL).json()
    assert body["count"] == 6 and {s["camera_id"] for s in body["results"]} == {"cam1"}


def test_patch_clamps_and_audits(manager_client, camera):
    row = make_snapshot_schedule(camera)
    response = manager_client.patch(f"/api/v1/snapshot-schedules/{row.pk}", {"interval_seconds": 2}, format="json")
    assert response.status_code == 200 and response.json()["interval_seconds"] == 5
    response = manager_client.patch(f"/api/v1/snapshot-schedules/{row.pk}", {"enabled": False}, format="json")
    assert response.json() == {**response.json(), "interval_seconds": 5, "enabled": False}
    assert AuditLog.objects.filter(action="update_snapshot_schedule", target_id=row.pk).count() == 2


def test_patch_cannot_null_the_interval(manager_client, camera):
    row = make_snapshot_schedule(camera, interval_seconds=60)
    assert manager_client.patch(f"/api/v1/snapshot-schedules/{row.pk}", {"interval_seconds": None}, format="json").status_code == 400
    row.refresh_from_db()
    assert row.interval_seconds == 60


def test_delete_and_404_message(manager_client, camera):
    row = make_snapshot_schedule(camera)
    assert manager_client.delete(f"/api/v1/snapshot-schedules/{row.pk}").status_code == 204
    assert AuditLog.objects.filter(action="delete_snapshot_schedule", target_id=row.pk, subject_camera_id="cam1").exists()
    response = manager_client.patch(f"/api/v1/snapshot-schedules/{row.pk}", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"] == f"snapshot schedule {row.pk} not found"


def test_viewer_cannot_mutate(viewer_client, camera):
    row = make_snapshot_schedule(camera)
    assert viewer_client.post(URL, {}, format="json").status_code == 403
    assert viewer_client.patch(f"/api/v1/snapshot-schedules/{row.pk}", {"enabled": False}, format="json").status_code == 403
    assert viewer_client.delete(f"/api/v1/snapshot-schedules/{row.pk}").status_code == 403
    assert SnapshotSchedule.objects.count() == 1


def test_anonymous_is_401(anon_client, camera):
    assert anon_client.get(URL).status_code == 401


def test_scoped_key_is_confined_to_its_camera(scoped_client, camera, other_camera):
    theirs = make_snapshot_schedule(other_camera)
    assert scoped_client.post(URL, {}, format="json").status_code == 201
    assert scoped_client.get("/api/v1/cameras/cam2/snapshot-schedules").status_code == 403
    assert scoped_client.post("/api/v1/cameras/cam2/snapshot-schedules", {}, format="json").status_code == 403
    foreign = scoped_client.delete(f"/api/v1/snapshot-schedules/{theirs.pk}")
    missing = scoped_client.delete("/api/v1/snapshot-schedules/snsch_missing")
    assert foreign.status_code == missing.status_code == 403
    assert SnapshotSchedule.objects.filter(pk=theirs.pk).exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(json_values, st.fixed_dictionaries({}, optional={"interval_seconds": json_values, "enabled": json_values})))
def test_arbitrary_json_never_500s_and_writes_nothing_on_4xx(admin_client, camera, body):
    before = SnapshotSchedule.objects.count()
    response = admin_client.generic("POST", URL, json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert SnapshotSchedule.objects.count() == before
    else:
        assert 5 <= response.json()["interval_seconds"] <= 86_400
