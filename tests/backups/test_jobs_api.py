"""Backup jobs API (read-only here): filters, newest first, limits, output URL, scope, creator blanking."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from backups.models import BackupJob
from tests.backups.conftest import make_job, make_policy

pytestmark = pytest.mark.django_db

URL = "/api/v1/backup/jobs"


@pytest.fixture
def policy(sftp_destination):
    return make_policy(sftp_destination)


def aged_job(minutes_ago: int, **fields) -> BackupJob:
    return make_job(created_at=timezone.now() - timedelta(minutes=minutes_ago), **fields)


def test_list_is_newest_first(admin_client, policy):
    old = aged_job(30, policy=policy)
    new = aged_job(1, policy=policy)
    body = admin_client.get(URL).json()
    assert [row["id"] for row in body["results"]] == [new.pk, old.pk]


def test_job_view_shape_hides_the_output_path(admin_client, policy):
    job = make_job(policy, camera_ids=["cam1"], output="archives/bkj_x.zip", status="completed",
                   files_total=4, files_copied=2, files_skipped=2, created_by="usr_1", created_by_kind="user")
    body = admin_client.get(f"{URL}/{job.pk}").json()
    assert body["output_url"] == f"/api/v1/backup/jobs/{job.pk}/download"
    assert "output" not in body and "archives/" not in str(body)
    assert body["policy_id"] == policy.pk and body["destination_id"] == policy.destination_id
    assert body["progress"] == 1.0 and body["error"] is None
    assert body["created_by"] == "usr_1" and body["created_by_kind"] == "user"


def test_job_without_output_has_null_output_url_and_shows_its_error(admin_client):
    job = make_job(status="failed", error="destination unreachable: *** rejected")
    body = admin_client.get(f"{URL}/{job.pk}").json()
    assert body["output_url"] is None and body["error"] == "destination unreachable: *** rejected"
    assert body["status"] == "failed"


def test_filters_by_policy_status_and_kind(admin_client, policy, sftp_destination):
    other = make_policy(sftp_destination, "other")
    running = make_job(policy, status="running")
    make_job(policy, status="completed")
    make_job(other, status="running")
    archive = make_job(kind="on_demand_archive", status="completed")
    assert [r["id"] for r in admin_client.get(URL, {"policy_id": policy.pk, "status": "running"}).json()["results"]] == [running.pk]
    assert [r["id"] for r in admin_client.get(URL, {"kind": "on_demand_archive"}).json()["results"]] == [archive.pk]
    assert admin_client.get(URL, {"policy_id": "bkp_none"}).json()["count"] == 0


@pytest.mark.parametrize("params", [{"status": "error"}, {"kind": "backup"}, {"limit": 0}, {"limit": 2001},
                                    {"limit": "x"}, {"offset": -1}, {"policy_id": "p" * 41}])
def test_bad_query_parameters_are_400(admin_client, params):
    response = admin_client.get(URL, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_default_limit_is_100_and_max_is_2000(admin_client):
    BackupJob.objects.bulk_create([BackupJob() for _ in range(101)])
    assert len(admin_client.get(URL).json()["results"]) == 100
    body = admin_client.get(URL, {"limit": 2000}).json()
    assert body["count"] == 101 and len(body["results"]) == 101


def test_missing_job_is_404(admin_client):
    response = admin_client.get(f"{URL}/bkj_missing")
    assert response.status_code == 404 and response.json()["error"] == "backup job bkj_missing not found"


def test_viewer_can_read_jobs_but_the_endpoint_is_read_only(viewer_client, manager_client):
    job = make_job()
    assert viewer_client.get(f"{URL}/{job.pk}").status_code == 200
    assert manager_client.post(URL, {}, format="json").status_code == 405
    assert manager_client.patch(f"{URL}/{job.pk}", {"status": "completed"}, format="json").status_code == 405


def test_unauthenticated_caller_gets_401(anon_client):
    assert anon_client.get(URL).status_code == 401


def test_key_without_system_read_is_403(scoped_client):
    assert scoped_client.get(URL).status_code == 403


def test_list_query_count_does_not_grow_with_rows(admin_client, policy, django_assert_max_num_queries):
    for _ in range(8):
        make_job(policy, camera_ids=["cam1"], output="x.zip")
    with django_assert_max_num_queries(3):
        assert admin_client.get(URL).json()["count"] == 8


def test_scoped_reader_sees_only_jobs_inside_its_scope_without_creator(scoped_reader_client, policy,
                                                                      django_assert_max_num_queries):
    mine = aged_job(5, policy=policy, camera_ids=["cam1"], created_by="usr_1", created_by_kind="user")
    aged_job(4, policy=policy, camera_ids=[])
    aged_job(3, policy=policy, camera_ids=["cam1", "cam2"])
    aged_job(2, policy=policy, camera_ids=["cam2"])
    with django_assert_max_num_queries(8):
        body = scoped_reader_client.get(URL).json()
    assert [row["id"] for row in body["results"]] == [mine.pk]
    assert body["results"][0]["created_by"] is None and body["results"][0]["created_by_kind"] is None


def test_scoped_reader_gets_404_for_a_job_outside_its_scope(scoped_reader_client):
    fleet = make_job(camera_ids=[])
    mine = make_job(camera_ids=["cam1"], created_by="key_1", created_by_kind="api_key")
    assert scoped_reader_client.get(f"{URL}/{fleet.pk}").status_code == 404
    body = scoped_reader_client.get(f"{URL}/{mine.pk}").json()
    assert body["id"] == mine.pk and body["created_by"] is None
