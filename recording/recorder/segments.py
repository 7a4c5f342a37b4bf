"""Segment files: names and day folders, probing closed files, salvaging `.part` files left by a crash."""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av

from recording.recorder import fmp4

log = logging.getLogger(__name__)

PART_SUFFIX = ".part"
MIN_DURATION_S = 0.05
_STAMP = "%Y%m%dT%H%M%S"
_PATH = re.compile(
    r"^(?P<camera>[^/\\]+)/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P<stamp>\d{8}T\d{6})(?:\.(?P<ms>\d{3}))?Z\.mp4(?:\.part)?$"
)


@dataclass(frozen=True)
class ClosedSegment:
    """A finished segment file, with what the index needs to know about it."""

    camera_id: str
    relpath: str
    start: datetime
    end: datetime
    duration_s: float
    size_bytes: int
    codec: str | None
    width: int | None
    height: int | None
    fps: float | None
    has_audio: bool


def segment_relpath(camera_id: str, start: datetime, *, with_ms: bool = False) -> str:
    """`{camera}/{YYYY}/{MM}/{DD}/{YYYYMMDDTHHMMSS}Z.mp4` (UTC); `with_ms` adds `.mmm` to the stamp."""
    start = start.astimezone(timezone.utc)
    stamp = start.strftime(_STAMP)
    if with_ms:
        stamp += f".{start.microsecond // 1000:03d}"
    return f"{camera_id}/{start:%Y/%m/%d}/{stamp}Z.mp4"


def parse_segment_path(relpath: str) -> tuple[str, datetime] | None:
    """(camera_id, start) from a segment path in either name form, `.part` allowed; None for anything else."""
    match = _PATH.match(relpath) if isinstance(relpath, str) else None
    if match is None:
        return None
    try:
        start = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=timezone.utc)
    except ValueError:
        return None
    if (match["y"], match["m"], match["d"]) != (f"{start:%Y}", f"{start:%m}", f"{start:%d}"):
        return None
    if match["ms"]:
        start += timedelta(milliseconds=int(match["ms"]))
    return match["camera"], start


def ms_to_datetime(epoch_ms: int) -> datetime:
    """Milliseconds since the epoch → aware UTC datetime."""
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(milliseconds=epoch_ms)


def _taken(root: Path, relpath: str, mine: Path | None) -> bool:
    for candidate in (root / relpath, root / (relpath + PART_SUFFIX)):
        if candidate.exists() and candidate != mine:
            return True
    return False


def free_relpath(root: Path, camera_id: str, start: datetime, mine: Path | None = None) -> str:
    """The 1 s name unless a file (or `.part`) other than `mine` has it, then the ms name (bumped if needed)."""
    relpath = segment_relpath(camera_id, start)
    while _taken(root, relpath, mine):
        relpath = segment_relpath(camera_id, start, with_ms=True)
        start += timedelta(milliseconds=1)
    return relpath


@dataclass(frozen=True)
class _Probe:
    duration_s: float
    codec: str | None
    width: int | None
    height: int | None
    frames: int
    has_audio: bool


def _probe(path: Path) -> _Probe | None:
    """Video duration and frame count by demuxing (no decode); None if the file has no usable video."""
    with av.open(str(path), "r", format="mp4") as container:
        if not container.streams.video:
            return None
        video = container.streams.video[0]
        first = last = None
        frames = audio_packets = last_duration = 0
        for packet in container.demux(video, *container.streams.audio[:1]):
            if packet.dts is None:
                continue
            if packet.stream is not video:
                audio_packets += 1
                continue
            first = packet.dts if first is None else first
            last, last_duration = packet.dts, packet.duration or 0
            frames += 1
        if first is None:
            return None
        duration = float((last - first + last_duration) * video.time_base)
        ctx = video.codec_context
        return _Probe(duration, ctx.name, ctx.width or None, ctx.height or None, frames, audio_packets > 0)


def _segment_from(path: Path, relpath: str, camera_id: str, start: datetime) -> ClosedSegment | None:
    try:
        probe = _probe(path)
    except (av.FFmpegError, OSError, ValueError) as exc:
        log.warning("cannot read segment %s: %s", relpath, exc)
        return None
    if probe is None or probe.duration_s <= MIN_DURATION_S:
        return None
    duration_ms = round(probe.duration_s * 1000)
    return ClosedSegment(
        camera_id=camera_id, relpath=relpath, start=start, end=start + timedelta(milliseconds=duration_ms),
        duration_s=duration_ms / 1000, size_bytes=path.stat().st_size, codec=probe.codec,
        width=probe.width, height=probe.height, fps=round(probe.frames / probe.duration_s, 3),
        has_audio=probe.has_audio,
    )


def probe_segment_file(path: Path, recordings_root: Path) -> ClosedSegment | None:
    """Index facts of a closed `.mp4` not written by this run; None if unreadable, empty or too short."""
    try:
        relpath = Path(path).relative_to(recordings_root).as_posix()
    except ValueError:
        return None
    parsed = parse_segment_path(relpath)
    if parsed is None or relpath.endswith(PART_SUFFIX) or not Path(path).is_file():
        return None
    return _segment_from(Path(path), relpath, *parsed)


def salvage_part(part_path: Path, recordings_root: Path) -> ClosedSegment | None:
    """Truncate a crashed `.mp4.part` to its last complete fragment and rename it; None if nothing remains."""
    part_path, root = Path(part_path), Path(recordings_root)
    try:
        relpath = part_path.relative_to(root).as_posix()
    except ValueError:
        return None
    parsed = parse_segment_path(relpath)
    if parsed is None or not relpath.endswith(PART_SUFFIX):
        return None
    try:
        return _salvage(part_path, root, *parsed)
    except OSError as exc:  # vanished meanwhile, unreadable, read-only disk: leave it for the next pass
        log.warning("cannot salvage %s: %s", relpath, exc)
        return None


def _salvage(part_path: Path, root: Path, camera_id: str, start: datetime) -> ClosedSegment | None:
    if not part_path.is_file():
        return None
    end = fmp4.truncate_to_last_fragment(part_path)
    relpath = part_path.relative_to(root).as_posix()
    segment = _segment_from(part_path, relpath, camera_id, start) if end is not None else None
    if segment is None:
        log.info("nothing playable in %s; deleted", relpath)
        part_path.unlink(missing_ok=True)
        return None
    final = free_relpath(root, camera_id, start, mine=part_path)
    os.replace(part_path, root / final)
    parsed = parse_segment_path(final)
    final_start = parsed[1] if parsed else start
    return replace(segment, relpath=final, start=final_start, end=final_start + (segment.end - segment.start))
