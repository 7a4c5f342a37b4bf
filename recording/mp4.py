"""Fragmented MP4 surgery for HLS playback (pure): split a segment into init and fragments, move decode times.

A recorder segment is `ftyp moov (moof mdat)+ [mfra]`, each file's timestamps starting at 0. HLS wants
the init (ftyp+moov) and the media (moof+mdat pairs) apart, and every segment of a camera on one
timeline. `shift_moof` adds a per-track offset to each `tfdt` (track fragment decode time); offsets
come from `track_offsets`: the segment's start in milliseconds since the epoch × the track's
timescale / 1000, so consecutive segments of a recording run abut exactly and each URL's bytes never
depend on anything but its own segment.

Everything works through a `read(offset, length) -> bytes` callable: only box headers, the moov and
the moofs are read; `fragment_pieces` describes the output as patched moofs (bytes) interleaved with
(offset, length) spans of the source file, so mdat payloads are copied straight from disk.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from recording.recorder.fmp4 import Box, scan

Read = Callable[[int, int], bytes]
Piece = bytes | tuple[int, int]  # literal bytes, or (offset, length) of the source file

# moov of a fragmented file holds no sample tables: a few KiB. Larger means "not what the recorder wrote".
MAX_MOOV_BYTES = 4 * 1024 * 1024
MAX_MOOF_BYTES = 4 * 1024 * 1024

TFHD_BASE_DATA_OFFSET = 0x000001
TFHD_DEFAULT_BASE_IS_MOOF = 0x020000
TRUN_DATA_OFFSET = 0x000001
_U32, _U64, _I32 = struct.Struct(">I"), struct.Struct(">Q"), struct.Struct(">i")


class Mp4Error(ValueError):
    """The file is not a fragmented MP4 this module can split or re-time (message is safe to show)."""


@dataclass(frozen=True)
class Child:
    """A box inside a parent's payload: type, offset of its header, total size, header length."""

    kind: str
    offset: int
    size: int
    header: int

    @property
    def body(self) -> int:
        return self.offset + self.header

    @property
    def end(self) -> int:
        return self.offset + self.size


def children(data: bytes, start: int, end: int) -> list[Child]:
    """The boxes laid out in data[start:end]; a truncated or garbage header is an Mp4Error."""
    boxes, offset = [], start
    while offset + 8 <= end:
        size, raw = struct.unpack_from(">I4s", data, offset)
        header = 8
        if size == 1:
            if offset + 16 > end:
                raise Mp4Error("truncated box header")
            size, header = _U64.unpack_from(data, offset + 8)[0], 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            raise Mp4Error("box size runs past its parent")
        boxes.append(Child(raw.decode("latin-1"), offset, size, header))
        offset += size
    return boxes


def _find(data: bytes, parent: Child | None, kind: str) -> Child | None:
    start, end = (parent.body, parent.end) if parent else (0, len(data))
    return next((c for c in children(data, start, end) if c.kind == kind), None)


def _full_box(data: bytes, box: Child, need: int) -> tuple[int, int]:
    """(version, flags) of a full box whose payload must hold at least `need` bytes after them."""
    if box.size - box.header < 4 + need:
        raise Mp4Error(f"{box.kind} box too short")
    word = _U32.unpack_from(data, box.body)[0]
    return word >> 24, word & 0xFFFFFF


# --- moov: track ids and timescales ----------------------------------------------------------------

def _field_after_times(data: bytes, box: Child) -> int:
    """The 32-bit field after creation/modification times: tkhd's track_ID, mdhd's timescale."""
    version, _ = _full_box(data, box, 0)
    skip = 16 if version == 1 else 8
    _full_box(data, box, skip + 4)
    return _U32.unpack_from(data, box.body + 4 + skip)[0]


def track_timescales(moov: bytes) -> dict[int, int]:
    """{track_id: mdhd timescale} for every trak of a moov box (given whole, header included)."""
    top = children(moov, 0, len(moov))
    if len(top) != 1 or top[0].kind != "moov":
        raise Mp4Error("not a moov box")
    root = top[0]
    scales: dict[int, int] = {}
    for trak in (c for c in children(moov, root.body, root.end) if c.kind == "trak"):
        tkhd = _find(moov, trak, "tkhd")
        mdia = _find(moov, trak, "mdia")
        mdhd = _find(moov, mdia, "mdhd") if mdia else None
        if tkhd is None or mdhd is None:
            raise Mp4Error("track without tkhd or mdhd")
        track_id = _field_after_times(moov, tkhd)
        timescale = _field_after_times(moov, mdhd)
        if timescale == 0:
            raise Mp4Error(f"track {track_id} has timescale 0")
        scales[track_id] = timescale
    if not scales:
        raise Mp4Error("moov has no tracks")
    return scales


