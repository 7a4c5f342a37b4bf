"""Record schedule API: create/list/patch/delete, validation envelope, roles, camera scope, audit."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from recording.models import RecordSchedule
from tests.recording.conftest import make_record_schedule

URL = "/api/v1/cameras/cam1/schedules"
VALID = {"days": [0, 1, 2, 3, 4], "time_start": "9:00", "time_end": "17:30"}


def assert_validation_error(response, field):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "validation_error" and field in body["fields"], body
    assert isinstance(body["error"], str) and body["error"]


# --- create and list -------------------------------------------------------------------------------

def test_manager_creates_a_schedule_stored_normalised(manager_client, camera):
    response = manager_client.post(URL, {"days": [4, 0, 0], "time_start": "9:00", "time_end": "24:00"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("recsch_") and body["camera_id"] == "cam1"
    assert (body["days"], body["time_start"], body["time_end"], body["enabled"]) == ([0, 4], "09:00", "24:00", True)
    assert body["created_at"].endswith("Z")
    row = RecordSchedule.objects.get()
    assert (row.days, row.time_start) == ([0, 4], "09:00")


def test_create_writes_an_audit_row(manager_client, manager_user, camera):
    schedule_id = manager_client.post(URL, VALID, format="json").json()["id"]
    row = AuditLog.objects.get(action="create_record_schedule")
    assert (row.target_id, row.detail, row.subject_camera_id, row.actor) == (schedule_id, {"camera_id": "cam1"}, "cam1", manager_user.pk)


def test_viewer_lists_schedules_in_creation_order(viewer_client, camera, other_camera):
    first = make_record_schedule(camera, time_start="01:00", time_end="02:00")
    second = make_record_schedule(camera, time_start="00:00", time_end="01:00")
    make_record_schedule(other_camera)
    response = viewer_client.get(URL)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [s["id"] for s in body["results"]] == [first.pk, second.pk]


def test_schedule_list_has_no_per_row_queries(admin_client, camera, django_assert_max_num_queries):
    for hour in range(8):
        make_record_schedule(camera, time_start=f"{hour:02d}:00", time_end=f"{hour:02d}:30")
    with django_assert_max_num_queries(3):
        assert len(admin_client.get(URL).json()["results"]) == 8


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_start": "09:00", "time_end": "17:00"}, "days"),
        ({**VALID, "days": []}, "days"),
        ({**VALID, "days": [7]}, "days"),
        ({**VALID, "days": [-1]}, "days"),
        ({**VALID, "days": [1.0]}, "days"),
        ({**VALID, "days": [True]}, "days"),
        ({**VALID, "days": ["1"]}, "days"),
        ({**VALID, "days": "0,1"}, "days"),
        ({**VALID, "days": None}, "days"),
        ({**VALID, "days": [2**70]}, "days"),
        ({"days": [0], "time_end": "17:00"}, "time_start"),
        ({**VALID, "time_start": "24:00"}, "time_start"),
        ({**VALID, "time_start": "25:00"}, "time_start"),
        ({**VALID, "time_start": "12:60"}, "time_start"),
        ({**VALID, "time_start": "0900"}, "time_start"),
        ({**VALID, "time_start": 900}, "time_start"),
        ({**VALID, "time_start": "9" * 10_000}, "time_start"),
        ({**VALID, "time_end": "24:01"}, "time_end"),
        ({**VALID, "time_end": None}, "time_end"),
        ({**VALID, "time_start": "9:00", "time_end": "09:00"}, "time_end"),
        ({**VALID, "enabled": "yes"}, "enabled"),
        ({**VALID, "enabled": 1}, "enabled"),
    ],
)
def test_invalid_schedules_are_400_with_the_field_named(manager_client, camera, body, field):
    assert_validation_error(manager_client.post(URL, body, format="json"), field)
    assert not RecordSchedule.objects.exists()


def test_overnight_and_disabled_schedules_are_accepted(manager_client, camera):
    response = manager_client.post(URL, {"days": [0], "time_start": "22:00", "time_end": "06:00", "enabled": False}, format="json")
    assert response.status_code == 201
    assert response.json()["enabled"] is False


@pytest.mark.parametrize("raw", ["[]", '"text"', "null", "{not json", "42"])
def test_non_object_or_malformed_bodies_are_400(manager_client, camera, raw):
    response = manager_client.generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"error", "code"}


def test_unknown_camera_is_404(manager_client, db):
    response = manager_client.post("/api/v1/cameras/nope/schedules", VALID, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "camera nope not found", "code": "not_found"}
    assert manager_client.get("/api/v1/cameras/nope/schedules").status_code == 404


def test_viewer_cannot_create(viewer_client, camera):
    response = viewer_client.post(URL, VALID, format="json")
    assert response.status_code == 403
    assert "registry:manage" in response.json()["error"]
    assert not RecordSchedule.objects.exists()


def test_anonymous_is_401(anon_client, camera):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.post(URL, VALID, format="json").status_code == 401


# --- update and delete -----------------------------------------------------------------------------

def test_patch_changes_fields_and_audits(manager_client, camera):
    row = make_record_schedule(camera)
    response = manager_client.patch(f"/api/v1/schedules/{row.pk}", {"enabled": False, "days": [6, 5]}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["enabled"], response.json()["days"]) == (False, [5, 6])
    row.refresh_from_db()
    assert not row.enabled and row.days == [5, 6] and row.time_start == "09:00"
    audit = AuditLog.objects.get(action="update_record_schedule")
    assert audit.detail["camera_id"] == "cam1" and audit.target_id == row.pk


def test_patch_is_validated_on_the_merged_result(manager_client, camera):
    row = make_record_schedule(camera, time_start="09:00", time_end="17:00")
    assert_validation_error(manager_client.patch(f"/api/v1/schedules/{row.pk}", {"time_end": "9:00"}, format="json"), "time_end")
    assert_validation_error(manager_client.patch(f"/api/v1/schedules/{row.pk}", {"time_start": "17:00"}, format="json"), "time_end")
    response = manager_client.patch(f"/api/v1/schedules/{row.pk}", {"time_start": "17:00", "time_end": "9:00"}, format="json")
    assert response.status_code == 200 and response.json()["time_end"] == "09:00"


@pytest.mark.parametrize("body", [{"days": None}, {"days": []}, {"enabled": None}, {"time_start": None}])
def test_patch_cannot_null_required_fields(manager_client, camera, body):
    row = make_record_schedule(camera)
    assert manager_client.patch(f"/api/v1/schedules/{row.pk}", body, format="json").status_code == 400
    row.refresh_from_db()
    assert row.days == [0] and row.enabled


def test_delete_removes_and_audits(manager_client, camera):
    row = make_record_schedule(camera)
    assert manager_client.delete(f"/api/v1/schedules/{row.pk}").status_code == 204
    assert not RecordSchedule.objects.exists()
    audit = AuditLog.objects.get(action="delete_record_schedule")
    assert (audit.target_id, audit.subject_camera_id) == (row.pk, "cam1")
    response = manager_client.delete(f"/api/v1/schedules/{row.pk}")
    assert response.status_code == 404
    assert response.json()["error"] == f"recording schedule {row.pk} not found"


def test_missing_schedule_is_404_for_fleet_callers(admin_client, db):
    response = admin_client.patch("/api/v1/schedules/recsch_missing", {"enabled": False}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "recording schedule recsch_missing not found", "code": "not_found"}


def test_viewer_cannot_patch_or_delete(viewer_client, camera):
    row = make_record_schedule(camera)
    assert viewer_client.patch(f"/api/v1/schedules/{row.pk}", {"enabled": False}, format="json").status_code == 403
    assert viewer_client.delete(f"/api/v1/schedules/{row.pk}").status_code == 403
    assert RecordSchedule.objects.get().enabled


def test_get_on_a_schedule_id_is_not_allowed(admin_client, camera):
    row = make_record_schedule(camera)
    assert admin_client.get(f"/api/v1/schedules/{row.pk}").status_code == 405


# --- camera scope ----------------------------------------------------------------------------------

def test_scoped_key_manages_its_own_camera(scoped_client):
    response = scoped_client.post(URL, VALID, format="json")
    assert response.status_code == 201
    schedule_id = response.json()["id"]
    assert scoped_client.patch(f"/api/v1/schedules/{schedule_id}", {"enabled": False}, format="json").status_code == 200
    assert scoped_client.delete(f"/api/v1/schedules/{schedule_id}").status_code == 204


def test_scoped_key_gets_403_on_other_cameras_nested_route(scoped_client, other_camera):
    for response in (
        scoped_client.get("/api/v1/cameras/cam2/schedules"),
        scoped_client.post("/api/v1/cameras/cam2/schedules", VALID, format="json"),
        scoped_client.get("/api/v1/cameras/ghost/schedules"),
    ):
        assert response.status_code == 403
        assert "not scoped" in response.json()["error"]
    assert not RecordSchedule.objects.exists()


def test_scoped_key_gets_the_same_403_for_other_camera_and_missing_schedule(scoped_client, other_camera):
    theirs = make_record_schedule(other_camera)
    foreign = scoped_client.patch(f"/api/v1/schedules/{theirs.pk}", {"enabled": False}, format="json")
    missing = scoped_client.patch("/api/v1/schedules/recsch_missing", {"enabled": False}, format="json")
    assert foreign.status_code == missing.status_code == 403
    assert scoped_client.delete(f"/api/v1/schedules/{theirs.pk}").status_code == 403
    theirs.refresh_from_db()
    assert theirs.enabled


# --- arbitrary input -------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
clock_like = st.one_of(st.from_regex(r"\A-?[0-9]{1,3}:[0-9]{1,3}\Z"), json_values)
schedule_bodies = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {},
        optional={
            "days": st.one_of(st.lists(st.integers(-2, 9), max_size=9), json_values),
            "time_start": clock_like,
            "time_end": clock_like,
            "enabled": json_values,
        },
    ),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(schedule_bodies)
def test_arbitrary_json_never_500s_and_writes_nothing_on_4xx(admin_client, camera, body):
    before = RecordSchedule.objects.count()
    audits = AuditLog.objects.count()
    response = admin_client.generic("POST", URL, json.dumps(body), content_type="application/json")
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert RecordSchedule.objects.count() == before and AuditLog.objects.count() == audits
        assert set(response.json()) >= {"error", "code"}
    else:
        assert RecordSchedule.objects.count() == before + 1
