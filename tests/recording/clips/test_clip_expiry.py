"""Clip expiry (48 h) and the sweep of clip files no row knows: `recording.tasks.prune_clips`."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone

from accounts.principal import SYSTEM
from recording import clips, tasks
from recording.models import Clip
from tests.recording.clips.footage import make_footage
from tests.recording.conftest import T0

pytestmark = pytest.mark.django_db


def exported(camera) -> Clip:
    return clips.export_clip(SYSTEM, camera, T0 + timedelta(seconds=1), T0 + timedelta(seconds=3))


def test_clips_are_deleted_48_hours_after_export(camera):
    make_footage(camera, T0, 5)
    clip = exported(camera)
    path = clips.clip_file(clip)
    with time_machine.travel(timezone.now() + timedelta(hours=47), tick=False):
        assert tasks.prune_clips()["expired"] == 0
    with time_machine.travel(timezone.now() + timedelta(hours=48, seconds=1), tick=False):
        assert tasks.prune_clips()["expired"] == 1
    assert not Clip.objects.exists() and not path.exists()


def test_old_files_without_a_row_are_swept_but_fresh_ones_are_left(camera):
    make_footage(camera, T0, 5)
    kept = exported(camera)
    folder = Path(settings.NVR_CLIPS_DIR) / "cam1"
    stale, fresh = folder / ".clip_dead.mp4.tmp", folder / "clip_orphan.mp4"
    stale.write_bytes(b"left by a crashed export")
    fresh.write_bytes(b"an export finishing right now")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert tasks.prune_clips() == {"expired": 0, "orphans": 1, "stale": 0}
    assert not stale.exists() and fresh.exists() and clips.clip_file(kept).exists()


def test_pruning_with_no_clips_folder_is_a_no_op(db):
    assert tasks.prune_clips() == {"expired": 0, "orphans": 0, "stale": 0}
