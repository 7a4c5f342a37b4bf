"""Backup policies API: validation, defaults, destination lookup, camera scope, audit."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from backups.models import BackupJob, BackupPolicy
from tests.backups.conftest import make_job, make_policy, post_raw_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/backup/policies"


def detail_url(policy):
    return f"{URL}/{policy.pk}"


def body_for(destination, **fields):
    return {"name": "nightly", "destination_id": destination.pk, **fields}


# --- create -------------------------------------------------------------------------------------

def test_create_applies_the_defaults(manager_client, sftp_destination):
    response = manager_client.post(URL, body_for(sftp_destination), format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("bkp_")
    assert {k: body[k] for k in ("destination_id", "camera_ids", "incident_lock_only", "schedule_interval_s",
                                 "lookback_hours", "enabled", "last_run_at", "last_job_id")} == {
        "destination_id": sftp_destination.pk, "camera_ids": [], "incident_lock_only": False,
        "schedule_interval_s": 86400, "lookback_hours": 24, "enabled": True, "last_run_at": None, "last_job_id": None,
    }


def test_create_stores_every_field_and_dedupes_cameras(manager_client, sftp_destination):
    response = manager_client.post(URL, body_for(
        sftp_destination, camera_ids=["cam1", " cam2 ", "cam1"], incident_lock_only=True,
        schedule_interval_s=60, lookback_hours=0, enabled=False), format="json")
    assert response.status_code == 201
    policy = BackupPolicy.objects.get()
    assert policy.camera_ids == ["cam1", "cam2"]
    assert (policy.incident_lock_only, policy.schedule_interval_s, policy.lookback_hours, policy.enabled) == (True, 60, 0, False)


def test_camera_ids_are_not_checked_for_existence(manager_client, sftp_destination):
    response = manager_client.post(URL, body_for(sftp_destination, camera_ids=["future-camera"]), format="json")
    assert response.status_code == 201


def test_create_writes_an_audit_row(manager_client, sftp_destination):
    response = manager_client.post(URL, body_for(sftp_destination, camera_ids=["cam1"]), format="json")
    row = AuditLog.objects.get(action="create_backup_policy")
    assert row.target_id == response.json()["id"]
    assert row.detail["destination_id"] == sftp_destination.pk and row.subject_camera_id == "cam1"


def test_unknown_destination_is_404_and_writes_nothing(manager_client):
    response = manager_client.post(URL, {"name": "n", "destination_id": "bkd_gone"}, format="json")
    assert response.status_code == 404
    assert response.json() == {"error": "backup destination bkd_gone not found", "code": "not_found"}
    assert not BackupPolicy.objects.exists() and not AuditLog.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"destination_id": None}, "destination_id"),
        ({"destination_id": "x" * 41}, "destination_id"),
        ({"camera_ids": "cam1"}, "camera_ids"),
        ({"camera_ids": [1, 2]}, "camera_ids.0"),
        ({"camera_ids": [""]}, "camera_ids.0"),
        ({"camera_ids": ["x" * 65]}, "camera_ids.0"),
        ({"camera_ids": [f"c{i}" for i in range(501)]}, "camera_ids"),
        ({"camera_ids": None}, "camera_ids"),
        ({"schedule_interval_s": 59}, "schedule_interval_s"),
        ({"schedule_interval_s": 10**30}, "schedule_interval_s"),
        ({"schedule_interval_s": 60.5}, "schedule_interval_s"),
        ({"schedule_interval_s": True}, "schedule_interval_s"),
        ({"lookback_hours": -1}, "lookback_hours"),
        ({"lookback_hours": 2**63}, "lookback_hours"),
        ({"incident_lock_only": "true"}, "incident_lock_only"),
        ({"enabled": 0}, "enabled"),
    ],
)
def test_create_rejects_invalid_fields(manager_client, sftp_destination, fields, field):
    response = manager_client.post(URL, body_for(sftp_destination, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not BackupPolicy.objects.exists()


def test_viewer_cannot_create_update_or_delete(viewer_client, sftp_destination):
    policy = make_policy(sftp_destination)
    assert viewer_client.post(URL, body_for(sftp_destination), format="json").status_code == 403
    assert viewer_client.patch(detail_url(policy), {"name": "x"}, format="json").status_code == 403
    assert viewer_client.delete(detail_url(policy)).status_code == 403
    assert viewer_client.get(detail_url(policy)).status_code == 200


def test_unauthenticated_caller_gets_401(anon_client):
    assert anon_client.get(URL).status_code == 401


# --- read ---------------------------------------------------------------------------------------

def test_list_is_oldest_first(admin_client, sftp_destination):
    first = make_policy(sftp_destination, "a")
    second = make_policy(sftp_destination, "b")
    body = admin_client.get(URL).json()
    assert [row["id"] for row in body["results"]] == [first.pk, second.pk]


def test_missing_policy_is_404(admin_client):
    response = admin_client.get(f"{URL}/bkp_missing")
    assert response.status_code == 404
    assert response.json()["error"] == "backup policy bkp_missing not found"


def test_list_query_count_does_not_grow_with_rows(admin_client, sftp_destination, django_assert_max_num_queries):
    for index in range(6):
        make_policy(sftp_destination, f"p{index}", camera_ids=["cam1"])
    with django_assert_max_num_queries(3):
        assert admin_client.get(URL).json()["count"] == 6


# --- update and delete --------------------------------------------------------------------------

def test_update_changes_fields_and_audits(manager_client, sftp_destination, s3_destination):
    policy = make_policy(sftp_destination)
    response = manager_client.patch(detail_url(policy), {
        "destination_id": s3_destination.pk, "camera_ids": ["cam2"], "lookback_hours": 0, "enabled": False,
    }, format="json")
    assert response.status_code == 200
    policy.refresh_from_db()
    assert (policy.destination_id, policy.camera_ids, policy.lookback_hours, policy.enabled) == (
        s3_destination.pk, ["cam2"], 0, False)
    row = AuditLog.objects.get(action="update_backup_policy")
    assert row.detail["changed"] == ["camera_ids", "destination_id", "enabled", "lookback_hours"]


def test_blank_name_keeps_the_old_name(manager_client, sftp_destination):
    policy = make_policy(sftp_destination)
    assert manager_client.patch(detail_url(policy), {"name": ""}, format="json").json()["name"] == "nightly"


def test_update_to_a_missing_destination_is_404(manager_client, sftp_destination):
    policy = make_policy(sftp_destination)
    response = manager_client.patch(detail_url(policy), {"destination_id": "bkd_gone"}, format="json")
    assert response.status_code == 404
    assert BackupPolicy.objects.get().destination_id == sftp_destination.pk


@pytest.mark.parametrize("body", [{"schedule_interval_s": None}, {"enabled": None}, {"camera_ids": None},
                                  {"lookback_hours": "1"  * 30}, {"name": None}])
def test_invalid_update_is_400(manager_client, sftp_destination, body):
    policy = make_policy(sftp_destination)
    assert manager_client.patch(detail_url(policy), body, format="json").status_code == 400


def test_delete_keeps_jobs_without_policy(manager_client, sftp_destination):
    policy = make_policy(sftp_destination)
    job = make_job(policy)
    assert manager_client.delete(detail_url(policy)).status_code == 204
    assert BackupJob.objects.get(pk=job.pk).policy_id is None
    assert AuditLog.objects.filter(action="delete_backup_policy", target_id=policy.pk).exists()


# --- camera scope -------------------------------------------------------------------------------

def test_scoped_key_empty_camera_list_means_its_own_cameras(scoped_client, sftp_destination):
    response = scoped_client.post(URL, body_for(sftp_destination), format="json")
    assert response.status_code == 201
    assert BackupPolicy.objects.get().camera_ids == ["cam1"]


def test_scoped_key_cannot_name_a_camera_outside_its_scope(scoped_client, sftp_destination):
    response = scoped_client.post(URL, body_for(sftp_destination, camera_ids=["cam1", "cam2"]), format="json")
    assert response.status_code == 403
    assert "cam2" in response.json()["error"]
    assert not BackupPolicy.objects.exists()


def test_scoped_list_shows_only_policies_inside_the_scope(scoped_reader_client, sftp_destination,
                                                          django_assert_max_num_queries):
    mine = make_policy(sftp_destination, "mine", camera_ids=["cam1"])
    make_policy(sftp_destination, "fleet", camera_ids=[])
    make_policy(sftp_destination, "mixed", camera_ids=["cam1", "cam2"])
    make_policy(sftp_destination, "other", camera_ids=["cam2"])
    mine_too = make_policy(sftp_destination, "mine too", camera_ids=["cam1"])
    with django_assert_max_num_queries(8):
        body = scoped_reader_client.get(URL).json()
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [mine.pk, mine_too.pk]


def test_scoped_list_paginates_after_filtering(scoped_reader_client, sftp_destination):
    make_policy(sftp_destination, "other", camera_ids=["cam2"])
    mine = [make_policy(sftp_destination, f"m{i}", camera_ids=["cam1"]) for i in range(3)]
    body = scoped_reader_client.get(URL, {"limit": 2, "offset": 1}).json()
    assert body["count"] == 3 and [row["id"] for row in body["results"]] == [mine[1].pk, mine[2].pk]


def test_scoped_key_gets_404_for_out_of_scope_policy(scoped_reader_client, sftp_destination):
    fleet = make_policy(sftp_destination, "fleet", camera_ids=[])
    other = make_policy(sftp_destination, "other", camera_ids=["cam2"])
    for policy in (fleet, other):
        assert scoped_reader_client.get(detail_url(policy)).status_code == 404
        response = scoped_reader_client.patch(detail_url(policy), {"name": "hijack"}, format="json")
        assert response.status_code == 404
        assert response.json()["error"] == f"backup policy {policy.pk} not found"
        assert scoped_reader_client.delete(detail_url(policy)).status_code == 404
    assert BackupPolicy.objects.count() == 2 and not BackupPolicy.objects.filter(name="hijack").exists()


def test_scoped_key_manages_its_own_policy_but_cannot_widen_it(scoped_reader_client, sftp_destination):
    policy = make_policy(sftp_destination, "mine", camera_ids=["cam1"])
    assert scoped_reader_client.patch(detail_url(policy), {"camera_ids": ["cam2"]}, format="json").status_code == 403
    response = scoped_reader_client.patch(detail_url(policy), {"camera_ids": [], "name": "renamed"}, format="json")
    assert response.status_code == 200 and response.json()["camera_ids"] == ["cam1"]
    assert scoped_reader_client.delete(detail_url(policy)).status_code == 204


# --- arbitrary input ----------------------------------------------------------------------------

_text = st.text(max_size=20)  # lone surrogates included: JSON can carry them as \ud800
_json = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.fixed_dictionaries({}, optional={
    "name": _json, "camera_ids": _json | st.lists(_text, max_size=4), "incident_lock_only": _json,
    "schedule_interval_s": _json, "lookback_hours": _json, "enabled": _json, "destination_id": _json,
}))
@example(fields={})
def test_arbitrary_policy_bodies_never_500_and_4xx_writes_nothing(manager_client, sftp_destination, fields):
    before = BackupPolicy.objects.count()
    response = post_raw_json(manager_client, URL, {"name": "n", "destination_id": sftp_destination.pk, **fields})
    assert response.status_code in (201, 400, 404), response.content
    assert BackupPolicy.objects.count() == before + (1 if response.status_code == 201 else 0)
