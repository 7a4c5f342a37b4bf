"""Live fragmented MP4 for Media Source Extensions: an init segment, then one moof+mdat per frame.

The init segment (ftyp + moov with mvex, no samples) comes from FFmpeg's mp4 muxer, which already knows
how to build avcC/hvcC from whatever parameter sets the camera sent. The fragments are written here, by
hand: FFmpeg's `frag_every_frame` holds each frame back until the next one arrives (it needs the sample
duration), which would add a frame interval of latency, and muxing through PyAV would rewrite the
packet's timestamps under the recorder's segment writer. Here a fragment is 112 bytes of boxes in front
of the frame, its duration estimated from the previous frame interval (the next fragment's `tfdt` is
authoritative, so an estimate never accumulates drift).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from fractions import Fraction

import av

# Fragment boxes: moof(mfhd, traf(tfhd, tfdt v1, trun v1 with one sample)) then the mdat header.
_FRAGMENT = struct.Struct(">I4s" "I4sII" "I4s" "I4sII" "I4sIQ" "I4sIIiIIIi" "I4s")
FRAGMENT_OVERHEAD = _FRAGMENT.size  # 112
_MOOF_SIZE = FRAGMENT_OVERHEAD - 8
_TFHD_DEFAULT_BASE_IS_MOOF = 0x020000
_TRUN_FLAGS = (1 << 24) | 0x000F01  # version 1 (signed composition offsets); offset, duration, size, flags, cts
SYNC_SAMPLE = 0x02000000      # sample_depends_on = 2 (an I-frame)
NON_SYNC_SAMPLE = 0x01010000  # sample_depends_on = 1, sample_is_non_sync_sample = 1
MAX_STEP_S = 5  # a decode-time step outside (0, 5 s] is a camera clock jump: continue the timeline instead

_AVC_PARAMETER_SETS = {7, 8}          # SPS, PPS
_HEVC_PARAMETER_SETS = {32, 33, 34}   # VPS, SPS, PPS
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


class MuxError(Exception):
    """The stream cannot be packaged for the browser (no parameter sets, unknown codec…)."""


@dataclass(frozen=True)
class InitSegment:
    """ftyp+moov for one video track, and what a browser needs to know to open a SourceBuffer for it."""

    data: bytes
    codec: str          # "h264" | "hevc" (PyAV names)
    codec_string: str   # RFC 6381, e.g. "avc1.64001f" or "hvc1.1.6.L93.B0"
    width: int
    height: int
    timescale: int
    track_id: int
    annexb: bool        # samples arrive with start codes and must be length-prefixed

    @property
    def mime(self) -> str:
        return f'video/mp4; codecs="{self.codec_string}"'

    def describe(self) -> dict:
        return {"codec": self.codec, "codec_string": self.codec_string, "width": self.width, "height": self.height}


# --- Annex B ----------------------------------------------------------------------------------------------


def split_annexb(data: bytes) -> list[bytes]:
    """The NAL units of an Annex B byte stream (start codes and trailing zero bytes removed)."""
    units = []
    start = data.find(b"\x00\x00\x01")
    while start >= 0:
        begin = start + 3
        nxt = data.find(b"\x00\x00\x01", begin)
        unit = data[begin:nxt if nxt >= 0 else len(data)].rstrip(b"\x00")
        if unit:
            units.append(unit)
        start = nxt
    return units


def is_annexb(data: bytes | None) -> bool:
    return bool(data) and (data.startswith(b"\x00\x00\x01") or data.startswith(b"\x00\x00\x00\x01"))


def length_prefixed(data: bytes) -> bytes:
    """Annex B access unit → 4-byte length-prefixed NAL units (what an mp4 sample holds)."""
    return b"".join(len(unit).to_bytes(4, "big") + unit for unit in split_annexb(data))


def nal_type(codec: str, unit: bytes) -> int:
    return unit[0] & 0x1F if codec == "h264" else (unit[0] >> 1) & 0x3F


def parameter_sets(codec: str, data: bytes) -> bytes:
    """The in-band parameter sets of an Annex B access unit, as Annex B extradata (b"" when absent)."""
    wanted = _AVC_PARAMETER_SETS if codec == "h264" else _HEVC_PARAMETER_SETS
    units = [unit for unit in split_annexb(data) if nal_type(codec, unit) in wanted]
    return b"".join(b"\x00\x00\x00\x01" + unit for unit in units)


# --- codec strings (RFC 6381 / ISO 14496-15 annex E) ---------------------------------------------------------


def avc_codec_string(avcc: bytes) -> str:
    """avc1.PPCCLL from an avcC record: profile_idc, constraint flags, level_idc."""
    if len(avcc) < 4 or avcc[0] != 1:
        raise MuxError("malformed avcC record")
    return "avc1." + avcc[1:4].hex()


def hevc_codec_string(hvcc: bytes, tag: str = "hvc1") -> str:
    """hvc1.<space><profile>.<compat, bit-reversed>.<tier><level>[.<constraint bytes>] from an hvcC record."""
    if len(hvcc) < 13 or hvcc[0] != 1:
        raise MuxError("malformed hvcC record")
    space = ("", "A", "B", "C")[hvcc[1] >> 6]
    tier = "H" if hvcc[1] & 0x20 else "L"
    profile = hvcc[1] & 0x1F
    compat = int(f"{int.from_bytes(hvcc[2:6], 'big'):032b}"[::-1], 2)
    constraints = bytearray(hvcc[6:12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [tag, f"{space}{profile}", f"{compat:X}", f"{tier}{hvcc[12]}", *(f"{byte:X}" for byte in constraints)]
    return ".".join(parts)


# --- boxes ---------------------------------------------------------------------------------------------------


def child_boxes(data: bytes, start: int = 0, end: int | None = None):
    """(type, payload start, box end) of each box in data[start:end]."""
    end = len(data) if end is None else end
    offset = start
    while offset + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, offset)
        if size < 8 or offset + size > end:
            raise MuxError(f"truncated {kind!r} box")
        yield kind, offset + 8, offset + size
        offset += size


def find_box(data: bytes, path: list[bytes]) -> tuple[int, int]:
    """Payload span (start, end) of the box at a path of container boxes."""
    start, end = 0, len(data)
    for wanted in path:
        for kind, payload, box_end in child_boxes(data, start, end):
            if kind == wanted:
                start, end = payload, box_end
                break
        else:
            raise MuxError(f"no {wanted.decode()} box")
    return start, end


def codec_config(data: bytes) -> tuple[bytes, bytes]:
    """(sample entry type, avcC/hvcC payload) of the first track of an init segment."""
    start, end = find_box(data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    entries = list(child_boxes(data, start + 8, end))  # skip version/flags and entry_count
    if not entries:
        raise MuxError("empty stsd")
    entry, payload, entry_end = entries[0]
    for kind, config, config_end in child_boxes(data, payload + 78, entry_end):  # after the visual sample entry
        if kind in (b"avcC", b"hvcC"):
            return entry, data[config:config_end]
    raise MuxError("no avcC/hvcC in the sample entry")


def _track_ids(data: bytes) -> tuple[int, int]:
    """(track_ID, media timescale) of the first track."""
    start, _ = find_box(data, [b"moov", b"trak", b"tkhd"])
    version = data[start]
    track_id = struct.unpack_from(">I", data, start + (20 if version == 1 else 12))[0]
    start, _ = find_box(data, [b"moov", b"trak", b"mdia", b"mdhd"])
    version = data[start]
    timescale = struct.unpack_from(">I", data, start + (20 if version == 1 else 12))[0]
    return track_id, timescale


def build_init(stream: av.video.stream.VideoStream, first_keyframe: bytes | None = None) -> InitSegment:
    """The init segment for a demuxed H.264/H.265 stream (parameter sets from the keyframe if the SDP had none)."""
    ctx = stream.codec_context
    codec = ctx.name
    if codec not in ("h264", "hevc"):
        raise MuxError(f"{codec} cannot be streamed live")
    buffer = io.BytesIO()
    container = av.open(buffer, "w", format="mp4", options={"movflags": "empty_moov+default_base_moof+frag_custom"})
    try:
        out = container.add_stream_from_template(stream)
        if not ctx.extradata and first_keyframe is not None:
            out.codec_context.extradata = parameter_sets(codec, first_keyframe) or None
        if codec == "hevc":
            out.codec_context.codec_tag = "hvc1"  # what MSE and Apple players expect (hev1 is the default)
        container.start_encoding()
        data = buffer.getvalue()
    except (av.FFmpegError, ValueError) as exc:
        raise MuxError(f"cannot build the init segment: {exc}") from exc
    finally:
        try:
            container.close()
        except av.FFmpegError:
            pass
    entry, config = codec_config(data)
    codec_string = avc_codec_string(config) if codec == "h264" else hevc_codec_string(config, entry.decode())
    track_id, timescale = _track_ids(data)
    return InitSegment(data=data, codec=codec, codec_string=codec_string, width=ctx.width, height=ctx.height,
                       timescale=timescale, track_id=track_id, annexb=not config_is_length_prefixed(ctx.extradata))


def config_is_length_prefixed(extradata: bytes | None) -> bool:
    """FFmpeg's rule: extradata starting with version 1 (avcC/hvcC) means samples are already length-prefixed."""
    return bool(extradata) and extradata[0] == 1


