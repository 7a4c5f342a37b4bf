"""Test media for the live view: real H.264/H.265 encoded by PyAV's bundled x264/x265, demuxed like RTSP input."""

from __future__ import annotations

import io
import struct

import av

from recording.live.muxer import find_box
from recording.recorder.fmp4 import scan_bytes

WIDTH, HEIGHT, FPS = 320, 240, 25


def encoded_stream(codec: str = "libx264", frames: int = 50, gop: int = 25,
                   size: tuple[int, int] = (WIDTH, HEIGHT)) -> bytes:
    """An MPEG-TS of `frames` frames (Annex B samples, 1/90000 time base, parameter sets in the extradata)."""
    buffer = io.BytesIO()
    out = av.open(buffer, "w", format="mpegts")
    options = ({"preset": "ultrafast", "tune": "zerolatency", "g": str(gop)} if codec == "libx264"
               else {"preset": "ultrafast", "x265-params": f"keyint={gop}:min-keyint={gop}:log-level=error"})
    stream = out.add_stream(codec, rate=FPS, options=options)
    (stream.width, stream.height), stream.pix_fmt = size, "yuv420p"
    for index in range(frames):
        frame = av.VideoFrame(*size, "yuv420p")
        for plane in frame.planes:
            plane.update(bytes([index * 5 % 256]) * plane.buffer_size)
        frame.pts = index
        out.mux(stream.encode(frame))
    out.mux(stream.encode(None))
    out.close()
    return buffer.getvalue()


def demuxed(data: bytes):
    """(input container, its video stream, its packets with timestamps) of an encoded stream."""
    container = av.open(io.BytesIO(data))
    video = container.streams.video[0]
    return container, video, [packet for packet in container.demux(video) if packet.dts is not None]


def box_kinds(data: bytes) -> list[str]:
    return [box.kind for box in scan_bytes(data)]


def fragment_fields(fragment: bytes) -> tuple[int, bool, int]:
    """(tfdt base decode time, first sample is a sync sample, sample count) of one moof+mdat."""
    start, _ = find_box(fragment, [b"moof", b"traf", b"tfdt"])
    decode_time = struct.unpack_from(">Q", fragment, start + 4)[0]
    start, _ = find_box(fragment, [b"moof", b"traf", b"trun"])
    count = struct.unpack_from(">I", fragment, start + 4)[0]
    flags = struct.unpack_from(">I", fragment, start + 20)[0]  # after count, data offset, duration, size
    return decode_time, not flags & 0x00010000, count


def decoded_frames(data: bytes) -> int:
    with av.open(io.BytesIO(data)) as container:
        return sum(1 for _ in container.decode(video=0))
