"""Real recorded footage for tests: fragmented MP4 files made with PyAV the way the recorder writes them.

Every frame carries its own wall-clock time (milliseconds since the epoch) as the simulated camera's
block time code, so a decoded picture tells exactly which instant it shows.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from django.conf import settings

from cameras.simcam.overlay import decode_timecode, draw_timecode
from recording.models import Segment
from recording.recorder.segments import segment_relpath
from recording.recorder.writer import FMP4_OPTIONS

WIDTH, HEIGHT = 320, 180
AUDIO_RATE = 16_000


def epoch_ms(value: datetime) -> int:
    return round(value.timestamp() * 1000)


def _picture(ms: int) -> av.VideoFrame:
    plane = bytearray([90]) * (WIDTH * HEIGHT)
    draw_timecode(plane, WIDTH, HEIGHT, ms)
    grey = np.frombuffer(bytes(plane), dtype=np.uint8).reshape(HEIGHT, WIDTH)
    return av.VideoFrame.from_ndarray(grey, format="gray").reformat(format="yuv420p")


ENCODERS = {
    "h264": ("libx264", {"preset": "ultrafast", "tune": "zerolatency", "sc_threshold": "0"}),
    "hevc": ("libx265", {"preset": "ultrafast", "tune": "zerolatency", "x265-params": "log-level=none:scenecut=0"}),
}


def write_footage(path: Path, start: datetime, seconds: float, *, fps: int = 10, gop: int = 10, audio: bool = False,
                  codec: str = "h264") -> None:
    """A fragmented MP4 (one fragment per GOP, timestamps from 0) of `seconds` starting at `start`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = av.open(str(path), "w", format="mp4", options=dict(FMP4_OPTIONS))
    encoder, options = ENCODERS[codec]
    video = out.add_stream(encoder, rate=fps, options={**options, "g": str(gop), "keyint_min": str(gop)})
    video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
    sound = None
    if audio:
        sound = out.add_stream("aac", rate=AUDIO_RATE)
        sound.layout = "mono"
    frames = round(seconds * fps)
    for index in range(frames):
        frame = _picture(epoch_ms(start + timedelta(seconds=index / fps)))
        frame.pts, frame.time_base = index, Fraction(1, fps)
        out.mux(video.encode(frame))
    out.mux(video.encode(None))
    if sound is not None:
        samples = 1024
        for index in range(int(seconds * AUDIO_RATE) // samples):
            chunk = av.AudioFrame.from_ndarray(np.zeros((1, samples), dtype=np.float32), format="fltp", layout="mono")
            # the AAC encoder's priming delay (one frame) would start audio before video: start it at 0
            chunk.sample_rate, chunk.pts = AUDIO_RATE, (index + 1) * samples
            out.mux(sound.encode(chunk))
        out.mux(sound.encode(None))
    out.close()


def make_footage(camera, start: datetime, seconds: float = 10, *, fps: int = 10, gop: int = 10, audio: bool = False,
                 codec: str = "h264", write: bool = True) -> Segment:
    """A segment row with a real file under NVR_RECORDINGS_DIR (like the recorder's index)."""
    relpath = segment_relpath(camera.pk, start, with_ms=bool(start.microsecond))
    path = Path(settings.NVR_RECORDINGS_DIR) / relpath
    if write:
        write_footage(path, start, seconds, fps=fps, gop=gop, audio=audio, codec=codec)
    return Segment.objects.create(
        camera=camera, path=relpath, start_time=start, end_time=start + timedelta(seconds=seconds),
        duration_s=seconds, size_bytes=path.stat().st_size if write else 0, codec=codec, width=WIDTH, height=HEIGHT,
        fps=float(fps), has_audio=audio,
    )


def shown_ms(picture: av.VideoFrame) -> int | None:
    """The wall-clock time code (ms) a decoded picture carries, or None."""
    luma = picture.reformat(format="gray").to_ndarray()
    return decode_timecode(luma.tobytes(), picture.width, picture.height)


def jpeg_ms(jpeg: bytes) -> int | None:
    """The time code of the picture in a JPEG."""
    import io

    with av.open(io.BytesIO(jpeg), "r") as container:
        return shown_ms(next(container.decode(video=0)))
