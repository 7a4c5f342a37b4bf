"""Clip tests write clips under the test's own temporary directory."""

from __future__ import annotations

import pytest

from tests.recording.clips.personas import key_client  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _isolated_clips_dir(settings, tmp_path):
    settings.NVR_CLIPS_DIR = tmp_path / "clips"
