"""Box scan of crashed fragmented MP4 files: the cut is always after the last complete moof+mdat pair."""

from __future__ import annotations

import struct

from hypothesis import given
from hypothesis import strategies as st

from recording.recorder.fmp4 import playable_end, scan_bytes, scan_file, truncate_to_last_fragment


def box(kind: bytes, payload_len: int, large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + payload_len) + b"\x00" * payload_len
    return struct.pack(">I4s", 8 + payload_len, kind) + b"\xab" * payload_len


fragments = st.lists(st.tuples(st.integers(0, 300), st.integers(0, 3000), st.booleans()), min_size=0, max_size=12)


def fmp4_file(frags, trailer: bool) -> tuple[bytes, list[int]]:
    """A file shaped like the muxer's output, and the end offsets of its complete fragments."""
    data = box(b"ftyp", 20) + box(b"moov", 700)
    ends = []
    for moof_len, mdat_len, large in frags:
        data += box(b"moof", moof_len) + box(b"mdat", mdat_len, large)
        ends.append(len(data))
    if trailer:
        data += box(b"mfra", 40)
    return data, ends


@given(fragments, st.booleans(), st.data())
def test_any_truncation_keeps_exactly_the_complete_fragments(frags, trailer, data):
    whole, ends = fmp4_file(frags, trailer)
    cut = data.draw(st.integers(0, len(whole)))
    end = playable_end(scan_bytes(whole[:cut]))
    complete = [e for e in ends if e <= cut]
    assert end == (complete[-1] if complete else None)


@given(fragments, st.binary(min_size=1, max_size=64))
def test_garbage_after_the_last_fragment_is_ignored(frags, garbage):
    whole, ends = fmp4_file(frags, trailer=False)
    end = playable_end(scan_bytes(whole + garbage))
    assert end == (ends[-1] if ends else None)


def test_a_size_zero_box_is_never_taken_as_complete():
    whole, ends = fmp4_file([(10, 100, False)], trailer=False)
    assert playable_end(scan_bytes(whole + struct.pack(">I4s", 0, b"moof") + b"x" * 50)) == ends[-1]


def test_fragments_before_the_moov_do_not_count():
    data = box(b"ftyp", 20) + box(b"moof", 10) + box(b"mdat", 10)
    assert playable_end(scan_bytes(data)) is None


def test_truncating_a_file_on_disk(tmp_path):
    whole, ends = fmp4_file([(50, 500, False), (50, 600, True)], trailer=True)
    path = tmp_path / "x.mp4.part"
    path.write_bytes(whole[:-30] + b"\x00" * 7)
    assert [b.kind for b in scan_file(path)] == ["ftyp", "moov", "moof", "mdat", "moof", "mdat"]
    assert truncate_to_last_fragment(path) == ends[-1]
    assert path.read_bytes() == whole[:ends[-1]]
    assert truncate_to_last_fragment(path) == ends[-1]  # idempotent
    path.write_bytes(whole[:ends[0] - 1])
    assert truncate_to_last_fragment(path) is None
