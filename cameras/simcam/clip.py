"""The looped clip: generated once with PyAV, cached on disk, pre-packetized, replayed at real-time pace.

Each frame shows a scrolling noise texture (so the encoder has real work), the frame number in
7-segment digits and the same number as the block code of ``overlay``. With audio, a 1 kHz beep
marks every second. The cache file (``*.simclip``) is ``MAGIC``, a 4-byte big-endian header length,
a JSON header (the parameters), then records ``>BBqI`` (track, keyframe, timestamp in the track's
clock, size) each followed by the access unit (Annex-B H.264, or raw AAC). Files are written to a
temporary name and renamed, so readers never see a half-written clip.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import hashlib
import json
import os
import random
import struct
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from cameras.simcam import encoding
from cameras.simcam.media import AUDIO_PT, VIDEO_PT, AccessUnit, Mount, Track
from cameras.simcam.overlay import check_size, draw_text, draw_timecode
from cameras.simcam.rtp import Template, aac_payload, build_template, h264_payloads, parameter_sets, split_annexb

MAGIC = b"NVR-SIMCLIP-1\n"
GENERATOR_VERSION = 1  # bump whenever the pictures or the encoding change, so caches regenerate
RECORD = struct.Struct(">BBqI")
SCROLL = 64
EARLY = 0.005  # publish an access unit up to this early rather than sleep again
MAX_LATE = 1.0  # further behind than this (a stalled loop), skip ahead to the next keyframe


@dataclass(frozen=True)
class ClipParams:
    """What the generated clip looks like; also its cache key."""

    width: int = 640
    height: int = 360
    fps: int = 25
    bitrate: int = 800_000
    duration: int = 10
    audio: bool = False

    def file_name(self) -> str:
        digest = hashlib.sha1(json.dumps([GENERATOR_VERSION, asdict(self)], sort_keys=True).encode()).hexdigest()
        sound = "aac" if self.audio else "mute"
        return (f"clip-{self.width}x{self.height}-{self.fps}fps-{self.bitrate // 1000}k-{self.duration}s-{sound}"
                f"-{digest[:10]}.simclip")


class ClipPainter:
    """Draws clip frame ``n`` into a packed luma plane."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height
        soften = bytes(56 + (v >> 1) for v in range(256))  # mid-grey noise, so overlays keep their contrast
        self._texture = random.Random(width * 7919 + height).randbytes((width + SCROLL) * height).translate(soften)

    def luma(self, index: int) -> bytearray:
        span, w = self.width + SCROLL, self.width
        shift = (index * 2) % SCROLL
        plane = bytearray(b"".join(self._texture[r * span + shift:r * span + shift + w] for r in range(self.height)))
        draw_timecode(plane, w, self.height, index)
        draw_text(plane, w, self.height, f"{index:06d}")
        return plane