def track_offsets(timescales: Mapping[int, int], start_ms: int) -> dict[int, int]:
    """Decode-time offset of each track putting file time 0 at `start_ms` (ms since epoch × timescale / 1000)."""
    return {track: (start_ms * scale + 500) // 1000 for track, scale in timescales.items()}


# --- file layout -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fragment:
    moof: Box
    mdats: tuple[Box, ...]


@dataclass(frozen=True)
class Layout:
    """Where a segment's init boxes and fragments are, and its tracks' timescales."""

    init: tuple[Box, ...]
    fragments: tuple[Fragment, ...]
    timescales: dict[int, int]


def read_layout(read: Read, total: int) -> Layout:
    """Locate ftyp/moov and the moof+mdat fragments of a file; trailing mfra/free boxes are left out."""
    boxes = scan(read, total)
    kinds = [box.kind for box in boxes]
    if "moof" not in kinds:
        raise Mp4Error("segment is not fragmented MP4 (no moof box)")
    first_moof = kinds.index("moof")
    init = tuple(box for box in boxes[:first_moof] if box.kind in ("ftyp", "moov"))
    moovs = [box for box in init if box.kind == "moov"]
    if len(moovs) != 1 or "mdat" in kinds[:first_moof]:
        raise Mp4Error("segment has no usable moov before its first fragment")
    if moovs[0].size > MAX_MOOV_BYTES:
        raise Mp4Error("moov box too large for a fragmented segment")
    timescales = track_timescales(read(moovs[0].offset, moovs[0].size))
    fragments: list[Fragment] = []
    for box in boxes[first_moof:]:
        if box.kind == "moof":
            if box.size > MAX_MOOF_BYTES:
                raise Mp4Error("moof box too large")
            fragments.append(Fragment(box, ()))
        elif box.kind == "mdat" and fragments:
            fragments[-1] = Fragment(fragments[-1].moof, fragments[-1].mdats + (box,))
    return Layout(init, tuple(fragments), timescales)


def init_bytes(read: Read, layout: Layout) -> bytes:
    """ftyp + moov, as in the file."""
    return b"".join(read(box.offset, box.size) for box in layout.init)


def fragment_pieces(read: Read, layout: Layout, offsets: Mapping[int, int]) -> list[Piece]:
    """The media segment: each moof re-timed (bytes) followed by its mdat spans of the source file."""
    pieces: list[Piece] = []
    for fragment in layout.fragments:
        if not fragment.mdats:
            continue  # a moof whose data never reached the disk plays nothing
        moof = read(fragment.moof.offset, fragment.moof.size)
        if len(moof) != fragment.moof.size:
            raise Mp4Error("segment file changed while reading")
        pieces.append(shift_moof(moof, offsets))
        pieces.extend((mdat.offset, mdat.size) for mdat in fragment.mdats)
    return pieces


# --- moof: tfdt shift ------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Traf:
    box: Child
    track_id: int
    tfhd_flags: int
    tfdt: Child
    tfdt_version: int
    decode_time: int
    truns: tuple[Child, ...]
    has_saio: bool


def _parse_traf(moof: bytes, traf: Child) -> _Traf:
    kids = children(moof, traf.body, traf.end)
    tfhd = next((c for c in kids if c.kind == "tfhd"), None)
    tfdt = next((c for c in kids if c.kind == "tfdt"), None)
    if tfhd is None:
        raise Mp4Error("track fragment without tfhd")
    if tfdt is None:
        raise Mp4Error("track fragment without tfdt (decode time) cannot be re-timed")
    _, tfhd_flags = _full_box(moof, tfhd, 4)
    if tfhd_flags & TFHD_BASE_DATA_OFFSET:
        raise Mp4Error("explicit base-data-offset fragments are not supported (not valid for MSE either)")
    version, _ = _full_box(moof, tfdt, 4)
    if version == 1:
        _full_box(moof, tfdt, 8)
        decode_time = _U64.unpack_from(moof, tfdt.body + 4)[0]
    elif version == 0:
        decode_time = _U32.unpack_from(moof, tfdt.body + 4)[0]
    else:
        raise Mp4Error(f"tfdt version {version} is unknown")
    return _Traf(
        traf, _U32.unpack_from(moof, tfhd.body + 4)[0], tfhd_flags, tfdt, version, decode_time,
        tuple(c for c in kids if c.kind == "trun"), any(c.kind == "saio" for c in kids),
    )


def _moof_trafs(moof: bytes) -> tuple[Child, list[_Traf]]:
    top = children(moof, 0, len(moof))
    if len(top) != 1 or top[0].kind != "moof":
        raise Mp4Error("not a moof box")
    root = top[0]
    return root, [_parse_traf(moof, c) for c in children(moof, root.body, root.end) if c.kind == "traf"]


def shift_moof(moof: bytes, offsets: Mapping[int, int]) -> bytes:
    """The moof with `offsets[track_id]` added to each traf's tfdt.

    Version-1 (64-bit) tfdt values are patched in place. A version-0 (32-bit) tfdt whose new value
    does not fit is rewritten as version 1: the traf and moof grow by 4 bytes each, so every trun
    data offset counted from the moof start grows by the moof's growth too.
    """
    _, trafs = _moof_trafs(moof)
    out = bytearray(moof)
    upgrades = set()
    for index, traf in enumerate(trafs):
        if traf.track_id not in offsets:
            raise Mp4Error(f"fragment of track {traf.track_id}, which the moov does not declare")
        value = traf.decode_time + offsets[traf.track_id]
        if not 0 <= value < 2**64:
            raise Mp4Error("shifted decode time does not fit 64 bits")
        if traf.tfdt_version == 1:
            _U64.pack_into(out, traf.tfdt.body + 4, value)
        elif value < 2**32:
            _U32.pack_into(out, traf.tfdt.body + 4, value)
        else:
            upgrades.add(index)
    if not upgrades:
        return bytes(out)
    return _upgrade_tfdts(bytes(out), trafs, upgrades, offsets)


def _tfdt_v1(flags_word: int, value: int) -> bytes:
    return struct.pack(">I4sIQ", 20, b"tfdt", (1 << 24) | (flags_word & 0xFFFFFF), value)


def _upgrade_tfdts(moof: bytes, trafs: list[_Traf], upgrades: set[int], offsets: Mapping[int, int]) -> bytes:
    root = children(moof, 0, len(moof))[0]
    traf_by_offset = {traf.box.offset: (index, traf) for index, traf in enumerate(trafs)}
    body = bytearray()
    for child in children(moof, root.body, root.end):
        index, traf = traf_by_offset.get(child.offset, (None, None))
        if index not in upgrades:
            body += moof[child.offset:child.end]
            continue
        if traf.has_saio:
            raise Mp4Error("cannot widen tfdt in a fragment with sample auxiliary offsets (saio)")
        flags = _U32.unpack_from(moof, traf.tfdt.body)[0]
        inner = bytearray()
        for kid in children(moof, traf.box.body, traf.box.end):
            if kid.offset == traf.tfdt.offset:
                inner += _tfdt_v1(flags, traf.decode_time + offsets[traf.track_id])
            else:
                inner += moof[kid.offset:kid.end]
        body += struct.pack(">I4s", 8 + len(inner), b"traf") + inner
    grown = struct.pack(">I4s", 8 + len(body), b"moof") + body
    return _move_data_offsets(grown, len(grown) - len(moof))


def _move_data_offsets(moof: bytes, delta: int) -> bytes:
    """Add `delta` to the data offsets counted from the moof start (the mdat moved by that much)."""
    out = bytearray(moof)
    _, trafs = _moof_trafs(moof)
    for index, traf in enumerate(trafs):
        # Without default-base-is-moof only the first traf counts from the moof; later ones count from
        # the end of the previous traf's data, which moved by the same amount as their own data.
        if not (traf.tfhd_flags & TFHD_DEFAULT_BASE_IS_MOOF or index == 0):
            continue
        for trun in traf.truns:
            _, flags = _full_box(moof, trun, 4)
            if not flags & TRUN_DATA_OFFSET:
                if trun is traf.truns[0]:
                    raise Mp4Error("cannot widen tfdt when a track run has no data offset")
                continue
            _full_box(moof, trun, 8)
            position = trun.body + 8
            _I32.pack_into(out, position, _I32.unpack_from(moof, position)[0] + delta)
    return bytes(out)


def decode_times(moof: bytes) -> dict[int, int]:
    """{track_id: tfdt} of a moof (for checks and tests)."""
    _, trafs = _moof_trafs(moof)
    return {traf.track_id: traf.decode_time for traf in trafs}
