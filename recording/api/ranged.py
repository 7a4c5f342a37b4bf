"""Byte serving for media answers: one Range, strong ETags, If-None-Match/If-Range, HEAD, streamed files.

`file_response` serves a file on disk in fixed memory (64 KiB reads; an async iterator under ASGI,
because Django turns a sync iterator into one list there), `bytes_response` a generated body and
`spliced_response` literal pieces interleaved with spans of an open file (re-timed fMP4). All
answer a multi-range request with the whole body (RFC 9110 lets a server ignore Range) and an
unsatisfiable one with 416 + `Content-Range: bytes */size` and the JSON error envelope. No
filesystem path ever reaches a header or an error body.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import stat
import unicodedata
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.core.handlers.asgi import ASGIRequest
from django.http import HttpResponse, HttpResponseBase, JsonResponse, StreamingHttpResponse
from django.utils.http import parse_etags, quote_etag

from nvr.api.exceptions import envelope

log = logging.getLogger(__name__)

CHUNK_BYTES = 64 * 1024
DEFAULT_CACHE_CONTROL = "private, max-age=3600"
_RANGE_UNIT = re.compile(r"^\s*bytes\s*=(.*)$", re.IGNORECASE | re.DOTALL)
_FIRST_LAST = re.compile(r"^([0-9]+)-([0-9]*)$")
_SUFFIX = re.compile(r"^-([0-9]+)$")
# Positions past any real file: keeps int() away from Python's 4300-digit limit on huge inputs.
_HUGE = 10**19
_SAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
Piece = bytes | tuple[int, int]  # literal bytes, or (offset, length) of an open file


@dataclass(frozen=True)
class ByteRange:
    """Bytes [start, end] of a body (end inclusive, as in Content-Range)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class _Unsatisfiable:
    """A syntactically valid single range that selects nothing of the body (416)."""


UNSATISFIABLE = _Unsatisfiable()


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return _HUGE if len(digits) > 19 else int(digits)


def parse_range(header: str | None, size: int) -> ByteRange | _Unsatisfiable | None:
    """The single byte range a Range header asks of a body of `size` bytes.

    None means "send the whole body": no header, another unit, a syntax error (RFC 9110 §14.2 says to
    ignore an invalid Range) or several ranges (a server may ignore Range; multipart is not worth it).
    """
    if not header:
        return None
    unit = _RANGE_UNIT.match(header)
    if unit is None:
        return None
    specs = [spec.strip() for spec in unit.group(1).split(",") if spec.strip()]
    if len(specs) != 1:
        return None
    spec = specs[0]
    if (suffix := _SUFFIX.match(spec)) is not None:
        length = _position(suffix.group(1))
        if length == 0 or size == 0:
            return UNSATISFIABLE
        return ByteRange(max(0, size - length), size - 1)
    if (first_last := _FIRST_LAST.match(spec)) is None:
        return None
    first = _position(first_last.group(1))
    last = _position(first_last.group(2)) if first_last.group(2) else None
    if last is not None and last < first:
        return None  # invalid range-spec: ignored, whole body
    if first >= size:
        return UNSATISFIABLE
    return ByteRange(first, size - 1 if last is None else min(last, size - 1))


def make_etag(*parts) -> str:
    """A strong, quoted ETag from the facts that identify a body's bytes (id, size, mtime, …)."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()[:32]
    return f'"{digest}"'


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _none_match(request, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 §13.1.2)."""
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header:
        return False
    tags = parse_etags(header)
    return tags == ["*"] or any(_opaque(tag) == etag for tag in tags)


def _range_applies(request, etag: str) -> bool:
    """If-Range needs a strong match of our ETag; a date or another tag means 'send everything'."""
    if request.method not in ("GET", "HEAD"):
        return False
    header = request.META.get("HTTP_IF_RANGE")
    if header is None:
        return True
    return header.strip() == etag and not etag.startswith("W/")


