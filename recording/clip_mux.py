"""Stream-copy concatenation of recorded segment files into one MP4 (PyAV; no decode, no re-encode).

The clip starts at the keyframe at or before `start` (so its first frame decodes) and ends with the
last frame before `end`. Each file's timestamps are rebased by its segment's wall-clock start, so
footage keeps its real timing; holes longer than `close_holes_over` between files are closed (the
next file follows the previous one directly): players handle a continuous timeline best, and the
caller reports those holes as gaps. Audio is copied when the files carry a compatible track.

No database and no settings here: the service passes plain `Piece`s, a deadline and an optional progress
hook, called before each file and every few hundred packets with the instant the copy has reached; the
hook may raise (e.g. `MuxCancelled`) to stop the copy.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av

log = logging.getLogger(__name__)

# A regular MP4 with its index up front: seekable at once in browsers and every desktop player.
MP4_OPTIONS = {"movflags": "+faststart"}
# Once video passed the end, audio is read this much further for its last packets before the end.
AUDIO_SLACK = timedelta(seconds=2)
DEADLINE_EVERY = 256  # packets between deadline checks (and progress reports)
# A file starting this little before the previous one ended (index rounding) still starts at its first
# keyframe; only real overlaps (e.g. a refill on top of a recording) skip ahead to a later keyframe.
OVERLAP_TOLERANCE = timedelta(milliseconds=100)


class MuxTimeout(Exception):
    """Writing the clip took longer than its deadline."""


class MuxCancelled(Exception):
    """The progress hook asked the copy to stop."""


@dataclass(frozen=True)
class Piece:
    """One recorded file and the wall-clock span of its footage."""

    key: str  # the segment id
    path: Path
    start: datetime
    end: datetime


@dataclass
class MuxResult:
    """Which pieces went into the clip (in order) and where its footage starts and ends."""

    used: list[Piece] = field(default_factory=list)
    first_frame_at: datetime | None = None
    last_frame_at: datetime | None = None
    video_packets: int = 0
    audio_packets: int = 0


def _seconds(delta: timedelta) -> Fraction:
    return Fraction(delta.days * 86_400 + delta.seconds) + Fraction(delta.microseconds, 1_000_000)


def signature(stream) -> tuple | None:
    """What must match for two files' tracks to share one MP4 track (codec, geometry, parameter sets)."""
    if stream is None:
        return None
    context = stream.codec_context
    if stream.type == "video":
        return ("video", context.name, context.width, context.height, bytes(context.extradata or b""))
    return ("audio", context.name, context.sample_rate, context.channels, bytes(context.extradata or b""))


class _Track:
    """One output track: the last decode time written (seconds) and the tick offset of the current file."""

    def __init__(self, stream):
        self.stream = stream
        self.last_dts_s: Fraction | None = None
        self.last_ticks: int | None = None
        self.offset = 0
        self.piece: Piece | None = None


