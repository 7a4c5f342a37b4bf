"""The live clock source: frames encoded in real time showing the wall-clock time, one encoder per mount.

Each frame shows its capture time as HH:MM:SS.mmm (local time) in 7-segment digits and as the block
code of ``overlay`` (milliseconds since the Unix epoch, 48 bits), so a reader can measure its latency
behind the camera. Media time 0 is a whole wall-clock second, so with ``--audio`` the 1 kHz beep starts
exactly when the digits pass ``.000``. The encoder runs in one thread per mount, only while someone is
playing; the packets are packetized in that thread and handed to the event loop for fan-out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time

from cameras.simcam import encoding
from cameras.simcam.media import AUDIO_PT, VIDEO_PT, AccessUnit, Mount
from cameras.simcam.overlay import check_size, draw_text, draw_timecode
from cameras.simcam.rtp import aac_payload, build_template, h264_payloads, parameter_sets, split_annexb

log = logging.getLogger(__name__)

BACKGROUND = 48
MAX_LATE = 0.5  # behind schedule by more than this (CPU starvation), skip frames to catch up


def clock_text(ms: int) -> str:
    """HH:MM:SS.mmm in local time for an instant in ms since the epoch."""
    return time.strftime("%H:%M:%S", time.localtime(ms // 1000)) + f".{ms % 1000:03d}"


def paint_clock(width: int, height: int, ms: int, background: bytes) -> bytearray:
    """One clock frame's luma plane."""
    plane = bytearray(background)
    draw_timecode(plane, width, height, ms)
    draw_text(plane, width, height, clock_text(ms))
    return plane


class ClockSource:
    """Encodes the clock picture at ``fps`` for one mount while it has viewers."""

    def __init__(self, width: int = 640, height: int = 360, fps: int = 25, bitrate: int = 800_000,
                 audio: bool = False):
        check_size(width, height)
        self.width, self.height, self.fps, self.bitrate, self.audio = width, height, fps, bitrate, audio
        self._background = bytes([BACKGROUND]) * (width * height)
        self._chroma = bytes([128]) * (width * height // 4)
        wall = time.time()
        # Media time 0 = the last whole wall-clock second, measured on the monotonic clock.
        self.wall0 = math.floor(wall)
        self.origin = time.monotonic() - (wall - self.wall0)
        self.tracks = [self._probe_video_track()]
        if audio:
            self.tracks.append(encoding.audio_track(encoding.aac_context().extradata))
        self._active, self._stop = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def _probe_video_track(self):
        """SPS/PPS for the SDP: x264 writes identical headers for identical settings, so encode one frame."""
        ctx = encoding.x264_context(self.width, self.height, self.fps, self.bitrate, live=True)
        frame = encoding.video_frame(self._background, self._chroma, self.width, self.height, 0)
        nals = [nal for packet in [*ctx.encode(frame), *ctx.encode(None)] for nal in split_annexb(bytes(packet))]
        sps, pps = parameter_sets(nals)
        return encoding.video_track(sps, pps, self.fps, self.width, self.height)

    def attach(self, mount: Mount) -> None:
        self._mount = mount
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, name=f"simcam-clock{mount.path}", daemon=True)
        self._thread.start()

    def set_active(self, active: bool) -> None:
        (self._active.set if active else self._active.clear)()

    def media_time(self) -> float:
        return time.monotonic() - self.origin

    async def aclose(self) -> None:
        self._stop.set()
        self._active.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._active.wait()
            if self._stop.is_set():
                return
            try:
                self._stream()
            except Exception:
                log.exception("simcam clock encoder of %s failed; restarting", self._mount.path)
                self._stop.wait(1.0)

    def _stream(self) -> None:
        """Encode frames on schedule until nobody watches (fresh encoders: the first frame is an IDR)."""
        video = encoding.x264_context(self.width, self.height, self.fps, self.bitrate, live=True)
        audio = encoding.aac_context() if self.audio else None
        beeper = encoding.Beeper() if self.audio else None
        index = math.ceil(self.media_time() * self.fps)
        samples = None
        while self._active.is_set() and not self._stop.is_set():
            delay = self.origin + index / self.fps - time.monotonic()
            if delay > 0:
                self._stop.wait(delay)
                continue
            if delay < -MAX_LATE:
                index, samples = math.ceil(self.media_time() * self.fps), None
                continue
            ms = round((self.wall0 + index / self.fps) * 1000)
            frame = encoding.video_frame(paint_clock(self.width, self.height, ms, self._background), self._chroma,
                                         self.width, self.height, index)
            for packet in video.encode(frame):
                self._publish_video(packet)
            if audio is not None:
                samples = self._encode_audio(audio, beeper, index, samples)
            index += 1

    def _encode_audio(self, audio, beeper, index: int, samples: int | None) -> int:
        """Feed the AAC encoder up to the end of video frame ``index``; returns the next sample position."""
        end = (index + 1) * encoding.SAMPLE_RATE // self.fps
        if samples is None:
            samples = index * encoding.SAMPLE_RATE // self.fps // encoding.AAC_FRAME * encoding.AAC_FRAME
        while samples + encoding.AAC_FRAME <= end:
            for packet in audio.encode(beeper.frame(samples)):
                template = build_template([aac_payload(bytes(packet))], AUDIO_PT)
                wall = self.wall0 + packet.pts / encoding.SAMPLE_RATE
                self._hand_over(AccessUnit(1, packet.pts, True, wall, template))
            samples += encoding.AAC_FRAME
        return samples

    def _publish_video(self, packet) -> None:
        template = build_template(h264_payloads(split_annexb(bytes(packet))), VIDEO_PT)
        ts = round(packet.pts * 90000 / self.fps)
        self._hand_over(AccessUnit(0, ts, packet.is_keyframe, self.wall0 + packet.pts / self.fps, template))

    def _hand_over(self, au: AccessUnit) -> None:
        try:
            self._loop.call_soon_threadsafe(self._mount.publish, au)
        except RuntimeError:  # the event loop is closed: the server is shutting down
            self._stop.set()
