"""Audio policy: AAC is copied, G.711 (PCMU/PCMA) is transcoded to AAC, anything else is dropped with a note."""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Sequence

import av

log = logging.getLogger(__name__)

G711 = ("pcm_mulaw", "pcm_alaw")
# Sample rates the AAC encoder accepts; G.711 is 8 kHz, which is one of them.
AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


class CopiedAudio:
    """AAC from the camera, written as is."""

    def __init__(self, stream: av.audio.stream.AudioStream):
        self.stream = stream
        self.time_base = stream.time_base
        self.description = "aac (copied)"

    def add_output(self, container: av.container.OutputContainer) -> av.stream.Stream:
        return container.add_stream_from_template(self.stream)

    def convert(self, packet: av.Packet) -> Sequence[av.Packet]:
        return (packet,)


class TranscodedAudio:
    """G.711 decoded, resampled to float planar and encoded with FFmpeg's native AAC encoder."""

    def __init__(self, stream: av.audio.stream.AudioStream):
        source = stream.codec_context
        self.stream = stream
        self.rate = source.sample_rate if source.sample_rate in AAC_RATES else 16000
        self.layout = "mono" if source.channels == 1 else "stereo"
        self.time_base = Fraction(1, self.rate)
        self.description = f"{source.name} → aac"
        self._encoder = av.CodecContext.create("aac", "w")
        self._encoder.sample_rate = self.rate
        self._encoder.layout = self.layout
        self._encoder.format = "fltp"
        self._encoder.time_base = self.time_base
        self._encoder.open()
        self._resampler = av.AudioResampler(format="fltp", layout=self.layout, rate=self.rate,
                                            frame_size=self._encoder.frame_size)

    def add_output(self, container: av.container.OutputContainer) -> av.stream.Stream:
        # The muxer needs the AudioSpecificConfig in the header; PyAV opens this stream's own encoder
        # (same parameters as ours, so the same config) just to produce it.
        out = container.add_stream("aac", rate=self.rate, layout=self.layout)
        out.time_base = self.time_base
        return out

    def convert(self, packet: av.Packet) -> Sequence[av.Packet]:
        try:
            encoded = []
            for frame in self.stream.codec_context.decode(packet):
                for resampled in self._resampler.resample(frame):
                    encoded.extend(self._encoder.encode(resampled))
            return encoded
        except (av.FFmpegError, ValueError) as exc:  # one bad audio packet must not end the recording
            log.debug("audio packet dropped: %s", exc)
            return ()


AudioTrack = CopiedAudio | TranscodedAudio


def plan_audio(stream: av.audio.stream.AudioStream | None, record_audio: bool) -> tuple[AudioTrack | None, str]:
    """The track to record for the camera's first audio stream (or None) and a status note."""
    if stream is None:
        return None, "camera sends no audio" if record_audio else ""
    name = stream.codec_context.name
    if not record_audio:
        return None, "audio not recorded (record_audio off)"
    if name == "aac":
        return CopiedAudio(stream), ""
    if name in G711:
        try:
            return TranscodedAudio(stream), ""
        except (av.FFmpegError, ValueError) as exc:
            return None, f"audio codec {name} dropped (transcoder failed: {exc})"
    return None, f"audio codec {name} dropped"
