"""Garbage and mangled requests never take the server down; garbage is answered with 400."""

import re
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cameras.simcam import BackgroundSimCam, SimCamOptions
from tests.cameras.simcam.conftest import clip

STATUS_LINE = re.compile(rb"^RTSP/1\.0 (?!500)[1-5]\d\d ")  # 500 would be a server bug
FUZZ = settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])

garbage = st.binary(min_size=1, max_size=2000).filter(
    lambda b: b[:1] not in (b"$", b"\r", b"\n") and b"\r\n\r\n" not in b and b"cseq" not in b.lower())


@pytest.fixture(scope="module")
def cam(clip_cache):
    running = BackgroundSimCam(SimCamOptions(mounts=[clip()], cache_dir=clip_cache, port=0, user="admin",
                                             password="secret")).start()
    yield running
    running.stop()


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, close our side, and collect everything the server says until it hangs up."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    return received


def assert_alive(port: int) -> None:
    assert exchange(port, b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n").startswith(b"RTSP/1.0 200 OK\r\nCSeq: 1")


@FUZZ
@given(data=garbage)
def test_random_bytes_get_400(cam, data):
    assert exchange(cam.cam.port, data + b"\r\n\r\n").startswith(b"RTSP/1.0 400 ")
    assert_alive(cam.cam.port)


@FUZZ
@given(data=st.binary(max_size=4000))
def test_any_bytes_at_all_leave_the_server_running(cam, data):
    reply = exchange(cam.cam.port, data)
    assert reply == b"" or STATUS_LINE.match(reply)
    assert_alive(cam.cam.port)


TEMPLATES = [
    "OPTIONS rtsp://127.0.0.1/clip RTSP/1.0\r\nCSeq: 1\r\n\r\n",
    "DESCRIBE rtsp://127.0.0.1/clip RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n"
    'Authorization: Digest username="admin", realm="simcam", nonce="abc", uri="rtsp://127.0.0.1/clip", '
    'response="0123"\r\n\r\n',
    "SETUP rtsp://127.0.0.1/clip/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n"
    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n",
    "SETUP rtsp://127.0.0.1/clip/trackID=0 RTSP/1.0\r\nCSeq: 3\r\nAuthorization: Basic YWRtaW46c2VjcmV0\r\n"
    "Transport: RTP/AVP;unicast;client_port=5000-5001\r\n\r\n",
    "PLAY rtsp://127.0.0.1/clip/ RTSP/1.0\r\nCSeq: 4\r\nSession: 12345678;timeout=60\r\nRange: npt=0-\r\n\r\n",
    "GET_PARAMETER rtsp://127.0.0.1/clip RTSP/1.0\r\nCSeq: 5\r\nContent-Length: 8\r\n\r\nposition",
]


@st.composite
def mangled(draw):
    """A valid request with a slice replaced by random bytes (or removed, or repeated)."""
    text = draw(st.sampled_from(TEMPLATES)).encode()
    start = draw(st.integers(0, len(text)))
    end = draw(st.integers(start, min(len(text), start + 40)))
    how = draw(st.sampled_from(["replace", "delete", "repeat"]))
    if how == "replace":
        middle = draw(st.binary(max_size=60))
    elif how == "delete":
        middle = b""
    else:
        middle = text[start:end] * draw(st.integers(2, 50))
    return text[:start] + middle + text[end:]


@FUZZ
@given(data=mangled())
def test_mangled_requests_get_a_status_line_and_the_server_survives(cam, data):
    reply = exchange(cam.cam.port, data)
    assert reply == b"" or STATUS_LINE.match(reply)
    assert_alive(cam.cam.port)
