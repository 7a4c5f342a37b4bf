"""Byte serving: Range, ETag, If-None-Match, If-Range, HEAD, missing files, Content-Disposition, streaming."""

from __future__ import annotations

import asyncio
import json
import re

import pytest
from django.test import AsyncRequestFactory, RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from recording.api.ranged import (
    CHUNK_BYTES,
    UNSATISFIABLE,
    ByteRange,
    bytes_response,
    content_disposition,
    file_response,
    make_etag,
    not_modified,
    parse_range,
    safe_filename,
    spliced_response,
)

DATA = bytes(range(256)) * 1000  # 256 000 bytes, every offset distinguishable modulo 256
ETAG = make_etag("seg_1", len(DATA), 123)
rf = RequestFactory()


@pytest.fixture
def media(tmp_path):
    path = tmp_path / "secret-dir" / "clip.mp4"
    path.parent.mkdir()
    path.write_bytes(DATA)
    return path


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def get(path, method="get", **headers):
    return getattr(rf, method)("/x", **{f"HTTP_{k.upper()}": v for k, v in headers.items()})


def serve(media, method="get", **headers):
    return file_response(get(media, method, **headers), media, content_type="video/mp4", etag=ETAG)


# --- parse_range (pure) ----------------------------------------------------------------------------

@pytest.mark.parametrize("header, expected", [
    ("bytes=0-99", ByteRange(0, 99)),
    ("bytes=100-", ByteRange(100, 999)),
    ("bytes=-10", ByteRange(990, 999)),
    ("bytes=-5000", ByteRange(0, 999)),
    ("bytes=990-5000", ByteRange(990, 999)),
    ("BYTES = 5-5", ByteRange(5, 5)),
    ("bytes=0-0", ByteRange(0, 0)),
    ("bytes=999-", ByteRange(999, 999)),
    ("bytes=007-0009", ByteRange(7, 9)),
    ("bytes=0-99999999999999999999999999999999999", ByteRange(0, 999)),
])
def test_single_ranges_are_resolved_against_the_size(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000", "bytes=-0", "bytes=" + "9" * 5000 + "-"])
def test_ranges_past_the_end_are_unsatisfiable(header):
    assert parse_range(header, 1000) is UNSATISFIABLE


@pytest.mark.parametrize("header", [
    None, "", "bytes", "bytes=", "items=0-5", "bytes=5-1", "bytes=a-b", "bytes=--5", "bytes=1-2-3",
    "bytes=0-1,5-6", "bytes=0-1, -5", "bytes= 0 - 5", "bytes=+1-2", "bytes=٣-٤",
])
def test_invalid_unknown_or_multiple_ranges_mean_the_whole_body(header):
    assert parse_range(header, 1000) is None


def test_any_range_of_an_empty_body_is_unsatisfiable():
    assert parse_range("bytes=0-", 0) is UNSATISFIABLE
    assert parse_range("bytes=-1", 0) is UNSATISFIABLE


# --- file_response ---------------------------------------------------------------------------------

def test_whole_file_is_streamed_with_validators(media):
    response = serve(media)
    assert response.status_code == 200 and response.streaming
    assert body_of(response) == DATA
    assert response["Content-Length"] == str(len(DATA))
    assert (response["Accept-Ranges"], response["ETag"], response["Content-Type"]) == ("bytes", ETAG, "video/mp4")
    assert response["Cache-Control"] == "private, max-age=3600"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_range_request_gets_206_with_content_range(media):
    response = serve(media, range="bytes=1000-1999")
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes 1000-1999/{len(DATA)}"
    assert response["Content-Length"] == "1000"
    assert body_of(response) == DATA[1000:2000]


def test_suffix_and_open_ranges(media):
    assert body_of(serve(media, range="bytes=-7")) == DATA[-7:]
    response = serve(media, range="bytes=255990-")
    assert (response.status_code, body_of(response)) == (206, DATA[255990:])


def test_unsatisfiable_range_is_416_envelope_with_size(media):
    response = serve(media, range=f"bytes={len(DATA)}-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(DATA)}"
    body = json.loads(response.content)
    assert body["code"] == "range_not_satisfiable" and set(body) == {"error", "code"}


def test_multi_range_request_gets_the_whole_body(media):
    response = serve(media, range="bytes=0-1,10-20")
    assert response.status_code == 200 and body_of(response) == DATA


def test_matching_if_none_match_is_304_without_body(media):
    for header in (ETAG, f"W/{ETAG}", f'"other", {ETAG}', "*"):
        response = serve(media, if_none_match=header)
        assert response.status_code == 304, header
        assert body_of(response) == b"" and response["ETag"] == ETAG
        assert "Content-Type" not in response


def test_other_if_none_match_gets_the_body(media):
    response = serve(media, if_none_match='"stale"')
    assert response.status_code == 200 and body_of(response) == DATA


def test_if_range_with_current_etag_honours_the_range(media):
    response = serve(media, range="bytes=0-9", if_range=ETAG)
    assert (response.status_code, body_of(response)) == (206, DATA[:10])


@pytest.mark.parametrize("if_range", ['"stale"', f"W/{ETAG}", "Wed, 21 Oct 2015 07:28:00 GMT", ""])
def test_if_range_mismatch_sends_the_whole_body(media, if_range):
    response = serve(media, range="bytes=0-9", if_range=if_range)
    assert (response.status_code, body_of(response)) == (200, DATA)


def test_head_has_the_headers_and_no_body(media):
    response = serve(media, "head")
    assert response.status_code == 200 and response.content == b""
    assert response["Content-Length"] == str(len(DATA))
    ranged = serve(media, "head", range="bytes=10-19")
    assert (ranged.status_code, ranged["Content-Length"], ranged["Content-Range"]) == (206, "10", f"bytes 10-19/{len(DATA)}")


def test_missing_file_is_a_404_envelope_without_the_path(tmp_path):
    path = tmp_path / "secret-dir" / "gone.mp4"
    response = file_response(get(path), path, content_type="video/mp4", etag=ETAG)
    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "media file missing", "code": "media_missing"}
    assert "secret-dir" not in str(response.serialize())


def test_a_directory_in_place_of_the_file_is_missing_too(tmp_path):
    response = file_response(get(tmp_path), tmp_path, content_type="video/mp4", etag=ETAG)
    assert response.status_code == 404


def test_no_header_carries_the_filesystem_path(media):
    for response in (serve(media), serve(media, range="bytes=0-1"), serve(media, range="bytes=99999999-")):
        assert "secret-dir" not in response.serialize_headers().decode()


def test_body_is_read_in_bounded_chunks(media):
    chunks = list(serve(media).streaming_content)
    assert len(chunks) == -(-len(DATA) // CHUNK_BYTES) and max(map(len, chunks)) <= CHUNK_BYTES


def test_asgi_requests_get_an_async_stream(media):
    request = AsyncRequestFactory().get("/x", headers={"Range": "bytes=5-70004"})
    response = file_response(request, media, content_type="video/mp4", etag=ETAG)
    assert response.is_async

    async def collect():
        return b"".join([chunk async for chunk in response.streaming_content])

    assert asyncio.run(collect()) == DATA[5:70005]


def test_empty_file_is_served_empty(tmp_path):
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    response = file_response(get(path), path, content_type="video/mp4", etag=ETAG)
    assert (response.status_code, response["Content-Length"], body_of(response)) == (200, "0", b"")


# --- Content-Disposition ---------------------------------------------------------------------------

def test_attachment_disposition_with_plain_name(media):
    response = file_response(get(media), media, content_type="video/mp4", etag=ETAG, filename="cam1_20260615T120000Z.mp4",
                             attachment=True)
    assert response["Content-Disposition"] == 'attachment; filename="cam1_20260615T120000Z.mp4"'


def test_inline_disposition_by_default():
    assert content_disposition("a.mp4", False) == 'inline; filename="a.mp4"'


def test_unsafe_names_get_an_ascii_fallback_and_rfc5987_name():
    value = content_disposition('../Caméra "1";\r\n.mp4', True)
    assert value.isascii() and "\r" not in value and "\n" not in value
    fallback = re.search(r'filename="([^"]*)"', value).group(1)
    assert re.fullmatch(r"[A-Za-z0-9._-]+", fallback) and ".." not in fallback.split("/")
    assert "filename*=UTF-8''" in value and "%C3%A9" in value


def test_safe_filename_drops_directories():
    assert safe_filename("/etc/passwd") == "passwd"
    assert safe_filename("..\\..\\x.mp4") == "x.mp4"
    assert safe_filename("ü") == "u"
    assert safe_filename("///") == "download"


# --- bytes_response --------------------------------------------------------------------------------

def test_bytes_response_follows_the_same_rules():
    data = b"0123456789"
    response = bytes_response(get(None, range="bytes=2-4"), data, content_type="image/jpeg", etag="abc")
    assert (response.status_code, response.content, response["Content-Range"]) == (206, b"234", "bytes 2-4/10")
    assert response["ETag"] == '"abc"'
    assert bytes_response(get(None, if_none_match='"abc"'), data, content_type="image/jpeg", etag="abc").status_code == 304
    assert bytes_response(get(None, range="bytes=10-"), data, content_type="image/jpeg", etag="abc").status_code == 416
    head = bytes_response(get(None, "head"), data, content_type="image/jpeg", etag="abc")
    assert (head.status_code, head.content, head["Content-Length"]) == (200, b"", "10")


# --- property: any Range header ----------------------------------------------------------------------

RANGE_PIECES = st.one_of(
    st.from_regex(r"\A(bytes|BYTES|items)?\s?=?\s?(\d{0,7})?-?(\d{0,7})?(,\s?\d{0,7}-\d{0,7})?\Z"),
    st.text(max_size=40),
    st.builds(lambda a, b: f"bytes={a}-{b}", st.integers(0, 300_000), st.integers(0, 300_000)),
    st.builds(lambda n: f"bytes=-{n}", st.integers(0, 300_000)),
    st.builds(lambda n: f"bytes={n}-", st.integers(0, 300_000)),
)


@given(header=RANGE_PIECES)
def test_any_range_header_gets_a_consistent_answer(tmp_path_factory, header):
    if any(ch in header for ch in "\r\n\x00"):
        header = header.replace("\r", "").replace("\n", "").replace("\x00", "")
    path = tmp_path_factory.getbasetemp() / "prop.mp4"
    if not path.exists():
        path.write_bytes(DATA)
    response = file_response(rf.get("/x", HTTP_RANGE=header), path, content_type="video/mp4", etag=ETAG)
    assert response.status_code in (200, 206, 416)
    if response.status_code == 416:
        assert response["Content-Range"] == f"bytes */{len(DATA)}"
        return
    body = body_of(response)
    assert len(body) == int(response["Content-Length"])
    if response.status_code == 200:
        assert body == DATA
    else:
        start, end, size = map(int, re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", response["Content-Range"]).groups())
        assert size == len(DATA) and body == DATA[start:end + 1] and start <= end < size


# --- spliced bodies (literal pieces + spans of an open file) -------------------------------------------

PIECES = [b"HEAD", (1000, 70_000), b"", b"MID", (0, 10), (200_000, 56_000), b"TAIL"]
SPLICED = b"HEAD" + DATA[1000:71_000] + b"MID" + DATA[:10] + DATA[200_000:256_000] + b"TAIL"


def splice(media, **headers):
    return spliced_response(get(media, **headers), open(media, "rb"), PIECES, content_type="video/mp4", etag=ETAG)


def test_spliced_body_is_the_pieces_in_order(media):
    response = splice(media)
    assert (response.status_code, response["Content-Length"]) == (200, str(len(SPLICED)))
    assert body_of(response) == SPLICED


@given(start=st.integers(0, len(SPLICED) - 1), length=st.integers(1, len(SPLICED)))
def test_any_range_of_a_spliced_body_is_its_slice(tmp_path_factory, start, length):
    path = tmp_path_factory.getbasetemp() / "splice.mp4"
    if not path.exists():
        path.write_bytes(DATA)
    end = min(start + length, len(SPLICED)) - 1
    response = splice(path, range=f"bytes={start}-{end}")
    assert response.status_code == 206 and body_of(response) == SPLICED[start:end + 1]


def test_not_modified_short_cuts_building_a_body():
    assert not_modified(get(None), ETAG) is None
    assert not_modified(get(None, if_none_match='"x"'), ETAG) is None
    response = not_modified(get(None, if_none_match=ETAG), ETAG)
    assert response.status_code == 304 and response["ETag"] == ETAG and "Content-Type" not in response
