"""Salvage of `.part` files cut short by a crash, and probing of stray segment files (no camera needed)."""

from __future__ import annotations

import tempfile
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path

import av
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recording.recorder.fmp4 import scan_file
from recording.recorder.segments import probe_segment_file, salvage_part
from recording.recorder.writer import SegmentWriter
from tests.peers.rtsp import decode_check

FPS = 25
START = datetime(2026, 11, 24, 10, 15, 0, tzinfo=timezone.utc)
PART = "cam1/2026/11/24/20261124T101500Z.mp4.part"


def encode_clip(path: Path, seconds: int) -> None:
    """A small H.264 clip with an IDR every second (what a camera sends)."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "g": str(FPS), "bf": "0"})
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for n in range(seconds * FPS):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:  # a flat picture whose brightness changes every frame
                plane.update(bytes([(n * 7) % 255]) * plane.buffer_size)
            frame.pts, frame.time_base = n, Fraction(1, FPS)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


@pytest.fixture(scope="module")
def fragmented(tmp_path_factory) -> tuple[bytes, int]:
    """A 3 s segment written by SegmentWriter, as bytes, and the size of one GOP fragment's worth."""
    tmp = tmp_path_factory.mktemp("clip")
    encode_clip(tmp / "clip.mp4", 3)
    with av.open(str(tmp / "clip.mp4")) as source:
        video = source.streams.video[0]
        writer = SegmentWriter("cam1", tmp / "rec", video, None)
        for packet in source.demux(video):
            if packet.dts is None:
                continue
            if writer.current is None:
                writer.open(packet.dts, 1_795_515_300_000)
            writer.write_video(packet)
        segment = writer.close(1_795_515_300_000, 1_795_515_303_000)
    return (tmp / "rec" / segment.relpath).read_bytes(), segment.size_bytes


def fragment_ends(path: Path) -> list[int]:
    return [box.end for box in scan_file(path) if box.kind == "mdat"]


@settings(max_examples=25)
@given(cut_fraction=st.floats(0, 1))
def test_a_part_cut_anywhere_salvages_to_its_complete_fragments(fragmented, cut_fraction):
    data, _ = fragmented
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        whole = root / "whole.mp4"
        whole.write_bytes(data)
        ends = fragment_ends(whole)
        cut = int(len(data) * cut_fraction)
        part = root / PART
        part.parent.mkdir(parents=True)
        part.write_bytes(data[:cut])
        segment = salvage_part(part, root)
        complete = [end for end in ends if end <= cut]
        assert not part.exists()
        if not complete:
            assert segment is None
            return
        assert segment.relpath == "cam1/2026/11/24/20261124T101500Z.mp4"
        frames, errors = decode_check(root / segment.relpath)
        assert (frames, errors) == (FPS * len(complete), 0)
        assert segment.duration_s == pytest.approx(len(complete), abs=0.001)
        assert segment.start == START and segment.codec == "h264" and not segment.has_audio
        assert salvage_part(part, root) is None  # idempotent: nothing left to do


def test_salvage_takes_the_millisecond_name_when_the_second_is_taken(fragmented, tmp_path):
    data, _ = fragmented
    part = tmp_path / PART
    part.parent.mkdir(parents=True)
    part.write_bytes(data[: len(data) // 2])
    (tmp_path / "cam1/2026/11/24/20261124T101500Z.mp4").write_bytes(b"another segment")
    segment = salvage_part(part, tmp_path)
    assert segment.relpath == "cam1/2026/11/24/20261124T101500.000Z.mp4"
    assert (tmp_path / segment.relpath).is_file()


def test_garbage_parts_are_deleted_and_foreign_files_left_alone(tmp_path):
    part = tmp_path / PART
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\x00\x00\x00\x08junk" * 100)
    assert salvage_part(part, tmp_path) is None
    assert not part.exists()
    foreign = tmp_path / "cam1" / "notes.txt.part"
    foreign.write_text("not ours")
    assert salvage_part(foreign, tmp_path) is None
    assert foreign.exists()


def test_probing_a_stray_closed_segment(fragmented, tmp_path):
    data, size = fragmented
    path = tmp_path / "cam2/2026/11/24/20261124T101500.250Z.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(data)
    segment = probe_segment_file(path, tmp_path)
    assert segment.camera_id == "cam2"
    assert segment.start == START.replace(microsecond=250000)
    assert segment.duration_s == pytest.approx(3.0, abs=0.001)
    assert (segment.end - segment.start).total_seconds() == segment.duration_s
    assert (segment.size_bytes, segment.width, segment.height, segment.fps) == (size, 160, 120, 25.0)
    empty = tmp_path / "cam2/2026/11/24/20261124T101600Z.mp4"
    empty.write_bytes(b"")
    assert probe_segment_file(empty, tmp_path) is None
    assert probe_segment_file(tmp_path / "elsewhere.mp4", tmp_path) is None


@pytest.mark.django_db
def test_the_file_reconcile_indexes_a_stray_segment_only_once_it_has_settled(fragmented, settings):
    import os
    import time

    from recording import indexing
    from recording.models import Segment
    from tests.conftest import make_camera

    make_camera("cam1")
    path = settings.NVR_RECORDINGS_DIR / "cam1/2026/11/24/20261124T101500Z.mp4"
    path.parent.mkdir(parents=True)
    path.write_bytes(fragmented[0])
    # Just closed: the recorder's own event indexes it (a reconcile racing it would pick the wrong gap reason).
    assert indexing.reconcile_camera_files("cam1") == (0, 0)
    old = time.time() - indexing.STRAY_MIN_AGE_S - 1
    os.utime(path, (old, old))
    assert indexing.reconcile_camera_files("cam1") == (1, 0)
    assert Segment.objects.get().path == "cam1/2026/11/24/20261124T101500Z.mp4"
