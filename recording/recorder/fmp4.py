"""Top-level MP4 box scan: find where the last complete `moof`+`mdat` fragment of a crashed file ends."""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

_HEADER = struct.Struct(">I4s")
_LARGESIZE = struct.Struct(">Q")


@dataclass(frozen=True)
class Box:
    """One complete top-level box: its four-character type, where it starts and how long it is."""

    kind: str
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def _box_at(read: Callable[[int, int], bytes], offset: int, total: int) -> Box | None:
    """The complete box starting at `offset`, or None when it is cut short or its header is garbage."""
    header = read(offset, 16)
    if len(header) < 8:
        return None
    size, raw_kind = _HEADER.unpack_from(header)
    header_len = 8
    if size == 1:
        if len(header) < 16:
            return None
        size = _LARGESIZE.unpack_from(header, 8)[0]
        header_len = 16
    # size 0 means "runs to the end of the file": a muxer that crashed mid-box may leave that, so it is
    # never trusted as complete; sizes below the header length are corruption.
    if size < header_len or not all(0x20 <= byte < 0x7F for byte in raw_kind):
        return None
    if offset + size > total:
        return None
    return Box(raw_kind.decode("ascii"), offset, size)


def scan(read: Callable[[int, int], bytes], total: int) -> list[Box]:
    """Complete top-level boxes in file order, stopping at the first incomplete or corrupt one."""
    boxes: list[Box] = []
    offset = 0
    while offset < total:
        box = _box_at(read, offset, total)
        if box is None:
            break
        boxes.append(box)
        offset = box.end
    return boxes


def scan_bytes(data: bytes) -> list[Box]:
    """`scan` over an in-memory file."""
    return scan(lambda offset, length: data[offset:offset + length], len(data))


def scan_file(path: Path) -> list[Box]:
    """`scan` over a file on disk, reading only box headers."""
    with open(path, "rb") as handle:
        total = os.fstat(handle.fileno()).st_size

        def read(offset: int, length: int) -> bytes:
            handle.seek(offset)
            return handle.read(length)

        return scan(read, total)


def playable_end(boxes: list[Box]) -> int | None:
    """End offset of the last `mdat` that directly follows a `moof`, after a `moov`; None if there is none."""
    seen_moov = False
    end = None
    previous = None
    for box in boxes:
        if box.kind == "moov":
            seen_moov = True
        elif box.kind == "mdat" and previous == "moof" and seen_moov:
            end = box.end
        previous = box.kind
    return end


def truncate_to_last_fragment(path: Path) -> int | None:
    """Cut `path` after its last complete fragment; returns the new size, or None when none is complete."""
    end = playable_end(scan_file(path))
    if end is None:
        return None
    if os.path.getsize(path) > end:
        os.truncate(path, end)
    return end


def is_complete(path: Path) -> bool:
    """Whether the file is whole: top-level boxes cover it exactly and it holds a playable fragment.

    FFmpeg's I/O layer does not report every failed write (a full disk), so a closed segment is checked
    before it is renamed and indexed: a short write shows up as a box that runs past the end of the file.
    """
    boxes = scan_file(path)
    return bool(boxes) and boxes[-1].end == os.path.getsize(path) and playable_end(boxes) is not None
