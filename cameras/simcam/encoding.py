"""PyAV encoders shared by the clip generator and the live clock: libx264 and AAC, plus their frames."""

from __future__ import annotations

import math
from array import array
from fractions import Fraction

import av

from cameras.simcam.media import AUDIO_PT, VIDEO_PT, Track
from cameras.simcam.rtp import aac_fmtp, h264_fmtp

SAMPLE_RATE = 48000
AAC_FRAME = 1024
AAC_BITRATE = 64000
BEEP_HZ = 1000
BEEP_SECONDS = 0.1


def x264_context(width: int, height: int, fps: int, bitrate: int, live: bool) -> av.CodecContext:
    """A libx264 encoder: ultrafast, baseline, an IDR every second, SPS/PPS before every IDR, CBR."""
    ctx = av.CodecContext.create("libx264", "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, "yuv420p"
    ctx.time_base = Fraction(1, fps)
    ctx.framerate = Fraction(fps)
    ctx.bit_rate = bitrate
    # nal-hrd=cbr pads with filler NAL units, so the stream really carries `bitrate` (what the
    # benchmarks want to measure) even when the picture is easy to compress.
    params = f"keyint={fps}:min-keyint={fps}:scenecut=0:repeat-headers=1:nal-hrd=cbr:bframes=0"
    ctx.options = {
        "preset": "ultrafast",
        "profile": "baseline",
        "maxrate": str(bitrate),
        "bufsize": str(bitrate),
        "x264-params": params,
        **({"tune": "zerolatency"} if live else {}),
    }
    ctx.open()
    return ctx


def aac_context() -> av.CodecContext:
    """A mono AAC-LC encoder at 48 kHz."""
    ctx = av.CodecContext.create("aac", "w")
    ctx.sample_rate, ctx.layout, ctx.format, ctx.bit_rate = SAMPLE_RATE, "mono", "fltp", AAC_BITRATE
    ctx.time_base = Fraction(1, SAMPLE_RATE)
    ctx.open()
    return ctx


def video_frame(luma: bytes, chroma: bytes, width: int, height: int, pts: int) -> av.VideoFrame:
    """A yuv420p frame from a packed luma plane and one packed chroma plane used for both U and V."""
    frame = av.VideoFrame(width, height, "yuv420p")
    for plane, data, w, h in zip(frame.planes, (luma, chroma, chroma),
                                 (width, width // 2, width // 2), (height, height // 2, height // 2)):
        if plane.line_size != w:
            pad = bytes(plane.line_size - w)
            data = b"".join(data[r * w:(r + 1) * w] + pad for r in range(h))
        plane.update(data)
    frame.pts = pts
    return frame


def video_track(sps: bytes, pps: bytes, fps: int, width: int, height: int) -> Track:
    """The SDP description of an H.264 track with these parameter sets."""
    return Track("video", VIDEO_PT, 90000, "H264/90000", h264_fmtp(sps, pps),
                 (f"a=framerate:{fps}", f"a=x-dimensions:{width},{height}"))


def audio_track(config: bytes) -> Track:
    """The SDP description of the AAC track with this AudioSpecificConfig."""
    return Track("audio", AUDIO_PT, SAMPLE_RATE, f"MPEG4-GENERIC/{SAMPLE_RATE}/1", aac_fmtp(config))


class Beeper:
    """A 1 kHz beep during the first 100 ms of every second of media time, silence otherwise."""

    def __init__(self):
        second = [0.0] * SAMPLE_RATE
        for i in range(int(SAMPLE_RATE * BEEP_SECONDS)):
            second[i] = 0.3 * math.sin(2 * math.pi * BEEP_HZ * i / SAMPLE_RATE)
        # Two periods back to back, so any chunk shorter than a second is one contiguous slice.
        self._samples = array("f", second * 2).tobytes()

    def frame(self, start: int) -> av.AudioFrame:
        """The AAC-sized chunk of samples beginning at sample ``start``."""
        frame = av.AudioFrame(format="fltp", layout="mono", samples=AAC_FRAME)
        offset = (start % SAMPLE_RATE) * 4
        frame.planes[0].update(self._samples[offset:offset + AAC_FRAME * 4])
        frame.sample_rate = SAMPLE_RATE
        frame.time_base = Fraction(1, SAMPLE_RATE)
        frame.pts = start
        return frame
