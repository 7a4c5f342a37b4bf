"""fMP4 surgery on real recorder segments: init/fragment split, per-track tfdt shift (v1 in place, v0 widened)."""

from __future__ import annotations

import struct

import av
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recording import mp4
from recording.playback import epoch_ms
from recording.recorder.fmp4 import scan_bytes
from tests.recording.playback.media import FPS, RATE, T0, decoded_timestamps

START_MS = epoch_ms(T0)


def reader(data: bytes):
    return lambda offset, length: data[offset:offset + length]


def assemble(data: bytes, start_ms: int) -> bytes:
    """init + re-timed fragments, as a player receives them."""
    read = reader(data)
    layout = mp4.read_layout(read, len(data))
    pieces = mp4.fragment_pieces(read, layout, mp4.track_offsets(layout.timescales, start_ms))
    return mp4.init_bytes(read, layout) + b"".join(p if isinstance(p, bytes) else read(*p) for p in pieces)


def moofs(data: bytes) -> list[bytes]:
    return [data[b.offset:b.end] for b in scan_bytes(data) if b.kind == "moof"]


def test_layout_splits_header_and_fragments(blobs):
    data = blobs[0].read()
    layout = mp4.read_layout(reader(data), len(data))
    assert [box.kind for box in layout.init] == ["ftyp", "moov"]
    assert mp4.init_bytes(reader(data), layout) == data[:layout.init[-1].end]
    assert len(layout.fragments) == 2  # one per 1 s GOP
    assert all(len(fragment.mdats) == 1 for fragment in layout.fragments)
    assert len(layout.timescales) == 2 and layout.timescales[2] == RATE  # video, then AAC at its sample rate
    assert "mfra" in [box.kind for box in scan_bytes(data)]  # the muxer's trailer is left out


def test_offsets_follow_each_tracks_timescale():
    assert mp4.track_offsets({1: 90000, 2: 48000, 3: 44100}, 1_781_524_800_123) == {
        1: 1_781_524_800_123 * 90, 2: 1_781_524_800_123 * 48, 3: round(1_781_524_800_123 * 44.1),
    }


def test_every_tfdt_moves_by_its_tracks_offset_and_nothing_else_changes(blobs):
    data = blobs[1].read()
    layout = mp4.read_layout(reader(data), len(data))
    offsets = mp4.track_offsets(layout.timescales, START_MS)
    for moof in moofs(data):
        shifted = mp4.shift_moof(moof, offsets)
        assert len(shifted) == len(moof)
        before, after = mp4.decode_times(moof), mp4.decode_times(shifted)
        assert after == {track: value + offsets[track] for track, value in before.items()}
        assert sum(a != b for a, b in zip(moof, shifted)) <= 16  # only tfdt bytes differ


def test_media_pieces_copy_mdat_spans_from_the_file(blobs):
    data = blobs[0].read()
    read = reader(data)
    layout = mp4.read_layout(read, len(data))
    pieces = mp4.fragment_pieces(read, layout, mp4.track_offsets(layout.timescales, START_MS))
    spans = [piece for piece in pieces if not isinstance(piece, bytes)]
    assert spans == [(m.offset, m.size) for f in layout.fragments for m in f.mdats]
    assert sum(len(p) if isinstance(p, bytes) else p[1] for p in pieces) == sum(f.moof.size + sum(m.size for m in f.mdats) for f in layout.fragments)


def test_init_and_shifted_fragments_decode_on_the_absolute_timeline(blobs, tmp_path):
    original = decoded_timestamps(blobs[0].path)
    path = tmp_path / "shifted.mp4"
    path.write_bytes(assemble(blobs[0].read(), START_MS))
    shifted = decoded_timestamps(path)
    base = START_MS / 1000
    assert len(shifted["video"]) == len(original["video"]) == 2 * FPS
    assert len(shifted["audio"]) == len(original["audio"]) > 0
    for kind in ("video", "audio"):
        assert [round(t - base, 4) for t in shifted[kind]] == [round(t, 4) for t in original[kind]]
    assert shifted["video"][0] == pytest.approx(base, abs=1e-6)


def test_consecutive_segments_continue_each_other(blobs, tmp_path):
    ends = []
    for index, blob in enumerate(blobs[:2]):
        path = tmp_path / f"{index}.mp4"
        path.write_bytes(assemble(blob.read(), START_MS + index * 2000))
        with av.open(str(path)) as container:
            video = container.streams.video[0]
            packets = [p for p in container.demux(video) if p.dts is not None]
            ends.append((float(packets[0].dts * video.time_base), float((packets[-1].dts + packets[-1].duration) * video.time_base)))
    assert ends[0][1] == pytest.approx(ends[1][0], abs=1e-6)


# --- version-0 tfdt ---------------------------------------------------------------------------------

