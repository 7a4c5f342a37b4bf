"""The small HTTP/1.1 server under the simulated ONVIF device: keep-alive, Content-Length bodies, asyncio only.

One task per connection; a request is handed to an async handler and its answer written back. Anything
that is not a well-formed request (bad request line, oversized head or body, chunked body) gets a 400
and the connection is closed. ``stop()`` cancels handlers still waiting (a long PullMessages).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

MAX_HEAD = 16 * 1024
MAX_BODY = 1024 * 1024
IDLE_TIMEOUT_S = 120.0


class BadHttpRequest(Exception):
    """The bytes are not an HTTP/1.x request this server accepts."""


@dataclass
class HttpRequest:
    method: str
    target: str
    headers: dict[str, str]  # lower-case names; a repeated header keeps its last value
    body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.target).query).items()}

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class HttpResponse:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def encode(self, keep_alive: bool) -> bytes:
        lines = [f"HTTP/1.1 {self.status} {HTTPStatus(self.status).phrase}", "Server: nvr-simcam",
                 f"Content-Length: {len(self.body)}", f"Connection: {'keep-alive' if keep_alive else 'close'}"]
        if self.body:
            lines.append(f"Content-Type: {self.content_type}")
        lines += [f"{name}: {value}" for name, value in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


Handler = Callable[[HttpRequest], Awaitable[HttpResponse]]


def parse_head(head: bytes) -> tuple[HttpRequest, bool]:
    """The request (body still empty) and whether the client wants the connection kept open."""
    try:
        lines = head.decode("latin-1").split("\r\n")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes every byte
        raise BadHttpRequest("undecodable head") from None
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[0].isalpha() or not parts[2].startswith("HTTP/1.") or not parts[1].startswith("/"):
        raise BadHttpRequest("malformed request line")
    headers = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip() or " " in name.strip():
            raise BadHttpRequest("malformed header line")
        headers[name.strip().lower()] = value.strip()
    connection = headers.get("connection", "").lower()
    keep_alive = "close" not in connection if parts[2] == "HTTP/1.1" else "keep-alive" in connection
    return HttpRequest(parts[0].upper(), parts[1], headers), keep_alive


class HttpServer:
    """Serves ``handler`` on host:port (0 picks a free port)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0):
        self.handler, self.host, self.port = handler, host, port
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, self.host, self.port, limit=MAX_HEAD)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_TIMEOUT_S)
                request, keep_alive = parse_head(head)
                request.body = await self._read_body(reader, request)
            except (asyncio.LimitOverrunError, BadHttpRequest, ValueError) as exc:
                writer.write(HttpResponse(400, f"bad request: {exc}\n".encode()).encode(keep_alive=False))
                await writer.drain()
                return
            try:
                response = await self.handler(request)
            except Exception:  # a bug in one operation must not take the listener down
                log.exception("simcam ONVIF: %s %s failed", request.method, request.path)
                response = HttpResponse(500, b"internal error\n")
            writer.write(response.encode(keep_alive))
            await writer.drain()
            if not keep_alive:
                return

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, request: HttpRequest) -> bytes:
        if "chunked" in (request.header("transfer-encoding") or "").lower():
            raise BadHttpRequest("chunked request bodies are not accepted")
        length = int(request.header("content-length") or 0)
        if not 0 <= length <= MAX_BODY:
            raise BadHttpRequest("body too large")
        return await reader.readexactly(length) if length else b""