def ensure_clip(params: ClipParams, cache_dir: Path) -> Path:
    """The cached clip for ``params``, generated first if it is not there yet."""
    check_size(params.width, params.height)
    path = Path(cache_dir) / params.file_name()
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            config = encoding.aac_context().extradata.hex() if params.audio else None
            header = json.dumps({**asdict(params), "aac_config": config}).encode()
            out.write(MAGIC + struct.pack(">I", len(header)) + header)
            for track, key, ts, data in _encode(params):
                out.write(RECORD.pack(track, key, ts, len(data)) + data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _encode(params: ClipParams):
    """Yield (track, keyframe, timestamp, access unit) for the whole clip, video and audio interleaved."""
    w, h, fps = params.width, params.height, params.fps
    frames = params.duration * fps
    video = encoding.x264_context(w, h, fps, params.bitrate, live=False)
    painter, chroma = ClipPainter(w, h), bytes([128]) * (w * h // 4)
    audio = encoding.aac_context() if params.audio else None
    beeper, samples, limit = encoding.Beeper(), 0, params.duration * encoding.SAMPLE_RATE
    audio_packets = []
    for index in [*range(frames), None]:
        frame = None if index is None else encoding.video_frame(painter.luma(index), chroma, w, h, index)
        for packet in video.encode(frame):
            yield 0, packet.is_keyframe, round(packet.pts * 90000 / fps), bytes(packet)
        if audio is None:
            continue
        end = limit if index is None else (index + 1) * encoding.SAMPLE_RATE // fps
        while samples < end:
            audio_packets += audio.encode(beeper.frame(samples))
            samples += encoding.AAC_FRAME
        if index is None:
            audio_packets += audio.encode(None)
        for packet in audio_packets:
            yield 1, True, packet.pts, bytes(packet)
        audio_packets = []


@dataclass(frozen=True)
class ClipEvent:
    """One access unit of the clip at ``time`` seconds from the clip's start."""

    time: float
    track: int
    ts: int
    key: bool
    template: Template


@dataclass
class Clip:
    """A loaded, pre-packetized clip, shared by every mount that plays it."""

    params: ClipParams
    tracks: list[Track]
    events: list[ClipEvent]
    loop_ts: list[int]  # how far each track's timestamps advance per loop

    @property
    def duration(self) -> float:
        return float(self.params.duration)


def _read(data: bytes) -> tuple[dict, list]:
    """The header and the (track, keyframe, timestamp, access unit) records of a clip file."""
    if not data.startswith(MAGIC):
        raise ValueError("not a simcam clip")
    pos = len(MAGIC)
    (size,) = struct.unpack_from(">I", data, pos)
    header = json.loads(data[pos + 4:pos + 4 + size])
    return header, list(_records(data, pos + 4 + size))


def _records(data: bytes, pos: int):
    while pos < len(data):
        track, key, ts, size = RECORD.unpack_from(data, pos)
        pos += RECORD.size
        yield track, bool(key), ts, data[pos:pos + size]
        pos += size


def load_clip(path: Path) -> Clip:
    """Read a cached clip and packetize every access unit once."""
    header, records = _read(Path(path).read_bytes())
    params = ClipParams(**{k: v for k, v in header.items() if k != "aac_config"})
    events, sps, pps = [], None, None
    audio_first, audio_limit = None, params.duration * encoding.SAMPLE_RATE
    for track, key, ts, au in records:
        if track == 0:
            nals = split_annexb(au)
            if sps is None:
                sps, pps = parameter_sets(nals)
            template = build_template(h264_payloads(nals), VIDEO_PT)
            events.append(ClipEvent(ts / 90000, 0, ts, key, template))
            continue
        # Audio timestamps restart at 0 (the encoder's priming delay shifts them) and stop at the loop length.
        audio_first = ts if audio_first is None else audio_first
        ts -= audio_first
        if ts < audio_limit:
            template = build_template([aac_payload(au)], AUDIO_PT)
            events.append(ClipEvent(ts / encoding.SAMPLE_RATE, 1, ts, True, template))
    tracks = [encoding.video_track(sps, pps, params.fps, params.width, params.height)]
    if params.audio:
        tracks.append(encoding.audio_track(bytes.fromhex(header["aac_config"])))
    events.sort(key=lambda e: (e.time, e.track))
    return Clip(params, tracks, events, [90000 * params.duration, audio_limit])


class ClipSource:
    """Plays a clip in an endless loop on one mount, in real time, while anyone is watching.

    The position is a pure function of elapsed time (as if the clip had been playing since the mount
    was created), so timestamps stay continuous across loops, pauses and idle periods.
    """

    def __init__(self, clip: Clip):
        self.clip = clip
        self.tracks = clip.tracks
        self._key_times = [e.time for e in clip.events if e.track == 0 and e.key]
        self._key_index = [i for i, e in enumerate(clip.events) if e.track == 0 and e.key]

    def attach(self, mount: Mount) -> None:
        self._mount = mount
        self._loop = asyncio.get_running_loop()
        self._origin, self._wall0 = self._loop.time(), time.time()
        self._active = asyncio.Event()
        self._task = self._loop.create_task(self._run())

    def set_active(self, active: bool) -> None:
        (self._active.set if active else self._active.clear)()

    def media_time(self) -> float:
        return self._loop.time() - self._origin

    async def aclose(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _seek(self, at: float) -> tuple[int, int]:
        """(lap, event index) of the first keyframe at or after media time ``at``."""
        lap = int(at // self.clip.duration)
        k = bisect.bisect_left(self._key_times, at - lap * self.clip.duration)
        if k == len(self._key_times):
            return lap + 1, self._key_index[0]
        return lap, self._key_index[k]

    async def _run(self) -> None:
        while True:
            await self._active.wait()
            await self._play()

    async def _play(self) -> None:
        events, clip, loop = self.clip.events, self.clip, self._loop
        lap, i = self._seek(self.media_time())
        while self._active.is_set():
            event = events[i]
            at = lap * clip.duration + event.time
            delay = self._origin + at - loop.time()
            if delay > EARLY:
                await asyncio.sleep(delay)
                continue
            if delay < -MAX_LATE:
                lap, i = self._seek(self.media_time())
                continue
            ts = event.ts + lap * clip.loop_ts[event.track]
            self._mount.publish(AccessUnit(event.track, ts, event.key, self._wall0 + at, event.template))
            i += 1
            if i == len(events):
                lap, i = lap + 1, 0