class ClipMuxer:
    """Concatenate pieces (ordered by start) into `output`, cut to [start, end)."""

    def __init__(self, output: Path, start: datetime, end: datetime, *, close_holes_over: timedelta, deadline: float,
                 on_progress: Callable[[datetime | None], None] | None = None):
        self.output, self.start, self.end = output, start, end
        self.close_holes_over = close_holes_over
        self.deadline = deadline
        self.on_progress = on_progress
        self.result = MuxResult()
        self.container = None
        self.signatures: dict[str, tuple | None] = {}
        self.tracks: dict[str, _Track] = {}
        self.audio_template = None
        self.closed = timedelta(0)  # wall-clock time taken out by closed holes so far
        self.previous_end: datetime | None = None
        self.done = False

    def write(self, pieces: list[Piece], audio_template: Path | None = None) -> MuxResult:
        """Copy the pieces; `audio_template` is a file whose audio track the clip gets (when the first has none)."""
        with ExitStack() as stack:
            if audio_template is not None:
                self.audio_template = self._audio_stream_of(stack, audio_template)
            try:
                for piece in pieces:
                    if self.done:
                        break
                    self._report(piece.start)
                    self._copy(piece)
            finally:
                if self.container is not None:
                    self.container.close()
        return self.result

    def _report(self, reached: datetime | None) -> None:
        """Tell the hook how far the copy got (the later of the last frame written and `reached`)."""
        if self.on_progress is None:
            return
        known = [at for at in (self.result.last_frame_at, reached) if at is not None]
        self.on_progress(max(known) if known else None)

    @staticmethod
    def _audio_stream_of(stack: ExitStack, path: Path):
        try:
            probe = stack.enter_context(av.open(str(path)))
        except (OSError, av.FFmpegError):
            return None  # the clip simply has no audio track
        return probe.streams.audio[0] if probe.streams.audio else None

    # --- per file ---------------------------------------------------------------------------------

    def _open_output(self, video, audio) -> None:
        self.container = av.open(str(self.output), "w", format="mp4", options=MP4_OPTIONS)
        out_video = self.container.add_stream_from_template(video)
        if video.codec_context.name == "hevc":
            out_video.codec_context.codec_tag = "hvc1"  # what Apple players and browsers accept
        self.tracks["video"] = _Track(out_video)
        self.signatures["video"] = signature(video)
        if audio is not None:
            self.tracks["audio"] = _Track(self.container.add_stream_from_template(audio))
            self.signatures["audio"] = signature(audio)
        self.container.start_encoding()

    def _streams(self, container):
        """This file's (video, audio-or-None), or None when its video cannot join the clip's track."""
        if not container.streams.video:
            return None
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        if self.container is None:
            self._open_output(video, audio if audio is not None else self.audio_template)
        if signature(video) != self.signatures["video"]:
            return None
        if audio is not None and signature(audio) != self.signatures.get("audio"):
            audio = None  # an incompatible audio track: this file's part of the clip is silent
        return video, audio

    def _copy(self, piece: Piece) -> None:
        try:
            container = av.open(str(piece.path))
        except (OSError, av.FFmpegError) as exc:
            log.warning("clip: segment %s cannot be read (%s); left out", piece.key, exc.__class__.__name__)
            return
        with container:
            streams = self._streams(container)
            if streams is None:
                log.warning("clip: segment %s does not match the clip's video track; left out", piece.key)
                return
            if self._copy_packets(container, piece, *streams):
                self.result.used.append(piece)
                self.previous_end = max(self.previous_end or piece.end, piece.end)

    def _copy_packets(self, container, piece: Piece, video, audio) -> bool:
        """Mux this file's packets inside the window; True when any was written."""
        hole = piece.start - self.previous_end if self.previous_end is not None else timedelta(0)
        closing = hole if hole > self.close_holes_over else timedelta(0)
        self.closed += closing
        first_piece = self.result.first_frame_at is None
        not_before = self.start if first_piece else max(self.start, self.previous_end - OVERLAP_TOLERANCE)
        origin = (video.start_time or 0) * video.time_base
        if first_piece and self.start > piece.start:
            target = (video.start_time or 0) + int(_seconds(self.start - piece.start) / video.time_base)
            container.seek(target, stream=video, backward=True, any_frame=False)  # lands on the keyframe before
        wrote = started = False
        for count, packet in enumerate(container.demux(*([video] + ([audio] if audio is not None else [])))):
            if count % DEADLINE_EVERY == 0:
                if time.monotonic() > self.deadline:
                    raise MuxTimeout("writing the clip took too long")
                if count:
                    self._report(None)
            if packet.dts is None or packet.pts is None:
                continue
            at = piece.start + timedelta(seconds=float(packet.pts * packet.time_base - origin))
            if packet.stream.type == "video":
                if not started:
                    if not packet.is_keyframe or (not first_piece and at < not_before):
                        continue
                    started = True
                    if self.result.first_frame_at is None:
                        self.result.first_frame_at = at
                if at >= self.end:
                    self.done = True
                    if audio is None or at >= self.end + AUDIO_SLACK:
                        break
                    continue
                wrote |= self._mux(packet, "video", piece, origin, at)
            elif started and self.result.first_frame_at <= at < self.end:
                wrote |= self._mux(packet, "audio", piece, origin, at)
        if not wrote:
            self.closed -= closing  # nothing of this file went in: the hole runs on to the next one
        return wrote

    def _mux(self, packet, kind: str, piece: Piece, origin: Fraction, at: datetime) -> bool:
        track = self.tracks.get(kind)
        if track is None:
            return False
        if track.piece is not piece:
            self._align(track, piece, origin, packet)
        dts = packet.dts + track.offset
        if track.last_ticks is not None and dts <= track.last_ticks:
            return False  # the muxer needs increasing decode times; one duplicate is not worth a failed clip
        time_base = packet.time_base  # read before muxing: mux_one rescales the packet to the track's
        packet.pts += track.offset
        packet.dts = dts
        packet.stream = track.stream
        self.container.mux_one(packet)
        track.last_ticks, track.last_dts_s = dts, dts * time_base
        if kind == "video":
            self.result.video_packets += 1
            self.result.last_frame_at = at
        else:
            self.result.audio_packets += 1
        return True

    def _align(self, track: _Track, piece: Piece, origin: Fraction, packet) -> None:
        """The tick offset putting this file on the clip timeline, after everything already in the track.

        clip seconds of a packet = its file seconds − origin + (piece start − clip zero − closed holes).
        """
        time_base = packet.time_base
        shift = _seconds(piece.start - self.result.first_frame_at - self.closed) - origin
        offset = round(shift / time_base)
        if track.last_dts_s is not None:
            floor = int(track.last_dts_s / time_base) + 1
            offset = max(offset, floor - packet.dts)
        track.offset, track.piece, track.last_ticks = offset, piece, None
