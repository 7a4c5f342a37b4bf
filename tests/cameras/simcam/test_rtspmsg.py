"""RTSP message parsing: strict request lines, tolerant transports, clear refusals."""

import pytest

from cameras.simcam.rtspmsg import BadRequest, TransportSpec, content_length, parse_head, parse_transport, response


def test_request_line_and_headers_are_parsed_case_insensitively():
    request = parse_head(b"DESCRIBE rtsp://h:554/cam1/ RTSP/1.0\r\nCSeq: 2\r\nACCEPT: application/sdp\r\n\r\n")
    assert (request.method, request.version, request.path) == ("DESCRIBE", "RTSP/1.0", "/cam1")
    assert request.header("cseq") == "2" and request.header("Accept") == "application/sdp"


@pytest.mark.parametrize("head", [
    b"\xff\xfe garbage\r\n\r\n",
    b"DESCRIBE rtsp://h/cam1\r\n\r\n",
    b"DESCRIBE rtsp://h/cam1 HTTP/1.1\r\n\r\n",
    b"DES CRIBE rtsp://h/cam1 RTSP/1.0\r\n\r\n",
    b"DESCRIBE rtsp://h/cam1 RTSP/1.0\r\nno colon here\r\n\r\n",
])
def test_malformed_requests_are_bad_requests(head):
    with pytest.raises(BadRequest):
        parse_head(head)


@pytest.mark.parametrize("value", ["-1", "abc", str(10**9)])
def test_bad_content_length_is_refused(value):
    with pytest.raises(BadRequest):
        content_length(parse_head(f"SET_PARAMETER * RTSP/1.0\r\nContent-Length: {value}\r\n\r\n".encode()))


@pytest.mark.parametrize("value,expected", [
    ("RTP/AVP/TCP;unicast;interleaved=0-1", TransportSpec(tcp=True, interleaved=(0, 1))),
    ("RTP/AVP/TCP;unicast", TransportSpec(tcp=True)),
    ("RTP/AVP;unicast;client_port=5000-5001", TransportSpec(tcp=False, client_port=(5000, 5001))),
    ("RTP/AVP/UDP;unicast;client_port=6000", TransportSpec(tcp=False, client_port=(6000, 6001))),
    ("RTP/AVP;multicast, RTP/AVP/TCP;interleaved=2-3", TransportSpec(tcp=True, interleaved=(2, 3))),
])
def test_supported_transports_are_recognised(value, expected):
    assert parse_transport(value) == expected


@pytest.mark.parametrize("value", ["", "RTP/AVP;multicast", "RAW/RAW/UDP;client_port=1-2", "RTP/AVP;unicast",
                                   "RTP/AVP/TCP;interleaved=x-y", "RTP/AVP/TCP;interleaved=300-301",
                                   "RTP/AVP;client_port=0-1"])
def test_unsupported_transports_give_none(value):
    assert parse_transport(value) is None


def test_response_echoes_cseq_and_sizes_the_body():
    raw = response(200, "7", [("Content-Type", "application/sdp")], b"v=0\r\n")
    assert raw.startswith(b"RTSP/1.0 200 OK\r\nCSeq: 7\r\n")
    assert b"Content-Length: 5\r\n\r\nv=0\r\n" in raw