def safe_filename(filename: str) -> str:
    """An ASCII file name without path parts or quoting hazards (`cam 1/ü.mp4` → `u.mp4`)."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    ascii_name = _SAFE_FILENAME.sub("_", ascii_name).strip("._") or "download"
    return ascii_name[:150]


def content_disposition(filename: str | None, attachment: bool) -> str:
    """`inline`/`attachment` with a safe ASCII `filename` and, when that lost anything, RFC 5987 `filename*`."""
    kind = "attachment" if attachment else "inline"
    if not filename:
        return kind
    name = filename.replace("\\", "/").rsplit("/", 1)[-1][:200]
    fallback = safe_filename(name)
    value = f'{kind}; filename="{fallback}"'
    if fallback != name and name.strip():
        value += f"; filename*=UTF-8''{quote(name, safe='')}"
    return value


@dataclass(frozen=True)
class _Plan:
    """What to answer: status, the slice of the body (None for no body) and the headers."""

    status: int
    body_range: ByteRange | None
    headers: dict[str, str]


def _plan(request, size: int, *, content_type: str, etag: str, filename, attachment, cache_control) -> _Plan | HttpResponse:
    etag = quote_etag(etag)
    common = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": cache_control}
    if _none_match(request, etag):
        return _Plan(304, None, common)
    headers = {**common, "Content-Type": content_type, "X-Content-Type-Options": "nosniff"}
    if filename or attachment:
        headers["Content-Disposition"] = content_disposition(filename, attachment)
    wanted = parse_range(request.META.get("HTTP_RANGE"), size) if _range_applies(request, etag) else None
    if wanted is UNSATISFIABLE:
        response = JsonResponse(envelope(f"range not satisfiable for a body of {size} bytes", "range_not_satisfiable"), status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        response["ETag"] = etag
        return response
    if wanted is None:
        headers["Content-Length"] = str(size)
        return _Plan(200, ByteRange(0, size - 1) if size else None, headers)
    headers["Content-Length"] = str(wanted.length)
    headers["Content-Range"] = wanted.content_range(size)
    return _Plan(206, wanted, headers)


def _finish(response: HttpResponseBase, plan: _Plan) -> HttpResponseBase:
    if plan.status == 304:
        del response["Content-Type"]  # a 304 describes the cached body; Django's text/html default would lie
    for name, value in plan.headers.items():
        response[name] = value
    return response


def media_missing() -> JsonResponse:
    """The 404 envelope for an indexed file that is gone (never the path, never a 500)."""
    return JsonResponse(envelope("media file missing", "media_missing"), status=404)


def open_regular_file(path: Path):
    """(open binary file, its stat) or None when the path is missing or not a regular file.

    Checked before opening: opening a FIFO or device for reading could block the worker.
    """
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None
        handle = open(path, "rb")
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the path
        log.warning("media file cannot be opened (%s)", exc.__class__.__name__)
        return None
    try:
        info = os.fstat(handle.fileno())
    except OSError:
        handle.close()
        return None
    if not stat.S_ISREG(info.st_mode):  # swapped between the two looks
        handle.close()
        return None
    return handle, info


def _file_chunks(handle, span: ByteRange) -> Iterator[bytes]:
    handle.seek(span.start)
    left = span.length
    while left > 0:
        chunk = handle.read(min(CHUNK_BYTES, left))
        if not chunk:
            return  # the file shrank under us: end early rather than pad
        left -= len(chunk)
        yield chunk


def _piece_chunks(handle, pieces: Sequence[Piece], span: ByteRange) -> Iterator[bytes]:
    """The bytes [span] of a body made of literal pieces and (offset, length) spans of `handle`."""
    position = 0
    for piece in pieces:
        length = len(piece) if isinstance(piece, bytes) else piece[1]
        low, high = max(span.start, position), min(span.end + 1, position + length)
        if low < high:
            if isinstance(piece, bytes):
                yield piece[low - position:high - position]
            else:
                yield from _file_chunks(handle, ByteRange(piece[0] + low - position, piece[0] + high - position - 1))
        position += length
        if position > span.end:
            return


def _closing(chunks: Iterator[bytes], handle) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        handle.close()


async def _closing_async(chunks: Iterator[bytes], handle) -> AsyncIterator[bytes]:
    """The same chunks for an ASGI server, each read in a worker thread (the event loop never blocks on disk)."""
    try:
        while (chunk := await asyncio.to_thread(next, chunks, None)) is not None:
            yield chunk
    finally:
        handle.close()


def _is_asgi(request) -> bool:
    return isinstance(getattr(request, "_request", request), ASGIRequest)


def _streamed(request, handle, plan: _Plan, chunks: Iterator[bytes]) -> HttpResponseBase:
    if plan.body_range is None or request.method == "HEAD":
        handle.close()
        return _finish(HttpResponse(status=plan.status), plan)
    content = _closing_async(chunks, handle) if _is_asgi(request) else _closing(chunks, handle)
    response = StreamingHttpResponse(content, status=plan.status)
    response._resource_closers.append(handle.close)  # a client that leaves before the first chunk
    return _finish(response, plan)


def not_modified(request, etag: str, cache_control: str = DEFAULT_CACHE_CONTROL) -> HttpResponse | None:
    """The 304 answer when If-None-Match already holds `etag` (lets a caller skip building the body)."""
    etag = quote_etag(etag)
    if not _none_match(request, etag):
        return None
    return _finish(HttpResponse(status=304), _Plan(304, None, {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": cache_control}))


def file_response(
    request,
    path: Path,
    *,
    content_type: str,
    etag: str,
    filename: str | None = None,
    attachment: bool = False,
    cache_control: str = DEFAULT_CACHE_CONTROL,
) -> HttpResponseBase:
    """Serve a file: 200/206/304/416, or the 404 envelope `media file missing` when it is gone."""
    opened = open_regular_file(Path(path))
    if opened is None:
        return media_missing()
    handle, size = opened[0], opened[1].st_size
    plan = _plan(request, size, content_type=content_type, etag=etag, filename=filename,
                 attachment=attachment, cache_control=cache_control)
    if isinstance(plan, HttpResponseBase):
        handle.close()
        return plan
    chunks = _file_chunks(handle, plan.body_range) if plan.body_range else iter(())
    return _streamed(request, handle, plan, chunks)


def spliced_response(
    request,
    handle,
    pieces: Sequence[Piece],
    *,
    content_type: str,
    etag: str,
    filename: str | None = None,
    attachment: bool = False,
    cache_control: str = DEFAULT_CACHE_CONTROL,
) -> HttpResponseBase:
    """Serve a body made of literal byte pieces and (offset, length) spans of an open file (which it closes)."""
    size = sum(len(piece) if isinstance(piece, bytes) else piece[1] for piece in pieces)
    plan = _plan(request, size, content_type=content_type, etag=etag, filename=filename,
                 attachment=attachment, cache_control=cache_control)
    if isinstance(plan, HttpResponseBase):
        handle.close()
        return plan
    chunks = _piece_chunks(handle, pieces, plan.body_range) if plan.body_range else iter(())
    return _streamed(request, handle, plan, chunks)


def bytes_response(
    request,
    data: bytes,
    *,
    content_type: str,
    etag: str,
    filename: str | None = None,
    attachment: bool = False,
    cache_control: str = DEFAULT_CACHE_CONTROL,
) -> HttpResponseBase:
    """Serve a body generated in memory with the same Range/ETag/HEAD rules as `file_response`."""
    plan = _plan(request, len(data), content_type=content_type, etag=etag, filename=filename,
                 attachment=attachment, cache_control=cache_control)
    if isinstance(plan, HttpResponseBase):
        return plan
    if plan.body_range is None or request.method == "HEAD":
        return _finish(HttpResponse(status=plan.status), plan)
    return _finish(HttpResponse(data[plan.body_range.start:plan.body_range.end + 1], status=plan.status), plan)
