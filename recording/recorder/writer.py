"""Segment writer: fragmented MP4 written as `.part` (flushed per fragment), renamed to `.mp4` when closed."""

from __future__ import annotations

import errno
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import av

from recording.recorder import fmp4
from recording.recorder.audio import AudioTrack
from recording.recorder.segments import (
    PART_SUFFIX,
    ClosedSegment,
    free_relpath,
    ms_to_datetime,
    salvage_part,
)

log = logging.getLogger(__name__)

# One fragment per GOP, the header first (moov without samples) so any prefix of whole fragments plays,
# and flush_packets so each fragment reaches the disk as it is cut: a crash loses at most the open GOP.
FMP4_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof", "flush_packets": "1"}


def _lost_write(path: Path) -> OSError:
    """The error for a segment FFmpeg closed without complaint but with bytes missing (usually a full disk)."""
    full = shutil.disk_usage(path.parent).free < 1024 * 1024
    code = errno.ENOSPC if full else errno.EIO
    return OSError(code, f"{os.strerror(code)} (the segment file is incomplete)", str(path))


class WriteFailed(Exception):
    """Writing a segment failed (disk full, permissions…): the recorder's problem, not the camera's."""

    def __init__(self, cause: BaseException):
        super().__init__(f"writing segment failed: {cause}")
        self.errno = getattr(cause, "errno", None)


@dataclass(slots=True)
class _Open:
    """The segment being written."""

    path: Path
    relpath: str
    container: av.container.OutputContainer
    video_out: av.stream.Stream
    audio_out: av.stream.Stream | None
    video_offset: int
    audio_offset: int
    last_video_dts: int = -1
    last_audio_dts: int = -1
    frames: int = 0
    audio_packets: int = 0
    bytes: int = 0


class SegmentWriter:
    """Writes one camera's segments from one connection's streams (video copied, audio per the policy)."""

    def __init__(self, camera_id: str, recordings_root: Path, video: av.video.stream.VideoStream,
                 audio: AudioTrack | None):
        self.camera_id = camera_id
        self.root = Path(recordings_root)
        self.video = video
        self.audio = audio
        self.codec = video.codec_context.name
        self.closed_bytes = 0
        self.current: _Open | None = None

    @property
    def bytes_written(self) -> int:
        """Bytes of closed segments plus the payload of the open one."""
        return self.closed_bytes + (self.current.bytes if self.current else 0)

    def open(self, key_dts: int, provisional_start_ms: int) -> None:
        """Start a segment whose first packet is the video keyframe with `key_dts`; creates the `.part`."""
        try:
            self._open(key_dts, provisional_start_ms)
        except Exception as exc:
            raise WriteFailed(exc) from exc

    def _open(self, key_dts: int, provisional_start_ms: int) -> None:
        relpath = free_relpath(self.root, self.camera_id, ms_to_datetime(provisional_start_ms))
        path = self.root / (relpath + PART_SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        container = av.open(str(path), "w", format="mp4", options=FMP4_OPTIONS)
        try:
            video_out = container.add_stream_from_template(self.video)
            if self.codec == "hevc":
                video_out.codec_context.codec_tag = "hvc1"  # Apple players and MSE want hvc1, not hev1
            audio_out = self.audio.add_output(container) if self.audio else None
            container.start_encoding()
        except BaseException:
            container.close()
            path.unlink(missing_ok=True)
            raise
        base = key_dts * self.video.time_base  # every stream is rebased from this one instant
        audio_offset = round(base / self.audio.time_base) if self.audio else 0
        self.current = _Open(path, relpath, container, video_out, audio_out, key_dts, audio_offset)

    def write_video(self, packet: av.Packet) -> None:
        """Hot path: rebase one video packet onto the open segment and mux it."""
        seg = self.current
        dts = packet.dts - seg.video_offset
        if dts <= seg.last_video_dts:
            return  # the muxer refuses non-increasing dts; a duplicate frame is not worth a failed segment
        packet.pts = packet.pts - seg.video_offset if packet.pts is not None else dts
        packet.dts = dts
        packet.stream = seg.video_out
        seg.bytes += packet.size
        try:
            seg.container.mux_one(packet)
        except Exception as exc:
            raise WriteFailed(exc) from exc
        seg.last_video_dts = dts
        seg.frames += 1

    def write_audio(self, packet: av.Packet) -> None:
        """Hot path: rebase one (AAC) audio packet; audio from before the segment's first frame is dropped."""
        seg = self.current
        if seg.audio_out is None:
            return
        dts = packet.dts - seg.audio_offset
        if dts < 0 or dts <= seg.last_audio_dts:
            return
        packet.pts = packet.pts - seg.audio_offset if packet.pts is not None else dts
        packet.dts = dts
        packet.stream = seg.audio_out
        seg.bytes += packet.size
        try:
            seg.container.mux_one(packet)
        except av.error.ArgumentError:  # a malformed audio packet: drop it, keep the video going
            return
        except Exception as exc:
            raise WriteFailed(exc) from exc
        seg.last_audio_dts = dts
        seg.audio_packets += 1

    def close(self, start_ms: int, end_ms: int) -> ClosedSegment | None:
        """Finish the open segment spanning [start_ms, end_ms) and rename it; None if it held no video."""
        seg = self.current
        try:
            seg.container.close()  # if this raises (disk full), `current` stays set for abandon()
            self.current = None
            if seg.frames == 0 or end_ms <= start_ms:
                seg.path.unlink(missing_ok=True)
                return None
            if not fmp4.is_complete(seg.path):
                raise _lost_write(seg.path)
            # The first segment of a run is named at open from a provisional start; name it by the final one.
            relpath = free_relpath(self.root, self.camera_id, ms_to_datetime(start_ms), mine=seg.path)
            final = self.root / relpath
            os.replace(seg.path, final)
        except Exception as exc:
            self.current = seg
            raise WriteFailed(exc) from exc
        return self._closed(seg, relpath, final, start_ms, end_ms)

    def _closed(self, seg: _Open, relpath: str, final: Path, start_ms: int, end_ms: int) -> ClosedSegment:
        size = final.stat().st_size
        self.closed_bytes += size
        duration = (end_ms - start_ms) / 1000
        ctx = self.video.codec_context
        return ClosedSegment(
            camera_id=self.camera_id, relpath=relpath, start=ms_to_datetime(start_ms), end=ms_to_datetime(end_ms),
            duration_s=duration, size_bytes=size, codec=self.codec, width=ctx.width or None,
            height=ctx.height or None, fps=round(seg.frames / duration, 3), has_audio=seg.audio_packets > 0,
        )

    def abandon(self) -> ClosedSegment | None:
        """After a write failure (disk full…): keep what reached the disk, as salvage would at start-up."""
        seg, self.current = self.current, None
        if seg is None:
            return None
        try:
            seg.container.close()
        except (av.FFmpegError, OSError) as exc:
            log.warning("closing %s failed: %s", seg.relpath, exc)
        segment = salvage_part(seg.path, self.root)
        if segment is not None:
            self.closed_bytes += segment.size_bytes
        return segment
