"""The live fMP4 muxer: MSE-ready init segments, one decodable fragment per frame, RFC 6381 codec strings."""

from __future__ import annotations

import struct

import pytest

from recording.live.muxer import (
    FragmentWriter,
    avc_codec_string,
    build_init,
    find_box,
    hevc_codec_string,
    length_prefixed,
    parameter_sets,
    split_annexb,
)
from tests.recording.live.media import box_kinds, decoded_frames, demuxed, encoded_stream, fragment_fields


@pytest.fixture(scope="module")
def h264():
    return encoded_stream("libx264", frames=50)


@pytest.fixture(scope="module")
def hevc():
    return encoded_stream("libx265", frames=30)


def live_output(data: bytes):
    """Mux a demuxed stream like the live feed does: init at the first keyframe, then a fragment per frame."""
    container, video, packets = demuxed(data)
    first = next(i for i, packet in enumerate(packets) if packet.is_keyframe)
    init = build_init(video, bytes(packets[first]))
    writer = FragmentWriter(init, video.time_base, video.average_rate)
    fragments = [writer.fragment(bytes(p), p.pts, p.dts, p.is_keyframe) for p in packets[first:]]
    container.close()
    return init, fragments


def test_avc_codec_string_is_profile_constraints_and_level_in_hex():
    assert avc_codec_string(bytes([1, 0x64, 0x00, 0x1F, 0xFF])) == "avc1.64001f"
    assert avc_codec_string(bytes([1, 0x42, 0xC0, 0x1E, 0xFF])) == "avc1.42c01e"


def test_hevc_codec_string_follows_iso_14496_15_annex_e():
    # Main profile (1), compatibility flags 0x60000000 (bits 1 and 2 → reversed 0x6), tier Main, level 93 (3.1),
    # constraint flags B0 00 00 00 00 00 (trailing zero bytes dropped).
    record = bytes([1, 0x01, 0x60, 0, 0, 0, 0xB0, 0, 0, 0, 0, 0, 93]) + bytes(10)
    assert hevc_codec_string(record) == "hvc1.1.6.L93.B0"
    high_tier_main10 = bytes([1, 0x22, 0x20, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 120]) + bytes(10)
    assert hevc_codec_string(high_tier_main10, "hev1") == "hev1.2.4.H120.90"


def test_annexb_access_unit_becomes_length_prefixed_nal_units():
    unit = b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x01\x65\x88\x84\x00" + b"\x00\x00\x01\x06\x05"
    assert split_annexb(unit) == [b"\x09\xf0", b"\x65\x88\x84", b"\x06\x05"]
    assert length_prefixed(unit) == b"\x00\x00\x00\x02\x09\xf0\x00\x00\x00\x03\x65\x88\x84\x00\x00\x00\x02\x06\x05"


def test_parameter_sets_are_taken_from_an_in_band_keyframe():
    sps, pps, idr = b"\x67\x42\xc0\x1e", b"\x68\xce\x3c\x80", b"\x65\x88\x84"
    keyframe = b"".join(b"\x00\x00\x00\x01" + unit for unit in (sps, pps, idr))
    assert parameter_sets("h264", keyframe) == b"\x00\x00\x00\x01" + sps + b"\x00\x00\x00\x01" + pps


def test_init_segment_is_an_mse_init_with_mvex_and_no_samples(h264):
    init, _ = live_output(h264)
    assert box_kinds(init.data) == ["ftyp", "moov"]
    find_box(init.data, [b"moov", b"mvex", b"trex"])  # fragmented: without mvex MSE refuses the moof boxes
    start, _ = find_box(init.data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsz"])
    assert struct.unpack_from(">I", init.data, start + 8)[0] == 0  # no samples in the moov
    assert init.codec == "h264" and init.codec_string.startswith("avc1.42")  # x264 ultrafast: baseline
    assert init.mime == f'video/mp4; codecs="{init.codec_string}"'
    assert (init.width, init.height, init.timescale) == (320, 240, 90000)


def test_every_frame_is_one_moof_mdat_and_the_stream_decodes(h264):
    init, fragments = live_output(h264)
    assert all(box_kinds(fragment) == ["moof", "mdat"] for fragment in fragments)
    first_time, first_is_sync, count = fragment_fields(fragments[0])
    assert (first_time, first_is_sync, count) == (0, True, 1)
    times = [fragment_fields(fragment)[0] for fragment in fragments]
    assert times == [index * 3600 for index in range(len(fragments))]  # 25 fps at 90 kHz, from 0
    syncs = [index for index, fragment in enumerate(fragments) if fragment_fields(fragment)[1]]
    assert syncs == [0, 25]
    assert decoded_frames(init.data + b"".join(fragments)) == len(fragments) == 50


def test_a_late_joiner_can_start_from_any_keyframe(h264):
    init, fragments = live_output(h264)
    assert decoded_frames(init.data + b"".join(fragments[25:])) == 25


def test_a_camera_clock_jump_keeps_the_live_timeline_going(h264):
    container, video, packets = demuxed(h264)
    init = build_init(video, bytes(packets[0]))
    writer = FragmentWriter(init, video.time_base, video.average_rate)
    times = []
    for index, packet in enumerate(packets[:10]):
        dts = packet.dts - (10 * 90000 if index >= 5 else 0)  # the camera's clock steps back 10 s
        times.append(fragment_fields(writer.fragment(bytes(packet), dts, dts, packet.is_keyframe))[0])
    container.close()
    assert times == [index * 3600 for index in range(10)]


def test_h265_is_tagged_hvc1_with_its_codec_string_and_decodes(hevc):
    init, fragments = live_output(hevc)
    find_box(init.data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    assert b"hvc1" in init.data and b"hev1" not in init.data
    assert init.codec == "hevc" and init.codec_string.startswith("hvc1.1.6.L")
    assert decoded_frames(init.data + b"".join(fragments)) == len(fragments)


def test_parameter_sets_missing_from_the_sdp_come_from_the_keyframe(h264):
    other = encoded_stream("libx264", frames=1, size=(640, 480))  # a different SPS, to see which one is used
    container, video, _ = demuxed(h264)
    other_container, _, other_packets = demuxed(other)
    keyframe = bytes(other_packets[0])
    video.codec_context.extradata = None  # as when the camera's SDP carries no sprop-parameter-sets
    init = build_init(video, keyframe)
    container.close()
    other_container.close()
    start, end = find_box(init.data, [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd"])
    sps = next(unit for unit in split_annexb(keyframe) if unit[0] & 0x1F == 7)
    assert sps in init.data[start:end]
