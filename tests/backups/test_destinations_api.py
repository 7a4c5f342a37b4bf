"""Backup destinations API: masking, the `***` round-trip, kind validation, fleet-only access, audit."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from backups.models import BackupDestination, BackupJob
from tests.backups.conftest import MARKER, S3_CONFIG, SFTP_CONFIG, make_destination, make_job, make_policy, post_raw_json

pytestmark = pytest.mark.django_db

URL = "/api/v1/backup/destinations"


def detail_url(destination):
    return f"{URL}/{destination.pk if hasattr(destination, 'pk') else destination}"


def stored_config(pk):
    return BackupDestination.objects.get(pk=pk).config


def assert_no_secret(response):
    assert MARKER.encode() not in response.content


# --- reading ------------------------------------------------------------------------------------

def test_list_masks_every_secret_and_reports_credentials(admin_client, sftp_destination, s3_destination):
    response = admin_client.get(URL)
    assert response.status_code == 200
    assert_no_secret(response)
    body = response.json()
    assert body["count"] == 2
    sftp, s3 = body["results"]  # oldest first
    assert sftp["config"] == {**SFTP_CONFIG, "pass": "***", "private_key": "***", "passphrase": "***"}
    assert s3["config"]["access_key"] == "***" and s3["config"]["secret_key"] == "***"
    assert sftp["has_credentials"] is True
    assert set(sftp) == {"id", "name", "kind", "config", "has_credentials", "enabled", "created_at", "updated_at"}


def test_destination_without_secrets_has_no_credentials(admin_client):
    destination = make_destination("disk", "local", {"path": "/mnt/backup"})
    body = admin_client.get(detail_url(destination)).json()
    assert body["config"] == {"path": "/mnt/backup"} and body["has_credentials"] is False


def test_viewer_can_read_destinations(viewer_client, sftp_destination):
    response = viewer_client.get(detail_url(sftp_destination))
    assert response.status_code == 200
    assert_no_secret(response)


def test_missing_destination_is_404_with_envelope(admin_client):
    response = admin_client.get(f"{URL}/bkd_missing")
    assert response.status_code == 404
    assert response.json() == {"error": "backup destination bkd_missing not found", "code": "not_found"}


def test_unauthenticated_caller_gets_401(anon_client):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.post(URL, {}, format="json").status_code == 401


def test_list_query_count_does_not_grow_with_rows(admin_client, django_assert_max_num_queries):
    for index in range(6):
        make_destination(f"nas{index}")
    with django_assert_max_num_queries(3):
        response = admin_client.get(URL)
    assert response.json()["count"] == 6


# --- fleet-only ---------------------------------------------------------------------------------

def test_camera_scoped_key_is_refused_even_with_the_capabilities(scoped_reader_client, sftp_destination):
    for response in (
        scoped_reader_client.get(URL),
        scoped_reader_client.get(detail_url(sftp_destination)),
        scoped_reader_client.post(URL, {"name": "x", "kind": "local", "config": {"path": "/x"}}, format="json"),
        scoped_reader_client.patch(detail_url(sftp_destination), {"enabled": False}, format="json"),
        scoped_reader_client.delete(detail_url(sftp_destination)),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert BackupDestination.objects.count() == 1 and stored_config(sftp_destination.pk) == SFTP_CONFIG


def test_unscoped_admin_key_can_manage_destinations(admin_key_client):
    response = admin_key_client.post(URL, {"name": "disk", "kind": "local", "config": {"path": "/mnt/b"}}, format="json")
    assert response.status_code == 201


def test_viewer_cannot_mutate_destinations(viewer_client, sftp_destination):
    assert viewer_client.post(URL, {"name": "x", "kind": "local", "config": {"path": "/x"}}, format="json").status_code == 403
    assert viewer_client.patch(detail_url(sftp_destination), {"name": "y"}, format="json").status_code == 403
    assert viewer_client.delete(detail_url(sftp_destination)).status_code == 403
    assert BackupDestination.objects.get().name == "nas"


# --- create -------------------------------------------------------------------------------------

def test_create_stores_the_config_and_answers_it_masked(manager_client):
    response = manager_client.post(URL, {"name": " bucket ", "kind": "s3", "config": S3_CONFIG}, format="json")
    assert response.status_code == 201
    assert_no_secret(response)
    body = response.json()
    assert body["id"].startswith("bkd_") and body["name"] == "bucket" and body["enabled"] is True
    assert body["has_credentials"] is True
    assert stored_config(body["id"]) == S3_CONFIG


def test_create_defaults_to_an_empty_config_which_must_still_fit_the_kind(manager_client):
    response = manager_client.post(URL, {"name": "disk", "kind": "local"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {"config.path": ["is required for kind 'local'"]}


def test_create_drops_a_mask_or_null_secret_when_nothing_is_stored(manager_client):
    config = {"host": "nas.lan", "pass": "***", "passphrase": None, "private_key": ""}
    response = manager_client.post(URL, {"name": "n", "kind": "sftp", "config": config}, format="json")
    assert response.status_code == 201
    assert stored_config(response.json()["id"]) == {"host": "nas.lan"}
    assert response.json()["has_credentials"] is False


def test_create_writes_an_audit_row_with_the_masked_config_only(manager_client, manager_user):
    response = manager_client.post(URL, {"name": "nas", "kind": "sftp", "config": SFTP_CONFIG}, format="json")
    row = AuditLog.objects.get(action="create_backup_destination")
    assert row.actor == manager_user.pk and row.target_id == response.json()["id"]
    assert row.detail["config"]["pass"] == "***" and row.detail["config"]["host"] == "nas.lan"
    assert MARKER not in json.dumps(row.detail)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "local", "config": {"path": "/x"}}, "name"),
        ({"name": "   ", "kind": "local", "config": {"path": "/x"}}, "name"),
        ({"name": "x" * 201, "kind": "local", "config": {"path": "/x"}}, "name"),
        ({"name": 123, "kind": "local", "config": {"path": "/x"}}, "name"),
        ({"name": "n", "config": {"path": "/x"}}, "kind"),
        ({"name": "n", "kind": "rclone", "config": {}}, "kind"),
        ({"name": "n", "kind": "local", "config": ["path"]}, "config"),
        ({"name": "n", "kind": "local", "config": "path=/x"}, "config"),
        ({"name": "n", "kind": "local", "config": {"path": "/x"}, "enabled": "yes"}, "enabled"),
        ({"name": "n", "kind": "local", "config": {"path": "/x", "junk": 1}}, "config.junk"),
        ({"name": "n", "kind": "local", "config": {"path": "../x"}}, "config.path"),
        ({"name": "n", "kind": "sftp", "config": {"host": "169.254.169.254"}}, "config.host"),
        ({"name": "n", "kind": "sftp", "config": {"host": "nas", "port": 70000}}, "config.port"),
        ({"name": "n", "kind": "sftp", "config": {"host": "nas", "pass": 1234}}, "config.pass"),
        ({"name": "n", "kind": "s3", "config": {"bucket": "Bad_Bucket"}}, "config.bucket"),
        ({"name": "n", "kind": "s3", "config": {"bucket": "ok-bucket", "endpoint": "ftp://x"}}, "config.endpoint"),
        ({"name": "n", "kind": "webdav", "config": {"url": "https://u:p@dav.lan"}}, "config.url"),
        ({"name": "n", "kind": "local", "config": {"path": "/" + "x" * 40000}}, "config"),
    ],
)
def test_create_rejects_invalid_input_and_writes_nothing(manager_client, body, field):
    response = manager_client.post(URL, body, format="json")
    assert response.status_code == 400
    envelope = response.json()
    assert envelope["code"] and field in envelope["fields"]
    assert not BackupDestination.objects.exists() and not AuditLog.objects.exists()


def test_malformed_json_is_a_400_envelope(manager_client):
    response = manager_client.generic("POST", URL, b'{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) >= {"error", "code"}


@pytest.mark.parametrize(
    "raw",
    [
        b'{"name": "n", "kind": "\\ud800", "config": {}}',
        b'{"name": "\\ud800", "kind": "local", "config": {"path": "/x"}}',
        b'{"name": "n", "kind": "local", "config": {"\\ud800": 1, "path": "/x"}}',
        b'{"name": "n", "kind": "sftp", "config": {"host": "nas", "user": "\\ud800x", "pass": "\\udc00"}}',
    ],
)
def test_lone_surrogates_are_a_400_not_a_500(manager_client, raw):
    response = manager_client.generic("POST", URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert not BackupDestination.objects.exists()


# --- update -------------------------------------------------------------------------------------

def test_mask_sent_back_keeps_the_stored_secret(manager_client, sftp_destination):
    masked = manager_client.get(detail_url(sftp_destination)).json()["config"]
    response = manager_client.patch(detail_url(sftp_destination), {"config": {**masked, "user": "other"}}, format="json")
    assert response.status_code == 200
    assert_no_secret(response)
    assert stored_config(sftp_destination.pk) == {**SFTP_CONFIG, "user": "other"}


def test_omitted_secret_is_kept(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination), {"config": {"host": "nas2.lan"}}, format="json")
    assert response.status_code == 200
    config = stored_config(sftp_destination.pk)
    assert config == {"host": "nas2.lan", "pass": SFTP_CONFIG["pass"], "private_key": SFTP_CONFIG["private_key"],
                      "passphrase": SFTP_CONFIG["passphrase"]}


def test_null_or_empty_secret_clears_it(manager_client, sftp_destination):
    config = {**SFTP_CONFIG, "pass": None, "passphrase": ""}
    response = manager_client.patch(detail_url(sftp_destination), {"config": config}, format="json")
    assert response.status_code == 200
    stored = stored_config(sftp_destination.pk)
    assert "pass" not in stored and "passphrase" not in stored and stored["private_key"] == SFTP_CONFIG["private_key"]


def test_new_secret_value_replaces_the_stored_one(manager_client, sftp_destination):
    manager_client.patch(detail_url(sftp_destination), {"config": {"host": "nas.lan", "pass": "fresh"}}, format="json")
    assert stored_config(sftp_destination.pk)["pass"] == "fresh"


def test_update_without_config_leaves_it_untouched(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination), {"name": "renamed", "enabled": False}, format="json")
    assert response.status_code == 200
    destination = BackupDestination.objects.get()
    assert (destination.name, destination.enabled, destination.config) == ("renamed", False, SFTP_CONFIG)


def test_blank_name_keeps_the_old_name(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination), {"name": "  "}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "nas"


def test_kind_change_revalidates_the_stored_config(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination), {"kind": "s3"}, format="json")
    assert response.status_code == 400
    assert "config.bucket" in response.json()["fields"]
    assert BackupDestination.objects.get().kind == "sftp"


def test_kind_change_with_a_fitting_config_drops_the_old_kinds_secrets(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination),
                                    {"kind": "local", "config": {"path": "/mnt/usb"}}, format="json")
    assert response.status_code == 200
    destination = BackupDestination.objects.get()
    assert destination.kind == "local" and destination.config == {"path": "/mnt/usb"}


def test_kind_change_between_remote_kinds_keeps_shared_secrets(manager_client, sftp_destination):
    response = manager_client.patch(detail_url(sftp_destination),
                                    {"kind": "ftp", "config": {"host": "nas.lan", "pass": "***"}}, format="json")
    assert response.status_code == 200
    assert stored_config(sftp_destination.pk) == {"host": "nas.lan", "pass": SFTP_CONFIG["pass"]}


@pytest.mark.parametrize("body", [{"config": None}, {"config": []}, {"enabled": None}, {"enabled": 1},
                                  {"kind": "nfs"}, {"config": {"host": "nas", "junk": "x"}}])
def test_invalid_update_is_400_and_changes_nothing(manager_client, sftp_destination, body):
    response = manager_client.patch(detail_url(sftp_destination), body, format="json")
    assert response.status_code == 400
    destination = BackupDestination.objects.get()
    assert destination.config == SFTP_CONFIG and destination.enabled is True
    assert not AuditLog.objects.exists()


def test_update_of_missing_destination_is_404(manager_client):
    assert manager_client.patch(f"{URL}/bkd_nope", {"name": "x"}, format="json").status_code == 404


def test_update_audit_row_is_masked(manager_client, sftp_destination):
    manager_client.patch(detail_url(sftp_destination), {"config": {"host": "nas.lan", "pass": "new-" + MARKER}},
                         format="json")
    row = AuditLog.objects.get(action="update_backup_destination")
    assert row.detail["changed"] == ["config"] and row.detail["config"]["pass"] == "***"
    assert MARKER not in json.dumps(row.detail)


def test_put_is_not_allowed(manager_client, sftp_destination):
    assert manager_client.put(detail_url(sftp_destination), {}, format="json").status_code == 405


# --- delete -------------------------------------------------------------------------------------

def test_delete_cascades_policies_and_keeps_jobs_without_destination(manager_client, sftp_destination):
    policy = make_policy(sftp_destination)
    job = make_job(policy)
    response = manager_client.delete(detail_url(sftp_destination))
    assert response.status_code == 204
    assert not BackupDestination.objects.exists()
    job = BackupJob.objects.get(pk=job.pk)
    assert job.destination_id is None and job.policy_id is None
    row = AuditLog.objects.get(action="delete_backup_destination")
    assert row.target_id == sftp_destination.pk and MARKER not in json.dumps(row.detail)


def test_delete_of_missing_destination_is_404(manager_client):
    assert manager_client.delete(f"{URL}/bkd_nope").status_code == 404


# --- at rest ------------------------------------------------------------------------------------

def test_config_column_holds_no_plaintext(manager_client):
    response = manager_client.post(URL, {"name": "nas", "kind": "sftp", "config": SFTP_CONFIG}, format="json")
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM backups_backupdestination WHERE id = %s", [response.json()["id"]])
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc:v1:")
    assert MARKER not in raw and "nas.lan" not in raw


# --- arbitrary input ----------------------------------------------------------------------------

_text = st.text(max_size=30)  # lone surrogates included: JSON can carry them as \ud800
_json = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | _text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(_text, children, max_size=3),
    max_leaves=12,
)
_config_keys = st.sampled_from(["path", "host", "port", "user", "pass", "bucket", "prefix", "access_key",
                                "secret_key", "endpoint", "region", "url", "private_key", "passphrase", "token"])
_bodies = st.one_of(
    _json,
    st.fixed_dictionaries({}, optional={
        "name": _json | _text,
        "kind": st.sampled_from(["local", "s3", "sftp", "ftp", "webdav", "nfs"]) | _json,
        "config": st.dictionaries(_config_keys, _json | _text, max_size=5) | _json,
        "enabled": _json,
    }),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
@example(body={"name": "n", "kind": "local", "config": {"path": "/x"}})
def test_arbitrary_json_never_500_and_4xx_writes_nothing(manager_client, body):
    before = (BackupDestination.objects.count(), AuditLog.objects.count())
    response = post_raw_json(manager_client, URL, body)
    assert response.status_code in (201, 400), response.content
    after = (BackupDestination.objects.count(), AuditLog.objects.count())
    if response.status_code == 400:
        assert after == before
        assert set(response.json()) >= {"error", "code"}
    else:
        assert after == (before[0] + 1, before[1] + 1)