def narrow_tfdts(moof: bytes) -> bytes:
    """The same moof with every (small) v1 tfdt written as v0, sizes and data offsets moved back."""
    root = mp4.children(moof, 0, len(moof))[0]
    body = b""
    for child in mp4.children(moof, root.body, root.end):
        if child.kind != "traf":
            body += moof[child.offset:child.end]
            continue
        inner = b""
        for kid in mp4.children(moof, child.body, child.end):
            if kid.kind == "tfdt":
                flags = struct.unpack_from(">I", moof, kid.body)[0] & 0xFFFFFF
                value = struct.unpack_from(">Q", moof, kid.body + 4)[0]
                inner += struct.pack(">I4sII", 16, b"tfdt", flags, value)
            else:
                inner += moof[kid.offset:kid.end]
        body += struct.pack(">I4s", 8 + len(inner), b"traf") + inner
    narrow = struct.pack(">I4s", 8 + len(body), b"moof") + body
    return mp4._move_data_offsets(narrow, len(narrow) - len(moof))


def with_v0_tfdts(data: bytes) -> bytes:
    out = b""
    for box in scan_bytes(data):
        chunk = data[box.offset:box.end]
        out += narrow_tfdts(chunk) if box.kind == "moof" else chunk
    return out


def test_v0_tfdt_is_widened_to_v1_with_data_offsets_moved(blobs, tmp_path):
    data = blobs[2].read()
    narrow = with_v0_tfdts(data)
    assert len(narrow) < len(data)
    assert all(v[0] == 0 for v in [_tfdt_versions(m) for m in moofs(narrow)])
    # widened, the result is byte for byte what the v1 original gives
    assert assemble(narrow, START_MS) == assemble(data, START_MS)
    path = tmp_path / "widened.mp4"
    path.write_bytes(assemble(narrow, START_MS))
    assert decoded_timestamps(path)["video"][0] == pytest.approx(START_MS / 1000, abs=1e-6)


def test_v0_tfdt_that_still_fits_is_patched_in_place(blobs):
    moof = narrow_tfdts(moofs(blobs[0].read())[1])
    shifted = mp4.shift_moof(moof, {1: 1000, 2: 1000})
    assert len(shifted) == len(moof) and _tfdt_versions(shifted) == [0, 0]
    assert mp4.decode_times(shifted) == {k: v + 1000 for k, v in mp4.decode_times(moof).items()}


def _tfdt_versions(moof: bytes) -> list[int]:
    root = mp4.children(moof, 0, len(moof))[0]
    versions = []
    for traf in (c for c in mp4.children(moof, root.body, root.end) if c.kind == "traf"):
        tfdt = next(k for k in mp4.children(moof, traf.body, traf.end) if k.kind == "tfdt")
        versions.append(moof[tfdt.body])
    return versions


# --- refusals ---------------------------------------------------------------------------------------

def test_a_plain_mp4_is_refused_as_not_fragmented(tmp_path):
    path = tmp_path / "plain.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast"})
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for n in range(5):
            frame = av.VideoFrame(64, 48, "yuv420p")
            frame.pts = n
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    data = path.read_bytes()
    with pytest.raises(mp4.Mp4Error, match="not fragmented"):
        mp4.read_layout(reader(data), len(data))


def test_fragments_of_undeclared_tracks_are_refused(blobs):
    with pytest.raises(mp4.Mp4Error, match="does not declare"):
        mp4.shift_moof(moofs(blobs[0].read())[0], {1: 0})


def test_explicit_base_data_offsets_are_refused(blobs):
    moof = bytearray(moofs(blobs[0].read())[0])
    root = mp4.children(bytes(moof), 0, len(moof))[0]
    traf = next(c for c in mp4.children(bytes(moof), root.body, root.end) if c.kind == "traf")
    tfhd = next(k for k in mp4.children(bytes(moof), traf.body, traf.end) if k.kind == "tfhd")
    moof[tfhd.body + 3] |= 0x01
    with pytest.raises(mp4.Mp4Error, match="base-data-offset"):
        mp4.shift_moof(bytes(moof), {1: 0, 2: 0})


def test_a_track_fragment_without_tfdt_is_refused():
    tfhd = struct.pack(">I4sII", 16, b"tfhd", 0x020000, 1)
    traf = struct.pack(">I4s", 8 + len(tfhd), b"traf") + tfhd
    moof = struct.pack(">I4s", 8 + len(traf), b"moof") + traf
    with pytest.raises(mp4.Mp4Error, match="without tfdt"):
        mp4.shift_moof(moof, {1: 5})


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_corrupted_headers_raise_mp4error_or_work(blobs, data):
    original = blobs[0].read()
    header_end = scan_bytes(original)[3].offset  # ftyp, moov, first moof: where the structure lives
    damaged = bytearray(original)
    for _ in range(data.draw(st.integers(1, 8))):
        damaged[data.draw(st.integers(0, header_end - 1))] = data.draw(st.integers(0, 255))
    try:
        assemble(bytes(damaged), START_MS)
    except mp4.Mp4Error:
        pass


@given(st.binary(max_size=300))
def test_garbage_is_an_mp4error(garbage):
    with pytest.raises(mp4.Mp4Error):
        assemble(garbage, START_MS)
