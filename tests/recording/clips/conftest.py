"""Clip tests write clips under the test's own temporary directory and run queued tasks inline."""

from __future__ import annotations

import pytest
from django_q.conf import Conf

from tests.recording.clips.personas import key_client  # noqa: F401  (fixture)


@pytest.fixture(autouse=True)
def _isolated_clips_dir(settings, tmp_path):
    settings.NVR_CLIPS_DIR = tmp_path / "clips"


@pytest.fixture(autouse=True)
def _inline_tasks(monkeypatch):
    """`async_task` runs the task at once in this process, as `NVR_TASKS_SYNC=true` does (django-q2 `sync`)."""
    monkeypatch.setattr(Conf, "SYNC", True)
