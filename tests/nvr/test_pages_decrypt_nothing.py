"""Rendering camera lists, health, the status feed and the console decrypts no camera secret.

Secrets are unsealed only where a camera is dialled (the recorder, snapshots, ONVIF) or edited; the pages
read the flags and masked URLs stored beside them at save time. A counter around `nvr.crypto.unseal`
(the one decrypt entry point of the encrypted fields) proves it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from accounts.principal import SYSTEM, for_user
from cameras.services import create_camera
from nvr import crypto
from recording import status_feed
from recording.models import CameraState, CameraStatus
from tests.conftest import make_camera, make_user

pytestmark = pytest.mark.django_db

SECRETS = {
    "password": "Pw-Secret-1!",
    "main_stream_url": "rtsp://admin:Url-Secret-2@192.0.2.10:554/main",
    "sub_stream_url": "rtsp://admin:Sub-Secret-3@192.0.2.10:554/sub",
    "anr_replay_url_template": "rtsp://admin:Anr-Secret-4@192.0.2.10/replay?start={start}",
}


class DecryptCounter:
    """Counts unseal calls that really decrypt (legacy plaintext passes through without a key)."""

    def __init__(self, unseal):
        self.unseal, self.count = unseal, 0

    def __call__(self, value):
        if crypto.is_sealed(value):
            self.count += 1
        return self.unseal(value)


@pytest.fixture
def decryptions(monkeypatch):
    counter = DecryptCounter(crypto.unseal)
    monkeypatch.setattr(crypto, "unseal", counter)
    return counter


@pytest.fixture
def fleet(db):
    """Three cameras full of secrets (through the service and straight through the model), with status rows."""
    cameras = [
        create_camera(SYSTEM, {"name": "Gate", "vendor": "hikvision", "address": "192.0.2.10", "username": "admin", **SECRETS}),
        create_camera(SYSTEM, {"name": "Yard", "vendor": "dahua", "address": "192.0.2.11", "username": "admin",
                               "password": SECRETS["password"], "record_stream": "sub"}),
        make_camera("dock", name="Dock", **SECRETS),
    ]
    for camera in cameras:
        CameraStatus.objects.create(camera=camera, state=CameraState.RECORDING, last_packet_at=timezone.now())
    return cameras


@pytest.fixture
def browser(fleet):
    client = Client()
    client.force_login(make_user("root", "admin"))
    return client


PAGES = [
    "/api/v1/cameras",
    "/api/v1/cameras/gate",
    "/api/v1/health/cameras",
    "/api/v1/cameras/gate/health",
    "/api/v1/system",
    # what the camera page's scripts call (camera-nested routes)
    "/api/v1/cameras/gate/timeline",
    "/api/v1/cameras/gate/segments",
    "/api/v1/cameras/gate/snapshots",
    "/api/v1/cameras/gate/clips",
    "/readyz",
    "/healthz",
    "/",
    "/live/",
    "/cameras/gate/",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_decrypts_no_secret(browser, decryptions, path):
    response = browser.get(path)
    assert response.status_code in (200, 503), (path, response.status_code)  # /readyz: no recorder runs here
    assert decryptions.count == 0, f"{path} decrypted {decryptions.count} secrets"


def test_status_feed_initial_list_decrypts_no_secret(fleet, decryptions):
    messages = status_feed.visible_statuses(for_user(make_user("vera", "viewer")))
    assert [m["camera_id"] for m in messages] == ["dock", "gate", "yard"]
    assert decryptions.count == 0


def test_status_feed_changes_decrypt_no_secret(fleet, decryptions):
    watcher = status_feed.StatusWatcher()
    watcher.since = timezone.now() - timezone.timedelta(minutes=1)
    assert len(watcher.changes()) == 3
    assert decryptions.count == 0


def test_counter_sees_a_real_decryption(fleet, decryptions):
    """The instrument works: loading a camera whole decrypts its four secrets."""
    from cameras.models import Camera

    Camera.objects.get(pk="gate")
    assert decryptions.count == 4
