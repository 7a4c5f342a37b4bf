"""Segment files for the playback tests: encoded once per session, copied into each test's recordings folder."""

from __future__ import annotations

import pytest

from tests.recording.playback.media import cut_segments, encode_source


@pytest.fixture(scope="session")
def blobs(tmp_path_factory):
    """Three contiguous 2 s H.264+AAC segments of one run."""
    tmp = tmp_path_factory.mktemp("playback-media")
    encode_source(tmp / "source.mp4", 6, audio=True)
    return cut_segments(tmp / "source.mp4", tmp / "rec", every=2, audio=True)


@pytest.fixture(scope="session")
def video_only_blob(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("playback-video")
    encode_source(tmp / "source.mp4", 2, audio=False)
    return cut_segments(tmp / "source.mp4", tmp / "rec", every=2, audio=False)[0]


@pytest.fixture
def recordings(settings):
    settings.NVR_RECORDINGS_DIR.mkdir(parents=True, exist_ok=True)
    return settings.NVR_RECORDINGS_DIR
