"""The PyAV picture core: JPEG encoding, a lone keyframe, the frame at an instant of a recording."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import av
import numpy as np
import pytest

from cameras.egress import EgressRefused
from recording import stills
from tests.recording.clips.footage import HEIGHT, WIDTH, epoch_ms, jpeg_ms, write_footage

T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


def decode_jpeg(data: bytes) -> av.VideoFrame:
    with av.open(io.BytesIO(data), "r") as container:
        assert container.streams.video[0].codec_context.name == "mjpeg"
        return next(container.decode(video=0))


def grey_frame(level: int, width: int = 64, height: int = 48) -> av.VideoFrame:
    plane = np.full((height, width), level, dtype=np.uint8)
    return av.VideoFrame.from_ndarray(plane, format="gray").reformat(format="yuv420p")


def test_jpeg_keeps_size_and_brightness_of_the_frame():
    data = stills.encode_jpeg(grey_frame(128))
    assert data[:2] == b"\xff\xd8" and data[-2:] == b"\xff\xd9"
    picture = decode_jpeg(data)
    assert (picture.width, picture.height) == (64, 48)
    luma = picture.reformat(format="gray").to_ndarray()
    assert abs(float(luma.mean()) - 128) < 3  # limited → full range converted, not just relabelled


def test_jpeg_quality_is_fixed_at_qscale_3():
    rng = np.random.default_rng(7)
    noise = av.VideoFrame.from_ndarray((rng.random((120, 160, 3)) * 255).astype(np.uint8), format="rgb24")
    context = av.CodecContext.create("mjpeg", "w")
    context.width, context.height, context.pix_fmt, context.time_base = 160, 120, "yuvj420p", Fraction(1, 25)
    context.options = {"qmin": "31", "qmax": "31"}
    worst = noise.reformat(format="yuvj420p")
    worst.pts = 0
    coarse = b"".join(bytes(p) for p in context.encode(worst) + context.encode(None))
    assert len(stills.encode_jpeg(noise)) > 3 * len(coarse)


def encoded_keyframe(level: int) -> tuple[bytes, bytes]:
    """(extradata, keyframe access unit) of a one-frame H.264 stream in MP4 (avcC) form."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=25, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        frame = grey_frame(level)
        frame.pts = 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    buffer.seek(0)
    with av.open(buffer, "r") as container:
        video = container.streams.video[0]
        packet = next(p for p in container.demux(video) if p.dts is not None)
        assert packet.is_keyframe
        return bytes(video.codec_context.extradata), bytes(packet)


def test_a_lone_keyframe_with_its_extradata_becomes_a_jpeg():
    extradata, data = encoded_keyframe(200)
    picture = decode_jpeg(stills.jpeg_from_keyframe("h264", extradata, data))
    assert abs(float(picture.reformat(format="gray").to_ndarray().mean()) - 200) < 4


def test_an_undecodable_keyframe_is_a_still_failure():
    with pytest.raises(stills.StillFailed):
        stills.jpeg_from_keyframe("h264", None, b"\x00\x00\x00\x01garbage")


@pytest.mark.parametrize(
    ("offset", "expected_frame"),
    [(0.0, 0), (0.05, 0), (3.45, 34), (4.0, 40), (7.99, 79), (9.95, 99), (30.0, 99)],
)
def test_the_recorded_still_is_the_frame_on_screen_at_that_instant(tmp_path, offset, expected_frame):
    path = tmp_path / "segment.mp4"
    write_footage(path, T0, 10, fps=10, gop=20)  # keyframes every 2 s: most instants need decoding forward
    jpeg = stills.jpeg_from_recording(path, offset)
    assert jpeg_ms(jpeg) == epoch_ms(T0 + timedelta(seconds=expected_frame / 10))
    assert decode_jpeg(jpeg).width == WIDTH and decode_jpeg(jpeg).height == HEIGHT


def test_a_missing_recording_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        stills.jpeg_from_recording(tmp_path / "gone.mp4", 1.0)


def test_a_corrupt_recording_is_a_still_failure(tmp_path):
    path = tmp_path / "broken.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"junk" * 100)
    with pytest.raises(stills.StillFailed):
        stills.jpeg_from_recording(path, 1.0)


@pytest.mark.parametrize("url", ["rtsp://169.254.169.254/stream", "rtsp://metadata.google.internal/x", "rtsp://0.0.0.0:554/"])
def test_cameras_at_forbidden_addresses_are_never_dialled(url):
    with pytest.raises(EgressRefused):
        stills.grab_rtsp_jpeg(url)


def test_a_closed_port_fails_fast_and_is_not_a_timeout():
    from tests.peers.rtsp import free_ports

    (port,) = free_ports(1)
    with pytest.raises(stills.StillFailed) as failure:
        stills.grab_rtsp_jpeg(f"rtsp://127.0.0.1:{port}/h264", overall_timeout=5)
    assert not failure.value.timed_out
