"""Why a connection ended, as a gap reason (SPEC §5)."""

from __future__ import annotations

import errno

import av
import pytest

from recording.recorder.pipeline import classify
from recording.recorder.session import Disconnect
from recording.recorder.writer import WriteFailed


def ffmpeg_error(code: int) -> Exception:
    try:
        av.error.err_check(-code)
    except av.FFmpegError as exc:
        return exc
    raise AssertionError("err_check did not raise")


@pytest.mark.parametrize("error, reason", [
    (av.error.HTTPUnauthorizedError(1, "Server returned 401"), "auth_failed"),
    (av.error.HTTPForbiddenError(1, "Server returned 403"), "auth_failed"),
    (av.error.HTTPNotFoundError(1, "Server returned 404"), "camera_offline"),
    (av.error.HTTPServerError(1, "Server returned 5XX"), "camera_offline"),
    (ffmpeg_error(errno.ECONNREFUSED), "camera_offline"),
    (ffmpeg_error(errno.ETIMEDOUT), "camera_offline"),
    (ffmpeg_error(errno.ECONNRESET), "camera_offline"),
    (av.error.InvalidDataError(1, "Invalid data found when processing input"), "stream_error"),
    (Disconnect("stream_error", "the stream has no video"), "stream_error"),
    (Disconnect("camera_offline", "end of stream"), "camera_offline"),
    (WriteFailed(ffmpeg_error(errno.ENOSPC)), "disk_full"),
    (WriteFailed(OSError(errno.EDQUOT, "Disk quota exceeded")), "disk_full"),
    (WriteFailed(PermissionError(errno.EACCES, "Permission denied")), "stream_error"),
    (RuntimeError("a bug"), "stream_error"),
])
def test_failures_map_to_gap_reasons(error, reason):
    assert classify(error) == reason
