"""Several hosts must share one recordings folder: each recorder leaves a token there, every host reads it back."""

from __future__ import annotations

import pytest

from recording import leases
from recording.health import unshared_recorders

pytestmark = pytest.mark.django_db


def test_a_recorder_whose_mark_this_host_can_read_shares_its_storage(settings):
    leases.register_recorder("rec-here")
    assert unshared_recorders() == []


def test_a_recorder_writing_to_another_folder_is_reported(settings, tmp_path):
    settings.NVR_RECORDINGS_DIR = tmp_path / "elsewhere"  # the other host's own, unshared disk
    leases.register_recorder("rec-there")
    settings.NVR_RECORDINGS_DIR = tmp_path / "recordings"
    leases.register_recorder("rec-here")
    assert unshared_recorders() == ["rec-there"]


def test_a_removed_mark_is_restored_by_the_next_heartbeat(settings):
    row = leases.register_recorder("rec-here")
    leases.storage_mark_path("rec-here").unlink()
    assert unshared_recorders() == ["rec-here"]
    leases.write_storage_mark("rec-here", row.storage_token)
    assert unshared_recorders() == []


def test_readyz_on_a_host_that_cannot_see_a_recorders_files_is_not_ready(client, settings, tmp_path):
    leases.register_recorder("rec-here")
    assert client.get("/readyz").json()["checks"]["shared_storage"] == "ok"
    settings.NVR_RECORDINGS_DIR = tmp_path / "elsewhere"
    leases.register_recorder("rec-there")
    settings.NVR_RECORDINGS_DIR = tmp_path / "recordings"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["reason"] == "recordings_not_shared" and response.json()["recorders"] == ["rec-there"]
