"""RTP packetization: RFC 6184 single NAL / FU-A with the marker on the last packet, RFC 3640 AU headers."""

import base64
import struct

from hypothesis import given
from hypothesis import strategies as st

from cameras.simcam.rtp import (
    aac_fmtp,
    aac_payload,
    build_template,
    datagrams,
    h264_fmtp,
    h264_payloads,
    render,
    sender_report,
    split_annexb,
)
from tests.cameras.simcam.conftest import reassemble

SPS = bytes.fromhex("6742c01eda0280bfe5c044000003000400000300ca3c58ba80")
PPS = bytes.fromhex("68ce3c80")


def test_annexb_split_handles_three_and_four_byte_start_codes():
    stream = b"\x00\x00\x00\x01" + SPS + b"\x00\x00\x01" + PPS + b"\x00\x00\x00\x01\x65\x88\x84"
    assert split_annexb(stream) == [SPS, PPS, b"\x65\x88\x84"]


@given(st.lists(st.binary(min_size=1, max_size=5000).map(lambda b: bytes([0x65]) + b), min_size=1, max_size=4))
def test_h264_payloads_reassemble_to_the_original_nal_units(nals):
    payloads = h264_payloads(nals, max_payload=1400)
    assert all(len(p) <= 1400 for p in payloads)
    assert reassemble(payloads) == nals


def test_fu_a_headers_carry_start_end_and_type():
    nal = bytes([0x65]) + bytes(range(256)) * 20
    payloads = h264_payloads([nal])
    assert len(payloads) > 2
    assert payloads[0][0] == 0x60 | 28 and payloads[0][1] == 0x80 | 5
    assert payloads[-1][1] == 0x40 | 5
    assert all(p[1] == 5 for p in payloads[1:-1])


def test_template_renders_per_client_headers_with_marker_on_last_packet():
    template = build_template([b"a" * 10, b"b" * 20, b"c" * 30], 96)
    buf = render(template, channel=2, seq=65534, timestamp=123456, ssrc=0xDEADBEEF)
    packets = [bytes(p) for p in datagrams(buf, template)]
    assert [len(p) for p in packets] == [22, 32, 42]
    seqs = [struct.unpack(">H", p[2:4])[0] for p in packets]
    assert seqs == [65534, 65535, 0]
    for i, p in enumerate(packets):
        assert p[0] == 0x80
        assert p[1] == (0x80 if i == 2 else 0) | 96
        assert struct.unpack(">II", p[4:12]) == (123456, 0xDEADBEEF)
    offsets = template.offsets
    assert all(buf[o:o + 2] == b"$\x02" for o in offsets)
    assert template.payload_octets == 60


def test_aac_payload_has_one_au_header_with_size():
    payload = aac_payload(b"x" * 300)
    assert payload[:2] == b"\x00\x10"
    assert struct.unpack(">H", payload[2:4])[0] >> 3 == 300
    assert payload[4:] == b"x" * 300


def test_sdp_parameters_describe_the_streams():
    fmtp = h264_fmtp(SPS, PPS)
    assert "profile-level-id=42c01e" in fmtp
    sprop = fmtp.split("sprop-parameter-sets=")[1].split(",")
    assert [base64.b64decode(x) for x in sprop] == [SPS, PPS]
    assert "config=1188" in aac_fmtp(bytes.fromhex("1188"))
    assert "mode=AAC-hbr" in aac_fmtp(b"\x11\x88")


def test_sender_report_maps_rtp_time_to_ntp():
    report = sender_report(0x1234, 1_700_000_000.5, 90000, 10, 1000)
    version, kind, length, ssrc, sec, frac, ts, packets, octets = struct.unpack(">BBHIIIIII", report)
    assert (version, kind, length, ssrc) == (0x80, 200, 6, 0x1234)
    assert sec == 1_700_000_000 + 2208988800 and abs(frac - (1 << 31)) < 10
    assert (ts, packets, octets) == (90000, 10, 1000)
