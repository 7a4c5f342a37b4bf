"""The stored secret view (has_* flags, masked URLs) stays equal to what the secrets say, on every save path."""

from __future__ import annotations

from dataclasses import asdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from accounts.principal import SYSTEM
from cameras.models import SECRET_FIELDS, SECRET_VIEW_COLUMNS, Camera
from cameras.services import create_camera, update_camera
from cameras.stream_urls import SecretView, StreamSource
from nvr import crypto
from tests.cameras.conftest import ANR_TEMPLATE, MAIN_URL, PASSWORD, SUB_URL
from tests.conftest import make_camera


def stored_view(camera_id: str) -> dict:
    return dict(Camera.objects.filter(pk=camera_id).values(*SECRET_VIEW_COLUMNS).get())


def computed_view(camera_id: str) -> dict:
    camera = Camera.objects.get(pk=camera_id)  # loaded whole: the secrets decrypted
    return asdict(SecretView.of(StreamSource.of(camera), camera.anr_replay_url_template))


@pytest.mark.django_db
def test_camera_with_secrets_stores_its_view(secret_camera):
    assert stored_view("vault") == {
        "password_set": True,
        "main_stream_url_set": True,
        "sub_stream_url_set": True,
        "masked_record_url": "rtsp://***@192.168.1.70:554/live/main",
        "masked_anr_replay_url_template": "rtsp://***@192.168.1.70:554/replay?start={start}&end={end}",
    }


@pytest.mark.django_db
def test_camera_without_secrets_stores_an_empty_view(camera):
    assert stored_view("cam1") == {
        "password_set": False, "main_stream_url_set": False, "sub_stream_url_set": False,
        "masked_record_url": None, "masked_anr_replay_url_template": None,
    }


@pytest.mark.django_db
def test_update_through_the_service_rewrites_the_view(secret_camera):
    camera = Camera.objects.get(pk="vault")
    update_camera(SYSTEM, camera, {"main_stream_url": None, "password": None, "address": "10.0.0.9"})
    view = stored_view("vault")
    assert view["password_set"] is False and view["main_stream_url_set"] is False
    assert view["masked_record_url"] == "rtsp://***@10.0.0.9:554/Streaming/Channels/101"  # the vendor template now
    assert view == computed_view("vault")


@pytest.mark.django_db
def test_switching_the_record_stream_rewrites_the_masked_url(secret_camera):
    update_camera(SYSTEM, Camera.objects.get(pk="vault"), {"record_stream": "sub"})
    assert stored_view("vault")["masked_record_url"] == "rtsp://***@192.168.1.70:554/live/sub"


@pytest.mark.django_db
def test_saving_other_fields_of_a_camera_read_without_its_secrets_decrypts_nothing(secret_camera, monkeypatch):
    def refuse(value):
        raise AssertionError("decrypted a secret")

    camera = Camera.objects.defer(*SECRET_FIELDS).get(pk="vault")
    with monkeypatch.context() as patched:
        patched.setattr(crypto, "unseal", refuse)
        camera.name, camera.priority = "Vault 2", 7
        camera.save(update_fields=["name", "priority"])
    camera = Camera.objects.get(pk="vault")
    assert camera.password == PASSWORD and camera.name == "Vault 2"  # the secrets were not overwritten
    assert stored_view("vault") == computed_view("vault")


@pytest.mark.django_db
def test_a_source_changed_on_a_camera_read_without_secrets_still_rewrites_the_view(secret_camera):
    camera = Camera.objects.defer(*SECRET_FIELDS).get(pk="vault")
    camera.main_stream_url = None
    camera.save(update_fields=["main_stream_url"])
    assert stored_view("vault")["masked_record_url"] == "rtsp://***@192.168.1.70:554/Streaming/Channels/101"
    assert stored_view("vault") == computed_view("vault")


@pytest.mark.django_db
def test_key_rotation_keeps_the_view(secret_camera, settings):
    settings.NVR_FIELD_KEY = None
    before = stored_view("vault")
    call_command("rotate_field_key", verbosity=0)
    assert stored_view("vault") == before == computed_view("vault")


URLS = st.sampled_from([None, "", "   ", MAIN_URL, SUB_URL, "rtsp://10.0.0.1/plain", "rtsp://cam/x?user=a&password=b"])
CHANGES = st.fixed_dictionaries({}, optional={
    "vendor": st.sampled_from(["generic", "hikvision", "dahua"]),
    "address": st.sampled_from([None, "192.0.2.1", "fe80::1"]),
    "rtsp_port": st.integers(1, 65535),
    "username": st.sampled_from([None, "admin", "a:b@c"]),
    "password": st.sampled_from([None, PASSWORD, "p@ss/word"]),
    "main_stream_url": URLS,
    "sub_stream_url": URLS,
    "record_stream": st.sampled_from(["main", "sub"]),
    "anr_replay_url_template": st.sampled_from([None, ANR_TEMPLATE, "rtsp://h/replay?token=t&start={start}"]),
    "name": st.sampled_from(["A", "B"]),
})


class TestViewFollowsAnyUpdate(HypothesisTestCase):
    @given(first=CHANGES, then=st.lists(CHANGES, max_size=3))
    def test_stored_view_equals_the_view_of_the_secrets(self, first, then):
        create_camera(SYSTEM, {"id": "prop", "name": "Prop", **first})
        for changes in then:
            update_camera(SYSTEM, Camera.objects.get(pk="prop"), changes)
        assert stored_view("prop") == computed_view("prop")


@pytest.mark.django_db(transaction=True)
def test_migration_fills_the_view_of_existing_cameras():
    executor = MigrationExecutor(connection)
    executor.migrate([("cameras", "0002_camera_switch_help_texts")])
    try:
        old_camera = executor.loader.project_state([("cameras", "0002_camera_switch_help_texts")]).apps.get_model("cameras", "Camera")
        old_camera.objects.create(id="old", name="Old", vendor="hikvision", address="192.0.2.5", username="admin",
                                  password=PASSWORD, sub_stream_url=SUB_URL, anr_replay_url_template=ANR_TEMPLATE)
        old_camera.objects.create(id="bare", name="Bare")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored_view("old") == {
        "password_set": True, "main_stream_url_set": False, "sub_stream_url_set": True,
        "masked_record_url": "rtsp://***@192.0.2.5:554/Streaming/Channels/101",
        "masked_anr_replay_url_template": "rtsp://***@192.168.1.70:554/replay?start={start}&end={end}",
    }
    assert stored_view("old") == computed_view("old")
    assert stored_view("bare") == computed_view("bare")
    assert make_camera("new").password_set is False
