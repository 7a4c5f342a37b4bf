"""The live tap wire protocol: framing, the challenge-response MAC, keyframe messages."""

from __future__ import annotations

import asyncio
import socket
from datetime import datetime, timezone

import pytest

from recording.live import protocol
from recording.live.protocol import Keyframe, ProtocolError


def test_frames_round_trip_with_fields_and_binary_body():
    wire = protocol.encode(protocol.INIT, {"codec": "h264", "width": 640}, b"\x00ftyp\xff")
    frame, used = protocol.decode(wire + b"rest")
    assert used == len(wire)
    assert frame == protocol.Frame(protocol.INIT, {"codec": "h264", "width": 640}, b"\x00ftyp\xff")


def test_a_partial_frame_asks_for_more_bytes():
    wire = protocol.encode(protocol.FRAGMENT, {"key": True}, bytes(1000))
    for cut in (0, 3, protocol.HEADER_SIZE, len(wire) - 1):
        assert protocol.decode(wire[:cut]) == (None, 0)


@pytest.mark.parametrize("header", [b"Z\x00\x00\x00\x10", b"F\xff\xff\xff\xff", b"F\x00\x00\x00\x01"])
def test_unknown_kinds_and_absurd_sizes_are_refused(header):
    with pytest.raises(ProtocolError):
        protocol.decode(header + bytes(32))


def test_fields_that_are_not_a_json_object_are_refused():
    payload = (5).to_bytes(4, "big") + b"[1,2]"
    with pytest.raises(ProtocolError):
        protocol.decode(b"O" + len(payload).to_bytes(4, "big") + payload)
    payload = (50).to_bytes(4, "big") + b"{}"
    with pytest.raises(ProtocolError):
        protocol.decode(b"O" + len(payload).to_bytes(4, "big") + payload)


def test_request_mac_binds_the_nonce_the_operation_and_the_camera():
    key, nonce = protocol.tap_key("x" * 50), protocol.new_nonce()
    request, _ = protocol.decode(protocol.request_frame(key, nonce, "subscribe", "gate"))
    assert protocol.check_request(key, nonce, request) == ("subscribe", "gate")
    with pytest.raises(ProtocolError):
        protocol.check_request(key, protocol.new_nonce(), request)  # replayed on another connection
    with pytest.raises(ProtocolError):
        protocol.check_request(protocol.tap_key("y" * 50), nonce, request)  # another installation's key
    forged = protocol.Frame(protocol.REQUEST, {**request.fields, "camera": "door"})
    with pytest.raises(ProtocolError):
        protocol.check_request(key, nonce, forged)
    unknown = protocol.Frame(protocol.REQUEST, {**request.fields, "op": "shutdown"})
    with pytest.raises(ProtocolError):
        protocol.check_request(key, nonce, unknown)


def test_the_tap_key_is_derived_not_the_secret_itself():
    secret = "s" * 50
    assert protocol.tap_key(secret) != secret.encode()
    assert protocol.tap_key(secret) == protocol.tap_key(secret) != protocol.tap_key(secret + "!")


def test_keyframe_round_trips_with_and_without_extradata():
    at = datetime(2026, 6, 15, 12, 0, 0, 250000, tzinfo=timezone.utc)
    for extradata in (b"\x00\x00\x00\x01\x67sps", None):
        keyframe = Keyframe("h264", extradata, 1920, 1080, b"\x00\x00\x00\x01\x65idr", at)
        frame, _ = protocol.decode(protocol.keyframe_frame(keyframe))
        assert protocol.keyframe_of(frame) == keyframe


def test_a_keyframe_with_a_lying_extradata_size_is_refused():
    frame = protocol.Frame(protocol.KEYFRAME, {"codec": "h264", "width": 1, "height": 1, "captured_at": 0,
                                              "extradata_size": 99}, b"short")
    with pytest.raises(ProtocolError):
        protocol.keyframe_of(frame)


def test_sync_and_async_readers_read_the_same_frames():
    frames = [protocol.encode(protocol.HELLO, {"v": 1}, b"n" * 16),
              protocol.encode(protocol.FRAGMENT, {}, bytes(70000))]
    left, right = socket.socketpair()
    with left, right:
        left.sendall(b"".join(frames))
        right.settimeout(5)
        assert [protocol.read_frame_sync(right) for _ in frames] == [protocol.decode(f)[0] for f in frames]

    async def read_all():
        reader = asyncio.StreamReader()
        reader.feed_data(b"".join(frames))
        reader.feed_eof()
        return [await protocol.read_frame(reader) for _ in frames]

    assert asyncio.run(read_all()) == [protocol.decode(f)[0] for f in frames]
