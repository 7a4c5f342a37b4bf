"""ONVIF fixtures: simulated cameras that are stopped after each test."""

from __future__ import annotations

import pytest

from tests.cameras.onvif.peer import onvif_camera


@pytest.fixture(scope="session")
def onvif_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onvif-simcam")


@pytest.fixture
def start_onvif_camera(onvif_cache):
    running = []

    def start(**options):
        cam = onvif_camera(onvif_cache, **options)
        running.append(cam)
        return cam

    yield start
    for cam in running:
        if not cam._loop.is_closed():  # a test may have stopped it already (a "restart")
            cam.stop()
