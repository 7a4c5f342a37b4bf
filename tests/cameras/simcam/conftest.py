"""Simulated-camera fixtures: a running camera on a free port, a raw RTSP client and a PyAV frame reader."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

import av
import av.logging
import pytest

from cameras.simcam import BackgroundSimCam, MountSpec, SimCamOptions, decode_timecode, read_text

SMALL = {"width": 320, "height": 180, "bitrate": 300_000}


@pytest.fixture(scope="session")
def clip_cache(tmp_path_factory):
    """One clip cache for the whole run, so each small clip is generated once."""
    return tmp_path_factory.mktemp("simcam-cache")


@pytest.fixture
def start_simcam(clip_cache):
    """Start a camera with the given mounts on a free port; stopped after the test."""
    running = []

    def start(*mounts: MountSpec, **options) -> BackgroundSimCam:
        cam = BackgroundSimCam(SimCamOptions(mounts=list(mounts), cache_dir=clip_cache, port=0, **options)).start()
        running.append(cam)
        return cam

    yield start
    for cam in running:
        cam.stop()


class RawRtsp:
    """A bare-socket RTSP client that speaks exactly the bytes a test gives it."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = b""
        self.cseq = 0

    def close(self):
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        self.cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self.cseq}"] + [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.response()

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self.buffer += chunk

    def response(self) -> tuple[int, dict, bytes]:
        """The next RTSP response (interleaved packets before it are skipped)."""
        while True:
            if self.buffer.startswith(b"$"):
                self.packet()
            elif b"\r\n\r\n" in self.buffer:
                break
            else:
                self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.setdefault(name.strip().lower(), []).append(value.strip())
        size = int(headers.get("content-length", ["0"])[0])
        while len(rest) < size:
            self._fill()
            rest = self.buffer.partition(b"\r\n\r\n")[2]
        self.buffer = rest[size:]
        return int(lines[0].split(" ")[1]), headers, rest[:size]

    def packet(self) -> tuple[int, bytes]:
        """The next interleaved packet: (channel, RTP or RTCP bytes)."""
        while len(self.buffer) < 4 or len(self.buffer) < 4 + int.from_bytes(self.buffer[2:4], "big"):
            self._fill()
        assert self.buffer[0:1] == b"$", self.buffer[:40]
        size = int.from_bytes(self.buffer[2:4], "big")
        channel, data = self.buffer[1], self.buffer[4:4 + size]
        self.buffer = self.buffer[4 + size:]
        return channel, data


@pytest.fixture
def raw_client():
    clients = []

    def connect(port: int) -> RawRtsp:
        client = RawRtsp(port)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()


@dataclass
class Decoded:
    """What a reader saw in one decoded video frame."""

    pts: int | None
    code: int | None
    text: str | None
    corrupt: bool
    received_ms: float


@dataclass
class Reading:
    frames: list[Decoded]
    audio_frames: int
    errors: list[str]
    stream_types: list[str]


def read_stream(url: str, frames: int, transport: str = "tcp", pattern: str = "000000") -> Reading:
    """Open ``url`` with PyAV, decode ``frames`` video frames (and any audio), note ffmpeg errors."""
    seen, audio, errors = [], 0, []
    av.logging.set_level(av.logging.WARNING)
    try:
        with av.logging.Capture(local=True) as logs:
            with av.open(url, options={"rtsp_transport": transport, "timeout": "5000000"}) as container:
                types = [s.type for s in container.streams]
                for packet in container.demux():
                    for frame in packet.decode():
                        if isinstance(frame, av.AudioFrame):
                            audio += 1
                            continue
                        luma = bytes(frame.planes[0])
                        seen.append(Decoded(frame.pts, decode_timecode(luma, frame.width, frame.height),
                                            read_text(luma, frame.width, frame.height, pattern), frame.is_corrupt,
                                            time.time() * 1000))
                    if len(seen) >= frames:
                        break
        errors = [message for level, _name, message in logs if level <= av.logging.ERROR]
    finally:
        av.logging.set_level(None)
    return Reading(seen, audio, errors, types)


def reassemble(payloads: list[bytes]) -> list[bytes]:
    """A receiver's view of H.264 RTP payloads (RFC 6184 §5.8): FU-A fragments glued back into NAL units."""
    nals, current = [], None
    for p in payloads:
        if p[0] & 0x1F != 28:
            nals.append(bytes(p))
            continue
        if p[1] & 0x80:
            current = bytearray([(p[0] & 0xE0) | (p[1] & 0x1F)])
        current += p[2:]
        if p[1] & 0x40:
            nals.append(bytes(current))
    return nals


def template_payloads(template) -> list[bytes]:
    """The RTP payloads inside a pre-framed template (after the 4-byte interleave and 12-byte RTP headers)."""
    return [template.blob[off + 16:off + 4 + size] for off, size in zip(template.offsets, template.sizes)]


def clip(path: str = "/clip", **kwargs) -> MountSpec:
    """A small looped-clip mount (2 s unless told otherwise)."""
    return MountSpec(path, "clip", **{**SMALL, "duration": 2, **kwargs})
