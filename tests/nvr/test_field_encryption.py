"""Secrets at rest: sealed columns, a 0600 key file generated on first use, and key rotation."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cameras.models import Camera
from nvr import crypto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_key_file(settings, tmp_path):
    settings.NVR_FIELD_KEY = None
    settings.NVR_FIELD_KEY_PATH = tmp_path / "field.key"
    crypto.forget_keys()
    yield settings.NVR_FIELD_KEY_PATH
    crypto.forget_keys()


def raw_column(table: str, column: str, pk: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]


def test_key_file_is_generated_with_mode_0600(fresh_key_file):
    crypto.seal("x")
    assert stat.S_IMODE(fresh_key_file.stat().st_mode) == 0o600


def test_seal_round_trip():
    sealed = crypto.seal("p@ss")
    assert sealed.startswith("enc:v1:") and "p@ss" not in sealed
    assert crypto.unseal(sealed) == "p@ss"


def test_plaintext_that_looks_sealed_is_still_encrypted():
    tricky = "enc:v1:not-really-sealed"
    assert crypto.unseal(crypto.seal(tricky)) == tricky


def test_camera_secrets_are_not_stored_in_clear():
    Camera.objects.create(id="c1", name="C1", password="hunter2!", main_stream_url="rtsp://u:hunter2!@10.0.0.1/s")
    for column in ("password", "main_stream_url"):
        stored = raw_column("cameras_camera", column, "c1")
        assert stored.startswith("enc:v1:") and "hunter2" not in stored
    camera = Camera.objects.get(pk="c1")
    assert camera.password == "hunter2!"


def test_value_sealed_under_a_lost_key_reads_as_absent(settings):
    Camera.objects.create(id="c1", name="C1", password="hunter2!")
    settings.NVR_FIELD_KEY = Fernet.generate_key().decode()
    crypto.forget_keys()
    assert Camera.objects.get(pk="c1").password is None


def test_rotation_reencrypts_everything_and_retires_the_old_key(fresh_key_file):
    Camera.objects.create(id="c1", name="C1", password="hunter2!", anr_replay_url_template="rtsp://a:b@h/{start}")
    old_key = fresh_key_file.read_text().strip()
    before = raw_column("cameras_camera", "password", "c1")
    call_command("rotate_field_key", stdout=open("/dev/null", "w"))
    new_keys = fresh_key_file.read_text().split()
    assert new_keys != [old_key] and len(new_keys) == 1
    after = raw_column("cameras_camera", "password", "c1")
    assert after != before and after.startswith("enc:v1:")
    with pytest.raises(Exception):
        Fernet(old_key.encode()).decrypt(after[len("enc:v1:"):].encode())
    camera = Camera.objects.get(pk="c1")
    assert camera.password == "hunter2!" and camera.anr_replay_url_template == "rtsp://a:b@h/{start}"
    assert stat.S_IMODE(fresh_key_file.stat().st_mode) == 0o600


def test_rotation_refuses_env_managed_keys(settings):
    settings.NVR_FIELD_KEY = Fernet.generate_key().decode()
    crypto.forget_keys()
    with pytest.raises(CommandError, match="NVR_FIELD_KEY"):
        call_command("rotate_field_key")
