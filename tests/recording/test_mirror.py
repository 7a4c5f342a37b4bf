"""Mirror copies (recording.recorder.mirror) and their retention (recording.pruning.prune_mirror)."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from recording.pruning import prune_mirror
from recording.recorder.mirror import MirrorCopier, copy_segment
from tests.conftest import make_camera

REL = "cam1/2026/06/15/20260615T120000Z.mp4"


def test_a_copy_is_identical_and_never_visible_half_written(tmp_path):
    source = tmp_path / "rec" / REL
    source.parent.mkdir(parents=True)
    source.write_bytes(os.urandom(300_000))
    target = copy_segment(source, tmp_path / "mirror", REL)
    assert target.read_bytes() == source.read_bytes()
    assert not list((tmp_path / "mirror").glob("**/*.part"))


def test_a_failed_copy_leaves_no_part_file(tmp_path):
    with pytest.raises(OSError):
        copy_segment(tmp_path / "missing.mp4", tmp_path / "mirror", REL)
    assert not list((tmp_path / "mirror").glob("**/*.part"))


def test_the_copier_thread_copies_in_order_and_survives_a_failure(tmp_path):
    copier = MirrorCopier()
    good = tmp_path / "a.mp4"
    good.write_bytes(b"segment")
    assert copier.submit(tmp_path / "gone.mp4", tmp_path / "mirror", "cam1/x/gone.mp4")
    assert copier.submit(good, tmp_path / "mirror", "cam1/x/a.mp4")
    copier.close()
    assert (tmp_path / "mirror/cam1/x/a.mp4").read_bytes() == b"segment"
    assert copier.failures == 1


@pytest.mark.django_db
def test_mirror_files_are_pruned_by_their_camera_retention(settings, tmp_path):
    settings.NVR_MIRROR_RECORDINGS_DIR = tmp_path / "mirror"
    make_camera("cam1", retention_hours=24)
    now = timezone.now()
    old, fresh, stale_part, stranger = (settings.NVR_MIRROR_RECORDINGS_DIR / p for p in (
        "cam1/2026/01/01/old.mp4", "cam1/2026/01/02/fresh.mp4", "cam1/2026/01/02/x.mp4.part", "ghost/a.mp4"))
    for path, age in ((old, timedelta(hours=30)), (fresh, timedelta(hours=2)), (stale_part, timedelta(hours=2)),
                      (stranger, timedelta(days=30))):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
        stamp = (now - age).timestamp()
        os.utime(path, (stamp, stamp))
    assert prune_mirror(now) == 2
    assert not old.exists() and not stale_part.exists() and not old.parent.exists()
    assert fresh.exists() and stranger.exists()


@pytest.mark.django_db
def test_without_a_mirror_root_nothing_is_pruned(settings):
    settings.NVR_MIRROR_RECORDINGS_DIR = None
    assert prune_mirror(timezone.now()) == 0
