"""Backup models: sealed config at rest, job progress and output URL, the replication catalogue."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection

from backups.destination_config import KINDS
from backups.models import BackupCopy, BackupDestination, BackupJob, DestinationKind
from tests.backups.conftest import MARKER, make_destination, make_job

pytestmark = pytest.mark.django_db


def raw_config(pk: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT config FROM backups_backupdestination WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_whole_config_is_sealed_in_the_database_column(s3_destination):
    raw = raw_config(s3_destination.pk)
    assert raw.startswith("enc:v1:")
    assert MARKER not in raw and "nvr-backups" not in raw
    assert BackupDestination.objects.get().config["secret_key"].endswith(MARKER)


def test_ids_carry_their_prefixes(sftp_destination):
    job = make_job()
    assert sftp_destination.pk.startswith("bkd_") and job.pk.startswith("bkj_")


def test_output_url_only_when_a_file_was_produced():
    job = make_job()
    assert job.output_url() is None
    job.output = "archives/x.zip"
    assert job.output_url() == f"/api/v1/backup/jobs/{job.pk}/download"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, 0.0),
        ({"status": "completed"}, 1.0),
        ({"files_total": 4, "files_copied": 1}, 0.25),
        ({"files_total": 4, "files_copied": 1, "files_skipped": 1, "files_failed": 2}, 1.0),
    ],
)
def test_progress_counts_every_handled_file(fields, expected):
    assert BackupJob(**fields).progress == expected


def test_a_segment_is_catalogued_once_per_destination(sftp_destination, s3_destination):
    common = {"segment_id": "seg_1", "camera_id": "cam1", "remote_path": "cam1/a.mp4", "size_bytes": 10, "sha256": "0" * 64}
    BackupCopy.objects.create(destination=sftp_destination, **common)
    BackupCopy.objects.create(destination=s3_destination, **common)
    with pytest.raises(IntegrityError):
        BackupCopy.objects.create(destination=sftp_destination, **common)


def test_deleting_a_destination_deletes_its_catalogue():
    destination = make_destination()
    BackupCopy.objects.create(destination=destination, segment_id="seg_1", camera_id="cam1", remote_path="p",
                              size_bytes=1, sha256="0" * 64)
    destination.delete()
    assert not BackupCopy.objects.exists()


def test_validation_knows_exactly_the_model_kinds():
    assert set(KINDS) == set(DestinationKind.values)
