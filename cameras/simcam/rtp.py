"""RTP packetization done once per access unit: H.264 (RFC 6184), AAC (RFC 3640), RTCP sender reports.

An access unit becomes a ``Template``: its RTP packets already framed for RTSP-interleaved TCP
(``$``, channel, length, 12-byte RTP header, payload) with zeroed sequence number, timestamp and
SSRC. Each client copies the bytes once and patches those fields, so sending costs a memcpy and a
few ``pack_into`` calls instead of re-packetizing per client.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass

MAX_PAYLOAD = 1400
NTP_EPOCH_OFFSET = 2208988800
FU_A = 28
NAL_SPS, NAL_PPS, NAL_IDR = 7, 8, 5

_HEADER = struct.Struct(">HII")  # sequence number, timestamp, SSRC (after the first two RTP bytes)


def split_annexb(data: bytes) -> list[bytes]:
    """Split an Annex-B byte stream into NAL units (start codes removed, empty units dropped)."""
    nals, start, n = [], None, len(data)
    i = data.find(b"\x00\x00\x01")
    while i != -1:
        if start is not None:
            end = i - 1 if i > 0 and data[i - 1] == 0 else i
            nals.append(data[start:end])
        start = i + 3
        i = data.find(b"\x00\x00\x01", start)
    if start is not None and start < n:
        nals.append(data[start:])
    return [nal for nal in nals if nal]


def nal_type(nal: bytes) -> int:
    """The nal_unit_type of an H.264 NAL unit."""
    return nal[0] & 0x1F


def parameter_sets(nals: list[bytes]) -> tuple[bytes | None, bytes | None]:
    """The first SPS and PPS among ``nals``."""
    sps = next((n for n in nals if nal_type(n) == NAL_SPS), None)
    pps = next((n for n in nals if nal_type(n) == NAL_PPS), None)
    return sps, pps


def h264_fmtp(sps: bytes, pps: bytes) -> str:
    """The SDP ``fmtp`` parameters for an H.264 track (RFC 6184 §8.1)."""
    sprop = ",".join(base64.b64encode(p).decode() for p in (sps, pps))
    return f"packetization-mode=1;profile-level-id={sps[1:4].hex()};sprop-parameter-sets={sprop}"


def aac_fmtp(config: bytes) -> str:
    """The SDP ``fmtp`` parameters for AAC-hbr (RFC 3640 §3.3.6)."""
    return ("streamtype=5;profile-level-id=1;mode=AAC-hbr;sizelength=13;indexlength=3;"
            f"indexdeltalength=3;config={config.hex()}")


def h264_payloads(nals: list[bytes], max_payload: int = MAX_PAYLOAD) -> list[bytes]:
    """RTP payloads for one access unit: single NAL unit packets, FU-A for NAL units that do not fit."""
    out = []
    for nal in nals:
        if len(nal) <= max_payload:
            out.append(nal)
            continue
        indicator = (nal[0] & 0xE0) | FU_A
        kind = nal[0] & 0x1F
        body = nal[1:]
        chunk = max_payload - 2
        for offset in range(0, len(body), chunk):
            flags = (0x80 if offset == 0 else 0) | (0x40 if offset + chunk >= len(body) else 0)
            out.append(bytes((indicator, flags | kind)) + body[offset:offset + chunk])
    return out


def aac_payload(au: bytes) -> bytes:
    """One AAC access unit behind a single 16-bit AU header (13-bit size, 3-bit index 0)."""
    if len(au) >= 1 << 13:
        raise ValueError("AAC access unit too large for sizelength=13")
    return struct.pack(">HH", 16, len(au) << 3) + au


@dataclass(frozen=True)
class Template:
    """The pre-framed RTP packets of one access unit (see the module docstring)."""

    blob: bytes
    offsets: tuple[int, ...]
    sizes: tuple[int, ...]  # RTP packet sizes (header + payload), for UDP and RTCP octet counts

    @property
    def payload_octets(self) -> int:
        return sum(self.sizes) - 12 * len(self.sizes)


def build_template(payloads: list[bytes], payload_type: int) -> Template:
    """Frame ``payloads`` as interleaved RTP packets; the marker bit goes on the last one."""
    parts, offsets, sizes, pos = [], [], [], 0
    for i, payload in enumerate(payloads):
        marker = 0x80 if i == len(payloads) - 1 else 0
        size = 12 + len(payload)
        parts.append(struct.pack(">cBHBBHII", b"$", 0, size, 0x80, marker | payload_type, 0, 0, 0))
        parts.append(payload)
        offsets.append(pos)
        sizes.append(size)
        pos += 4 + size
    return Template(b"".join(parts), tuple(offsets), tuple(sizes))


def render(template: Template, channel: int, seq: int, timestamp: int, ssrc: int) -> bytearray:
    """A client's copy of ``template`` with its channel, sequence numbers (from ``seq``), timestamp and SSRC."""
    buf = bytearray(template.blob)
    pack = _HEADER.pack_into
    for i, off in enumerate(template.offsets):
        buf[off + 1] = channel
        pack(buf, off + 6, (seq + i) & 0xFFFF, timestamp, ssrc)
    return buf


def datagrams(buf: bytearray, template: Template) -> list[memoryview]:
    """The bare RTP packets inside a rendered template, for UDP."""
    view = memoryview(buf)
    return [view[off + 4:off + 4 + size] for off, size in zip(template.offsets, template.sizes)]


def sender_report(ssrc: int, wall: float, timestamp: int, packets: int, octets: int) -> bytes:
    """An RTCP SR (RFC 3550 §6.4.1) mapping RTP ``timestamp`` to wall-clock time ``wall`` (Unix seconds)."""
    ntp = wall + NTP_EPOCH_OFFSET
    seconds = int(ntp)
    fraction = int((ntp - seconds) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack(">BBHIIIIII", 0x80, 200, 6, ssrc, seconds & 0xFFFFFFFF, fraction, timestamp,
                       packets & 0xFFFFFFFF, octets & 0xFFFFFFFF)


def interleave(channel: int, packet: bytes) -> bytes:
    """Frame one packet for RTSP-interleaved TCP (RFC 2326 §10.12)."""
    return struct.pack(">cBH", b"$", channel, len(packet)) + packet
