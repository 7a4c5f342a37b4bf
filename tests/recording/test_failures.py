"""Failure texts in an operator's words (recording.failures): raw FFmpeg/OS errors never reach the pages."""

from __future__ import annotations

import pytest

from recording.failures import describe_failure


@pytest.mark.parametrize(("reason", "raw", "expected"), [
    ("stream_error", "[Errno 1094995529] Invalid data found when processing input: 'rtsp://***@10.0.0.5/live'",
     "the stream could not be read: the camera sent data that is not valid video"),
    ("camera_offline", "[Errno 111] Connection refused: 'rtsp://127.0.0.1:4011/cam'",
     "the camera could not be reached: the connection was refused (nothing listens on the RTSP port)"),
    ("camera_offline", "[Errno 110] Connection timed out: 'rtsp://10.1.2.3/x'",
     "the camera could not be reached: it did not answer in time"),
    ("auth_failed", "[Errno 825242872] Server returned 401 Unauthorized (authorization failed): 'rtsp://***@cam/a'",
     "the camera refused the user name or password"),
    ("camera_offline", "[Errno 875574520] Server returned 404 Not Found: 'rtsp://cam:554/nope'",
     "the camera has no stream at this address (404 Not Found): check the stream URL or path"),
    ("camera_offline", "end of stream (the camera closed the connection)", "the camera closed the connection"),
    ("stream_error", "no keyframe received in 30 s",
     "the stream could not be read: the camera sent no keyframe (check its I-frame interval)"),
    ("stream_error", "video codec mjpeg is not supported (H.264/H.265)",
     "the stream could not be read: video codec mjpeg is not supported (H.264 and H.265 are)"),
    ("disk_full", "writing segment failed: [Errno 28] No space left on device", "the recorder's disk is full"),
    ("camera_offline", "[Errno -2] Name or service not known",
     "the camera could not be reached: its host name does not resolve"),
])
def test_raw_errors_become_sentences(reason, raw, expected):
    assert describe_failure(reason, raw) == expected


def test_a_port_or_path_in_the_url_is_not_read_as_an_http_status():
    text = describe_failure("camera_offline", "[Errno 104] Connection reset by peer: 'rtsp://cam:4010/404/stream'")
    assert text == "the camera dropped the connection"


@pytest.mark.parametrize(("reason", "expected"), [
    ("camera_offline", "the camera could not be reached"),
    ("stream_error", "the stream could not be read"),
    (None, "the camera stopped streaming"),
])
def test_unknown_texts_fall_back_to_the_reason(reason, expected):
    assert describe_failure(reason, "something nobody has seen before") == expected
    assert describe_failure(reason, None) == expected
