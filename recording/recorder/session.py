"""One connection of a camera pipeline: the demux loop, the recording / pre-roll gate and the segment cuts."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timezone

import av

from recording.recorder.audio import plan_audio
from recording.recorder.clock import ClockMapper, SegmentClock
from recording.recorder.preroll import PrerollRing
from recording.recorder.writer import SegmentWriter, WriteFailed

log = logging.getLogger(__name__)

VIDEO_CODECS = ("h264", "hevc")
JUMP_S = 5.0             # a video timestamp going back, or forward by more than this, is a discontinuity
KEYFRAME_WAIT_S = 30.0   # a stream that sends no keyframe for this long cannot be recorded
STATS_INTERVAL_S = 1.0


@dataclass(frozen=True)
class StreamInfo:
    """What the camera sends, as recorded (shown in the camera status)."""

    video_codec: str
    width: int | None
    height: int | None
    fps: float | None
    audio: str | None
    note: str


class Disconnect(Exception):
    """The connection ended for a known reason (a gap reason of SPEC §5)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def _video_stream(container: av.container.InputContainer) -> av.video.stream.VideoStream:
    if not container.streams.video:
        raise Disconnect("stream_error", "the stream has no video")
    video = container.streams.video[0]
    if video.codec_context.name not in VIDEO_CODECS:
        raise Disconnect("stream_error", f"video codec {video.codec_context.name} is not supported (H.264/H.265)")
    return video


