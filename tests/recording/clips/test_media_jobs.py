"""The media-job permit pool and segment read locks."""

from __future__ import annotations

import threading

import pytest

from recording import media_jobs
from recording.models import Segment
from tests.recording.conftest import T0, make_segment


@pytest.mark.parametrize(("value", "expected"), [(None, 3), (0, 1), (5, 5), (1000, 64), ("x", 3)])
def test_concurrency_is_clamped_to_1_to_64(settings, value, expected):
    if value is None:
        del settings.NVR_MEDIA_JOB_CONCURRENCY
    else:
        settings.NVR_MEDIA_JOB_CONCURRENCY = value
    assert media_jobs.configured_concurrency() == expected


def test_permits_run_out_and_come_back(settings):
    settings.NVR_MEDIA_JOB_CONCURRENCY = 2
    held = threading.Event()
    release = threading.Event()

    def holder():
        with media_jobs.media_permit():
            held.set()
            release.wait(5)

    threads = [threading.Thread(target=holder) for _ in range(2)]
    for thread in threads:
        thread.start()
    held.wait(5)
    try:
        with pytest.raises(media_jobs.MediaBusy) as busy:
            with media_jobs.media_permit(wait=0.05):
                pass
        assert busy.value.status_code == 503 and busy.value.default_code == "media_busy"
    finally:
        release.set()
        for thread in threads:
            thread.join(5)
    with media_jobs.media_permit(wait=0.05):
        pass


@pytest.mark.django_db
def test_read_locks_count_readers_and_are_released_on_errors(camera):
    one, two = make_segment(camera, T0), make_segment(camera, T0.replace(minute=1))
    with media_jobs.read_locked([one.pk, two.pk, one.pk]):
        with media_jobs.read_locked([one.pk]):
            assert Segment.objects.get(pk=one.pk).read_locks == 2
        assert [s.read_locks for s in Segment.objects.order_by("start_time")] == [1, 1]
    with pytest.raises(RuntimeError):
        with media_jobs.read_locked([two.pk]):
            raise RuntimeError("reader failed")
    assert [s.read_locks for s in Segment.objects.order_by("start_time")] == [0, 0]


@pytest.mark.django_db
def test_a_reset_counter_never_goes_negative(camera):
    segment = make_segment(camera, T0)
    with media_jobs.read_locked([segment.pk]):
        Segment.objects.filter(pk=segment.pk).update(read_locks=0)  # e.g. an operator reset it
    assert Segment.objects.get(pk=segment.pk).read_locks == 0


def test_paths_never_leave_their_root(tmp_path):
    assert media_jobs.inside(tmp_path, "cam1/a.mp4") == (tmp_path / "cam1/a.mp4").resolve()
    assert media_jobs.inside(tmp_path, "../etc/passwd") is None
    assert media_jobs.inside(tmp_path, "") is None
