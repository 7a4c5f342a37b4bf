"""The live tap wire protocol between recorder workers and web processes (pure: no Django, no sockets).

Every message is one frame: a kind byte, a big-endian u32 length, then the payload; the payload is a u32
JSON length, a JSON object (the message's fields) and a binary body (media). The server speaks first with
a random nonce; the client answers with one request whose MAC is HMAC-SHA256 over the nonce, the
operation and the camera id, keyed by a key derived from SECRET_KEY. A stolen request is useless on
another connection (fresh nonce), and the raw SECRET_KEY never leaves the process.

Server → client after a `subscribe`: INIT (fields: codec, codec_string, width, height; body: ftyp+moov),
FRAGMENT (fields: key; body: one or more moof+mdat, the first one a keyframe when key is true), OFFLINE
(fields: reason, message) while the camera is not connected, END when the camera left this worker.
After `keyframe`: KEYFRAME (fields: codec, width, height, captured_at, extradata_size; body: extradata
then the access unit) or ERROR. After `stats`: STATS (diagnostics: subscribers per camera).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import struct
from dataclasses import dataclass, field
from datetime import datetime, timezone

HELLO = b"H"
REQUEST = b"R"
ERROR = b"E"
INIT = b"I"
FRAGMENT = b"F"
OFFLINE = b"O"
END = b"X"
KEYFRAME = b"K"
STATS = b"S"
KINDS = frozenset({HELLO, REQUEST, ERROR, INIT, FRAGMENT, OFFLINE, END, KEYFRAME, STATS})
OPERATIONS = ("subscribe", "keyframe", "stats")

MAX_FRAME = 64 * 1024 * 1024  # a 4K keyframe is a few MB; anything near this is garbage or an attack
MAX_REQUEST = 4096            # what an unauthenticated peer may make the tap read
NONCE_BYTES = 16
_HEADER = struct.Struct(">cI")
_U32 = struct.Struct(">I")
HEADER_SIZE = _HEADER.size


class ProtocolError(Exception):
    """The peer sent something that is not a valid frame (or not the one expected)."""


@dataclass(frozen=True)
class Frame:
    kind: bytes
    fields: dict = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True)
class Keyframe:
    """The latest keyframe of a camera as the recorder demuxed it (decodable with `extradata` set)."""

    codec: str  # PyAV decoder name: "h264" or "hevc"
    extradata: bytes | None
    width: int
    height: int
    data: bytes
    captured_at: datetime  # UTC


def encode(kind: bytes, fields: dict | None = None, body: bytes = b"") -> bytes:
    """One frame on the wire."""
    meta = json.dumps(fields or {}, separators=(",", ":")).encode()
    payload_size = _U32.size + len(meta) + len(body)
    if payload_size > MAX_FRAME:
        raise ProtocolError(f"frame of {payload_size} bytes is over the limit")
    return b"".join((_HEADER.pack(kind, payload_size), _U32.pack(len(meta)), meta, body))


def parse_header(header: bytes, limit: int = MAX_FRAME) -> tuple[bytes, int]:
    """(kind, payload size) of a frame header; refuses unknown kinds and frames over `limit`."""
    kind, size = _HEADER.unpack(header)
    if kind not in KINDS:
        raise ProtocolError(f"unknown frame kind {kind!r}")
    if size < _U32.size or size > limit:
        raise ProtocolError(f"bad frame size {size}")
    return kind, size


def parse_payload(kind: bytes, payload: bytes) -> Frame:
    (meta_size,) = _U32.unpack_from(payload)
    end = _U32.size + meta_size
    if end > len(payload):
        raise ProtocolError("frame fields run past the frame")
    try:
        fields = json.loads(payload[_U32.size:end]) if meta_size else {}
    except (UnicodeDecodeError, ValueError) as exc:
        raise ProtocolError(f"frame fields are not JSON: {exc}") from None
    if not isinstance(fields, dict):
        raise ProtocolError("frame fields are not an object")
    return Frame(kind, fields, payload[end:])


def decode(data: bytes) -> tuple[Frame | None, int]:
    """The first complete frame in `data` and how many bytes it used, or (None, 0) when more is needed."""
    if len(data) < HEADER_SIZE:
        return None, 0
    kind, size = parse_header(data[:HEADER_SIZE])
    end = HEADER_SIZE + size
    if len(data) < end:
        return None, 0
    return parse_payload(kind, data[HEADER_SIZE:end]), end


async def read_frame(reader, limit: int = MAX_FRAME) -> Frame:
    """Read one frame from an asyncio StreamReader (IncompleteReadError at end of stream)."""
    kind, size = parse_header(await reader.readexactly(HEADER_SIZE), limit)
    return parse_payload(kind, await reader.readexactly(size))


def read_frame_sync(sock) -> Frame:
    """Read one frame from a blocking socket (its timeout applies to each recv)."""
    kind, size = parse_header(_recv_exactly(sock, HEADER_SIZE))
    return parse_payload(kind, _recv_exactly(sock, size))


def _recv_exactly(sock, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the live tap closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --- authentication -------------------------------------------------------------------------------


def tap_key(secret_key: str) -> bytes:
    """The tap's own key, derived from SECRET_KEY (so the raw secret is never used as a MAC key)."""
    return hmac.new(secret_key.encode(), b"nvr.recording.live-tap.v1", hashlib.sha256).digest()


def new_nonce() -> bytes:
    return os.urandom(NONCE_BYTES)


def request_mac(key: bytes, nonce: bytes, op: str, camera_id: str) -> str:
    message = b"\0".join((nonce, op.encode(), camera_id.encode()))
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def request_frame(key: bytes, nonce: bytes, op: str, camera_id: str = "") -> bytes:
    return encode(REQUEST, {"op": op, "camera": camera_id, "mac": request_mac(key, nonce, op, camera_id)})


def check_request(key: bytes, nonce: bytes, frame: Frame) -> tuple[str, str]:
    """(op, camera_id) of an authentic request; ProtocolError for anything else."""
    if frame.kind != REQUEST:
        raise ProtocolError("expected a request")
    op, camera_id, mac = (frame.fields.get(name) for name in ("op", "camera", "mac"))
    if op not in OPERATIONS or not isinstance(camera_id, str) or not isinstance(mac, str):
        raise ProtocolError("malformed request")
    if not hmac.compare_digest(mac, request_mac(key, nonce, op, camera_id)):
        raise ProtocolError("bad request MAC")
    return op, camera_id


# --- keyframes --------------------------------------------------------------------------------------


def keyframe_frame(keyframe: Keyframe) -> bytes:
    extradata = keyframe.extradata or b""
    return encode(KEYFRAME, {
        "codec": keyframe.codec, "width": keyframe.width, "height": keyframe.height,
        "captured_at": keyframe.captured_at.timestamp(), "extradata_size": len(extradata),
    }, extradata + keyframe.data)


def keyframe_of(frame: Frame) -> Keyframe:
    fields = frame.fields
    try:
        split = int(fields["extradata_size"])
        if not 0 <= split <= len(frame.body):
            raise ValueError("extradata size out of range")
        return Keyframe(
            codec=str(fields["codec"]), extradata=frame.body[:split] or None, width=int(fields["width"]),
            height=int(fields["height"]), data=frame.body[split:],
            captured_at=datetime.fromtimestamp(float(fields["captured_at"]), timezone.utc),
        )
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        raise ProtocolError(f"malformed keyframe: {exc}") from None