class Session:
    """Demuxes one connection and writes what the pipeline's recording flag asks for."""

    def __init__(self, pipeline, container: av.container.InputContainer):
        config = pipeline.config
        self.pipeline = pipeline
        self.container = container
        self.video = _video_stream(container)
        audio_in = container.streams.audio[0] if container.streams.audio else None
        self.audio, note = plan_audio(audio_in, config.record_audio)
        rate = self.video.average_rate or self.video.guessed_rate
        ctx = self.video.codec_context
        self.info = StreamInfo(ctx.name, ctx.width or None, ctx.height or None, float(rate) if rate else None,
                               self.audio.description if self.audio else None, note)
        self.vtb = float(self.video.time_base)
        # What a snapshot decoder needs beside the keyframe itself (kept with each keyframe for the live tap).
        self.params = (ctx.name, bytes(ctx.extradata) if ctx.extradata else None, ctx.width, ctx.height)
        self.writer = SegmentWriter(config.camera_id, config.recordings_root, self.video, self.audio)
        self.ring = PrerollRing(config.pre_roll_seconds) if config.pre_roll_seconds > 0 else None
        self.mapper = ClockMapper()
        self.clock = SegmentClock(self.mapper, config.segment_seconds)
        self.writing = False
        self.last_t: float | None = None    # stream time of the newest video packet (s)
        self.last_d = 1 / float(rate) if rate else 0.04
        self.opened_at = time.monotonic()
        self.connected_at: float | None = None
        self.frames = 0
        self.stats_due = 0.0
        self.stats_from = time.time()

    def pump(self) -> None:
        """Demux until stop(); raises Disconnect, WriteFailed or the demuxer's error when the connection ends."""
        try:
            self._loop()
        except WriteFailed:
            self._salvage_open_segment()
            raise

    def _loop(self) -> None:
        """The hot loop: per video packet only arithmetic and attribute checks; the rest happens at keyframes.

        Live view costs one attribute check per packet while nobody watches (`pipeline.live` is None).
        """
        pipeline, mapper, writer, clock = self.pipeline, self.mapper, self.writer, time.time
        video_index, vtb = self.video.index, self.vtb
        streams = [self.video] + ([self.audio.stream] if self.audio else [])
        for packet in self.container.demux(streams):
            if pipeline.stopping:
                return
            dts = packet.dts
            if dts is None:
                continue
            if pipeline.want_recording is not self.writing:
                self._switch(pipeline.want_recording)
            if packet.stream_index != video_index:
                self._audio(packet)
                continue
            now, t, last = clock(), dts * vtb, self.last_t
            if last is None or t < last or t - last > JUMP_S:
                self._new_timeline(last, t, now)
            elif t > last:
                self.last_d = t - last
            self.last_t = t
            mapper.observe(t, now)
            self.frames += 1
            if now >= self.stats_due:
                self._stats(now)
            keyframe = packet.is_keyframe
            if keyframe:
                pipeline.keyframe = (packet, now, self.params)  # a reference, for live snapshots
                self._keyframe(dts, t)
            if pipeline.live is not None:  # a web process watches: before the writer rebases the packet
                pipeline.live.push(self, packet, keyframe)
            if writer.current is not None:
                writer.write_video(packet)
            elif self.ring is not None:
                self.ring.push_video(packet, t, keyframe, packet.size)
        raise Disconnect("camera_offline", "end of stream (the camera closed the connection)")

    def finish(self) -> float:
        """Close the open segment (salvaging it if the writer fails); seconds since the first keyframe."""
        try:
            self._close_now()
        except Exception:  # WriteFailed, or a bug: either way keep what reached the disk
            log.warning("camera %s: closing the segment failed", self.pipeline.config.camera_id, exc_info=True)
            self._salvage_open_segment()
        return time.monotonic() - self.connected_at if self.connected_at is not None else 0.0

    def _audio(self, packet: av.Packet) -> None:
        if self.writer.current is None and self.ring is None:
            return  # nobody wants it: skip even the G.711 transcode
        for out in self.audio.convert(packet):
            if out.dts is None:
                continue
            if self.writer.current is not None:
                self.writer.write_audio(out)
            else:
                self.ring.push_audio(out, out.size)

    def _keyframe(self, dts: int, t: float) -> None:
        if self.connected_at is None:
            self.connected_at = time.monotonic()
            self.frames, self.stats_from = 0, time.time()
            log.info("camera %s connected: %s", self.pipeline.config.camera_id, self.info)
            self.pipeline.offline = None
            self.pipeline.notify("on_connected", self.info)
        if not self.writing:
            self.mapper.refresh(t)
            return
        if self.writer.current is None:
            self._open(dts, t, None)
        elif self.clock.cut_due(t):
            start_ms, end_ms, next_ms = self.clock.cut(t)
            self._close(start_ms, end_ms)
            self._open(dts, t, next_ms)

    def _switch(self, wanted: bool) -> None:
        self.writing = wanted
        if not wanted:
            self._close_now()
        elif self.ring is not None:
            self._replay(self.ring.take())

    def _replay(self, entries: list) -> None:
        """Write the pre-roll (it starts at a keyframe); cuts apply to it like to live packets."""
        for is_video, packet in entries:
            if is_video:
                if packet.is_keyframe:
                    self._keyframe(packet.dts, packet.dts * self.vtb)
                if self.writer.current is not None:
                    self.writer.write_video(packet)
            elif self.writer.current is not None:
                self.writer.write_audio(packet)

    def _new_timeline(self, last: float | None, t: float, now: float) -> None:
        """First packet of the run, or a timestamp jump: close what is open and anchor the clock afresh."""
        if last is not None:
            log.info("camera %s: timestamp jump %.3f s → %.3f s; new segment", self.pipeline.config.camera_id,
                     last, t)
            self._close_now()
            if self.ring is not None:
                self.ring.clear()
        self.mapper.anchor(t, now)

    def _open(self, dts: int, t: float, start_ms: int | None) -> None:
        """Open a segment at the keyframe (dts, t); `start_ms` when it continues a cut segment."""
        self.clock.open(t, start_ms)
        try:
            self.writer.open(dts, self.clock.current_start_ms())
        except WriteFailed:
            self.clock.close(t)
            raise

    def _close(self, start_ms: int, end_ms: int) -> None:
        segment = self.writer.close(start_ms, end_ms)
        if segment is not None:
            self.pipeline.closed(segment)

    def _close_now(self) -> None:
        """Close the open segment at the end of its last frame (stop, disconnect, recording off, jump)."""
        if self.writer.current is None:
            return
        self._close(*self.clock.close(self.last_t + self.last_d))

    def _salvage_open_segment(self) -> None:
        """After a write failure, keep what reached the disk (as start-up salvage would) and report it."""
        segment = self.writer.abandon()
        if segment is not None:
            self.pipeline.closed(segment)

    def _stats(self, now: float) -> None:
        self.stats_due = now + STATS_INTERVAL_S
        if self.connected_at is None:
            if time.monotonic() - self.opened_at > KEYFRAME_WAIT_S:
                raise Disconnect("stream_error", f"no keyframe received in {KEYFRAME_WAIT_S:.0f} s")
            return
        elapsed = max(now - self.stats_from, 1e-6)
        fps = round(self.frames / elapsed, 2)
        self.frames, self.stats_from = 0, now
        self.pipeline.notify("on_stats", fps, datetime.fromtimestamp(now, timezone.utc), self.writer.bytes_written)
