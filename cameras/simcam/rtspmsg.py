"""RTSP/1.0 message parsing and formatting (RFC 2326), free of I/O so garbage can be fuzzed cheaply."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
METHODS = ("OPTIONS", "DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER", "SET_PARAMETER")
REASONS = {
    200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
    454: "Session Not Found", 455: "Method Not Valid in This State", 459: "Aggregate Operation Not Allowed",
    461: "Unsupported Transport", 500: "Internal Server Error", 501: "Not Implemented",
    505: "RTSP Version Not Supported", 551: "Option not supported",
}
_TOKEN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


class BadRequest(Exception):
    """The bytes cannot be understood as an RTSP request; the connection cannot be trusted further."""


@dataclass
class Request:
    """One parsed RTSP request."""

    method: str
    url: str
    version: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    @property
    def path(self) -> str:
        """The URL path without a trailing slash ("" for the root)."""
        return urlsplit(self.url).path.rstrip("/") if "://" in self.url else self.url.rstrip("/")


def parse_head(head: bytes) -> Request:
    """Parse a request line and headers (up to and including the blank line)."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("request is not UTF-8") from exc
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN.match(parts[0]) or not parts[2].startswith("RTSP/") or not parts[1]:
        raise BadRequest("malformed request line")
    request = Request(parts[0], parts[1], parts[2])
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not _TOKEN.match(name.strip()):
            raise BadRequest("malformed header line")
        request.headers[name.strip().lower()] = value.strip()
    return request


def content_length(request: Request) -> int:
    """The declared body size, validated."""
    raw = request.header("content-length", "0")
    if not raw.isdigit():
        raise BadRequest("bad Content-Length")
    size = int(raw)
    if size > MAX_BODY:
        raise BadRequest("body too large")
    return size


def response(status: int, cseq: str | None, headers: list[tuple[str, str]] = (), body: bytes = b"") -> bytes:
    """Format one RTSP response."""
    lines = [f"RTSP/1.0 {status} {REASONS.get(status, 'Error')}"]
    if cseq is not None:
        lines.append(f"CSeq: {cseq}")
    lines.append("Server: nvr-simcam")
    lines += [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(frozen=True)
class TransportSpec:
    """One alternative of a SETUP ``Transport`` header that we can serve."""

    tcp: bool
    interleaved: tuple[int, int] | None = None
    client_port: tuple[int, int] | None = None


def _pair(value: str) -> tuple[int, int] | None:
    first, _, second = value.partition("-")
    if not first.isdigit() or (second and not second.isdigit()):
        return None
    a = int(first)
    b = int(second) if second else a + 1
    return (a, b) if a <= 65535 and b <= 65535 else None


def parse_transport(value: str) -> TransportSpec | None:
    """The first alternative we support (unicast RTP over interleaved TCP or UDP), or None."""
    for alternative in value.split(","):
        params = [p.strip() for p in alternative.split(";")]
        proto = params[0].upper()
        if proto not in ("RTP/AVP", "RTP/AVP/UDP", "RTP/AVP/TCP") or "multicast" in params:
            continue
        options = dict(p.partition("=")[::2] for p in params[1:])
        if proto == "RTP/AVP/TCP":
            channels = _pair(options["interleaved"]) if "interleaved" in options else None
            if "interleaved" in options and (channels is None or max(channels) > 255):
                continue
            return TransportSpec(tcp=True, interleaved=channels)
        ports = _pair(options.get("client_port", ""))
        if ports is not None and min(ports) > 0:
            return TransportSpec(tcp=False, client_port=ports)
    return None
