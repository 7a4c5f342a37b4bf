"""Backup fixtures: destinations holding recognisable secrets and a scoped key that can read backups."""

from __future__ import annotations

import json

import pytest

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from backups.models import BackupDestination, BackupJob, BackupPolicy
from tests.conftest import client_for_key

# Every secret contains the marker, so one byte scan of a response proves none leaked.
MARKER = "Zq9SECRET"
SFTP_CONFIG = {
    "host": "nas.lan",
    "port": 22,
    "user": "backup",
    "pass": f"sftp-pass-{MARKER}",
    "path": "/srv/nvr",
    "private_key": f"-----BEGIN KEY-----{MARKER}",
    "passphrase": f"phrase-{MARKER}",
}
S3_CONFIG = {
    "bucket": "nvr-backups",
    "prefix": "site1",
    "access_key": f"AKIA{MARKER}",
    "secret_key": f"s3-secret-{MARKER}",
    "endpoint": "https://minio.lan:9000",
    "region": "us-east-1",
}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Personas are created per test; argon2 would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_destination(name="nas", kind="sftp", config=None, **fields) -> BackupDestination:
    config = dict(SFTP_CONFIG if config is None and kind == "sftp" else config or {})
    return BackupDestination.objects.create(name=name, kind=kind, config=config, **fields)


def make_policy(destination, name="nightly", camera_ids=(), **fields) -> BackupPolicy:
    return BackupPolicy.objects.create(name=name, destination=destination, camera_ids=list(camera_ids), **fields)


def make_job(policy=None, camera_ids=(), **fields) -> BackupJob:
    destination = policy.destination if policy is not None else None
    return BackupJob.objects.create(policy=policy, destination=destination, camera_ids=list(camera_ids), **fields)


@pytest.fixture
def sftp_destination(db):
    return make_destination()


@pytest.fixture
def s3_destination(db):
    return make_destination("bucket", "s3", S3_CONFIG)


@pytest.fixture
def scoped_reader_client(admin_user, camera, other_camera):
    """A key limited to cam1 that can read system state and manage backups."""
    grant = Grant("integration", ["camera:read", "system:read", "registry:manage"], "cameras", ["cam1"],
                  confirm_privileged=True)
    _, raw = create_api_key(for_user(admin_user), name="scoped reader", grant=grant)
    return client_for_key(raw)


def post_raw_json(client, url, body):
    """POST a body as ASCII-escaped JSON, so lone surrogates reach the server as `\\ud800` escapes."""
    return client.generic("POST", url, json.dumps(body), content_type="application/json")
