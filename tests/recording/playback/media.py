"""Real recorder segments for playback tests: PyAV-encoded H.264 (+ AAC) cut by the recorder's SegmentWriter."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path

import av

from recording.models import Segment
from recording.recorder.audio import CopiedAudio
from recording.recorder.segments import segment_relpath
from recording.recorder.writer import SegmentWriter

FPS = 25
RATE = 48000
T0 = datetime(2026, 6, 15, 12, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SegmentBlob:
    """A closed segment file as the recorder writes it, and its span in seconds."""

    path: Path
    seconds: float
    has_audio: bool

    def read(self) -> bytes:
        return self.path.read_bytes()


def encode_source(path: Path, seconds: int, audio: bool) -> None:
    """H.264 160x120 with an IDR every second, interleaved with AAC mono as a camera would send it."""
    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS, options={"preset": "ultrafast", "g": str(FPS), "bf": "0"})
        video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        sound = out.add_stream("aac", rate=RATE, layout="mono") if audio else None
        sample = 0
        for n in range(seconds * FPS):
            frame = av.VideoFrame(160, 120, "yuv420p")
            for plane in frame.planes:
                plane.update(bytes([(n * 7) % 255]) * plane.buffer_size)
            frame.pts, frame.time_base = n, Fraction(1, FPS)
            out.mux(video.encode(frame))
            while sound is not None and sample < RATE * (n + 1) / FPS:
                chunk = av.AudioFrame(format="fltp", layout="mono", samples=1024)
                for plane in chunk.planes:
                    plane.update(bytes(plane.buffer_size))  # silence
                chunk.sample_rate, chunk.pts, chunk.time_base = RATE, sample, Fraction(1, RATE)
                out.mux(sound.encode(chunk))
                sample += 1024
        out.mux(video.encode(None))
        if sound is not None:
            out.mux(sound.encode(None))


def cut_segments(source: Path, out_dir: Path, every: int, audio: bool) -> list[SegmentBlob]:
    """Cut `source` at the keyframes every `every` seconds with the recorder's writer (movflags and all)."""
    blobs = []
    with av.open(str(source)) as container:
        video = container.streams.video[0]
        sound = container.streams.audio[0] if audio else None
        writer = SegmentWriter("cam", out_dir, video, CopiedAudio(sound) if sound else None)
        cut = 0.0
        base_ms = 1_700_000_000_000
        for packet in container.demux(*[s for s in (video, sound) if s is not None]):
            if packet.dts is None:
                continue
            if packet.stream is not video:
                if writer.current is not None:
                    writer.write_audio(packet)
                continue
            t = float(packet.dts * video.time_base)
            if packet.is_keyframe and (writer.current is None or t >= cut + every):
                if writer.current is not None:
                    blobs.append(_closed(writer, out_dir, base_ms, cut, t, audio))
                cut = t
                writer.open(packet.dts, base_ms + round(t * 1000))
            writer.write_video(packet)
        blobs.append(_closed(writer, out_dir, base_ms, cut, cut + every, audio))
    return blobs


def _closed(writer: SegmentWriter, out_dir: Path, base_ms: int, start: float, end: float, audio: bool) -> SegmentBlob:
    closed = writer.close(base_ms + round(start * 1000), base_ms + round(end * 1000))
    return SegmentBlob(out_dir / closed.relpath, end - start, audio)


def place_segment(root: Path, camera, start: datetime, blob: SegmentBlob, **fields) -> Segment:
    """Copy a blob to the camera's folder under the recordings root and index it (start .. start + span)."""
    relpath = segment_relpath(camera.pk, start, with_ms=True)
    target = Path(root) / relpath
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(blob.path, target)
    fields.setdefault("codec", "h264")
    return Segment.objects.create(
        camera=camera, path=relpath, start_time=start, end_time=start + timedelta(seconds=blob.seconds),
        duration_s=blob.seconds, size_bytes=target.stat().st_size, width=160, height=120, fps=FPS,
        has_audio=blob.has_audio, **fields,
    )


def decoded_timestamps(path: Path) -> dict[str, list[float]]:
    """Seconds of every decoded video frame and audio frame (PyAV), to check where the media sits."""
    times: dict[str, list[float]] = {"video": [], "audio": []}
    with av.open(str(path)) as container:
        streams = [*container.streams.video[:1], *container.streams.audio[:1]]
        for frame in container.decode(*streams):
            kind = "video" if isinstance(frame, av.VideoFrame) else "audio"
            times[kind].append(float(frame.pts * frame.time_base))
    return times
