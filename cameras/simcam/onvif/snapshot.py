"""JPEG snapshots of the simulated camera: the clock picture at the moment of the request."""

from __future__ import annotations

import time
from fractions import Fraction

import av

from cameras.simcam.clock import BACKGROUND, paint_clock
from cameras.simcam.encoding import video_frame


def clock_jpeg(width: int, height: int, at_ms: int | None = None) -> bytes:
    """One JPEG of the clock face (the same picture the RTSP clock mounts show). Blocking: run in a thread."""
    at_ms = int(time.time() * 1000) if at_ms is None else at_ms
    luma = paint_clock(width, height, at_ms, bytes([BACKGROUND]) * (width * height))
    frame = video_frame(bytes(luma), bytes([128]) * (width * height // 4), width, height, 0)
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt, codec.time_base = width, height, "yuvj420p", Fraction(1, 25)
    packets = codec.encode(frame.reformat(format="yuvj420p")) + codec.encode(None)
    return b"".join(bytes(packet) for packet in packets)