# --- fragments -------------------------------------------------------------------------------------------------


class FragmentWriter:
    """Turns demuxed packets of one stream into moof+mdat fragments on a continuous decode timeline from 0."""

    def __init__(self, init: InitSegment, time_base: Fraction, frame_rate: Fraction | float | None = None):
        self.init = init
        self.scale_num = time_base.numerator * init.timescale
        self.scale_den = time_base.denominator
        self.duration = round(init.timescale / float(frame_rate)) if frame_rate else init.timescale // 25
        self.max_step = MAX_STEP_S * init.timescale
        self.sequence = 0
        self.offset: int | None = None  # decode time = stream ticks + offset
        self.last_ticks = 0

    def fragment(self, data: bytes, pts: int | None, dts: int, keyframe: bool) -> bytes:
        """One moof+mdat holding one frame (`data` as demuxed, `pts`/`dts` in the stream's time base)."""
        ticks = dts * self.scale_num // self.scale_den
        if self.offset is None:
            self.offset = -ticks
        else:
            step = ticks - self.last_ticks
            if 0 < step <= self.max_step:
                self.duration = step
            else:  # a clock jump: keep the timeline going one frame later
                self.offset = self.last_ticks + self.offset + self.duration - ticks
        self.last_ticks = ticks
        cts = (pts - dts) * self.scale_num // self.scale_den if pts is not None else 0
        sample = length_prefixed(data) if self.init.annexb else data
        self.sequence += 1
        header = _FRAGMENT.pack(
            _MOOF_SIZE, b"moof",
            16, b"mfhd", 0, self.sequence,
            _MOOF_SIZE - 24, b"traf",
            16, b"tfhd", _TFHD_DEFAULT_BASE_IS_MOOF, self.init.track_id,
            20, b"tfdt", 1 << 24, ticks + self.offset,
            36, b"trun", _TRUN_FLAGS, 1, FRAGMENT_OVERHEAD, self.duration, len(sample),
            SYNC_SAMPLE if keyframe else NON_SYNC_SAMPLE, cts,
            8 + len(sample), b"mdat",
        )
        return header + sample
