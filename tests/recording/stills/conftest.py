"""Stills tests: no camera-failure memory carried from one test to the next."""

from __future__ import annotations

import pytest

from recording import snapshots
from tests.recording.clips.personas import key_client  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _forget_unreachable_cameras():
    snapshots.cooldown.clear()
    yield
    snapshots.cooldown.clear()
