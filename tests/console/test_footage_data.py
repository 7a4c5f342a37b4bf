"""Pure parts of the footage pages' data: codec spellings, capability flags, what a dark camera says."""

from __future__ import annotations

import pytest

from accounts import capabilities as caps
from accounts.principal import Principal
from nvr.console.footage import capability_flags, codec_family, offline_message


@pytest.mark.parametrize("value, family", [
    ("hevc", "hevc"), ("H.265", "hevc"), ("h265", "hevc"), ("hvc1", "hevc"), ("HEV1", "hevc"),
    ("h264", "h264"), ("H.264", "h264"), ("avc1.64001f", "h264"), ("H264 High", "h264"),
    (None, None), ("", None), ("mjpeg", None),
])
def test_codec_family_reads_camera_and_pyav_spellings(value, family):
    assert codec_family(value) == family


def principal(*capabilities: str) -> Principal:
    return Principal(kind="api_key", id="k", name="k", role="viewer", capabilities=frozenset(capabilities))


def test_capability_flags_follow_the_principal():
    assert capability_flags(principal(caps.VIDEO_LIVE)) == {"live": True, "playback": False, "export": False, "events": False}
    assert capability_flags(principal(caps.ADMIN)) == {"live": True, "playback": True, "export": True, "events": True}


@pytest.mark.parametrize("state, reason, note, text", [
    ("offline", "camera_offline", "", "offline: camera unreachable"),
    ("error", "auth_failed", "", "error: camera refused the credentials"),
    ("error", None, "codec opus dropped", "error: codec opus dropped"),
    ("offline", None, "", "offline: no reason reported"),
    ("disabled", None, "", "disabled: camera turned off"),
    ("idle_schedule", "schedule_off", "", "idle_schedule: outside the recording schedule"),
])
def test_offline_message_names_the_reason(state, reason, note, text):
    assert offline_message(state, reason, note) == text
