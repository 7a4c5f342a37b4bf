"""The RTSP server speaks RFC 2326 to a bare socket: SDP, sessions, interleaved RTP, clear status codes."""

import re
import struct
import time

import pytest

from tests.cameras.simcam.conftest import clip


@pytest.fixture
def cam(start_simcam):
    return start_simcam(clip(audio=True))


@pytest.fixture
def client(cam, raw_client):
    return raw_client(cam.cam.port)


def url(cam, suffix=""):
    return cam.cam.url("/clip") + suffix


def setup_tcp(client, cam, track=0, channels="0-1", session=None):
    headers = {"Transport": f"RTP/AVP/TCP;unicast;interleaved={channels}"}
    if session:
        headers["Session"] = session
    return client.request("SETUP", url(cam, f"/trackID={track}"), headers)


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.05)


def test_options_lists_methods_and_echoes_cseq(client, cam):
    status, headers, _ = client.request("OPTIONS", url(cam))
    assert status == 200
    assert headers["cseq"] == ["1"]
    assert {"DESCRIBE", "SETUP", "PLAY", "TEARDOWN", "GET_PARAMETER"} <= set(headers["public"][0].split(", "))


def test_describe_returns_sdp_with_h264_and_aac_parameters(client, cam):
    status, headers, body = client.request("DESCRIBE", url(cam), {"Accept": "application/sdp"})
    sdp = body.decode()
    assert status == 200
    assert headers["content-type"] == ["application/sdp"]
    assert headers["content-base"] == [url(cam, "/")]
    assert "m=video 0 RTP/AVP 96" in sdp and "a=rtpmap:96 H264/90000" in sdp
    assert re.search(r"profile-level-id=42[0-9a-f]{4};sprop-parameter-sets=Z0[^,]+,aM", sdp)
    assert "a=rtpmap:97 MPEG4-GENERIC/48000/1" in sdp and "config=118856e500" in sdp
    assert "a=control:trackID=0" in sdp and "a=control:trackID=1" in sdp


def test_unknown_mount_is_not_found(client, cam):
    assert client.request("DESCRIBE", cam.cam.url("/nope"))[0] == 404
    assert client.request("SETUP", cam.cam.url("/nope/trackID=0"),
                          {"Transport": "RTP/AVP/TCP;interleaved=0-1"})[0] == 404


def test_play_streams_interleaved_rtp_from_a_keyframe_with_sender_reports(client, cam):
    status, headers, _ = setup_tcp(client, cam, 0, "0-1")
    assert status == 200
    session = headers["session"][0].split(";")[0]
    assert headers["transport"][0].startswith("RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=")
    ssrc = int(headers["transport"][0].rsplit("ssrc=", 1)[1], 16)
    assert setup_tcp(client, cam, 1, "2-3", session)[0] == 200
    status, headers, _ = client.request("PLAY", url(cam, "/"), {"Session": session})
    assert status == 200
    first_seq = int(re.search(r"trackID=0;seq=(\d+)", headers["rtp-info"][0]).group(1))

    video, rtcp, audio = [], [], []
    while len(video) < 120 or not audio:
        channel, data = client.packet()
        {0: video, 1: rtcp, 2: audio}.get(channel, []).append(data)
    assert rtcp and rtcp[0][1] == 200  # an RTCP sender report
    first = video[0]
    assert first[12] & 0x1F == 7  # playback starts with SPS (an IDR access unit)
    seqs = [struct.unpack(">H", p[2:4])[0] for p in video]
    assert seqs[0] == first_seq
    assert all((b - a) & 0xFFFF == 1 for a, b in zip(seqs, seqs[1:]))
    assert {struct.unpack(">I", p[8:12])[0] for p in video} == {ssrc}
    stamps = [struct.unpack(">I", p[4:8])[0] for p in video]
    markers = [bool(p[1] & 0x80) for p in video]
    for i in range(1, len(video)):
        # the timestamp only moves after a packet that carried the marker bit (end of an access unit)
        assert (stamps[i] != stamps[i - 1]) == markers[i - 1]
        assert 0 <= (stamps[i] - stamps[i - 1]) & 0xFFFFFFFF <= 9000
    assert all(p[1] & 0x7F == 97 and p[1] & 0x80 for p in audio)


def test_teardown_ends_the_session(client, cam):
    session = setup_tcp(client, cam)[1]["session"][0].split(";")[0]
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 200
    assert client.request("TEARDOWN", url(cam), {"Session": session})[0] == 200
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 454
    wait_for(lambda: cam.call(lambda: cam.cam.server.session_count) == 0)


def test_disconnecting_cleans_up_sessions_and_subscribers(client, cam):
    session = setup_tcp(client, cam)[1]["session"][0].split(";")[0]
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 200
    mount = cam.cam.mounts["/clip"]
    assert cam.call(lambda: len(mount.subscribers)) == 1
    client.close()
    wait_for(lambda: cam.call(lambda: (cam.cam.server.session_count, len(mount.subscribers))) == (0, 0))


def test_keepalives_and_pause(client, cam):
    session = setup_tcp(client, cam)[1]["session"][0].split(";")[0]
    assert client.request("GET_PARAMETER", url(cam), {"Session": session})[0] == 200
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 200
    assert client.request("PAUSE", url(cam), {"Session": session})[0] == 200
    assert cam.call(lambda: len(cam.cam.mounts["/clip"].subscribers)) == 0
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 200


@pytest.mark.parametrize("method,suffix,headers,status", [
    ("PLAY", "", {}, 454),
    ("PLAY", "", {"Session": "deadbeef"}, 454),
    ("PAUSE", "", {"Session": "deadbeef"}, 454),
    ("TEARDOWN", "", {"Session": "deadbeef"}, 454),
    ("GET_PARAMETER", "", {"Session": "deadbeef"}, 454),
    ("SETUP", "/trackID=0", {"Transport": "RTP/AVP;multicast"}, 461),
    ("SETUP", "/trackID=0", {"Transport": "RAW/RAW/UDP;unicast;client_port=5000-5001"}, 461),
    ("SETUP", "/trackID=0", {}, 461),
    ("SETUP", "/trackID=7", {"Transport": "RTP/AVP/TCP;interleaved=0-1"}, 404),
    ("SETUP", "", {"Transport": "RTP/AVP/TCP;interleaved=0-1"}, 459),
    ("SETUP", "/trackID=0", {"Transport": "RTP/AVP/TCP;interleaved=0-1", "Session": "nope"}, 454),
    ("DESCRIBE", "", {"Require": "onvif-replay"}, 551),
    ("RECORD", "", {}, 501),
])
def test_invalid_requests_get_the_right_status(client, cam, method, suffix, headers, status):
    assert client.request(method, url(cam, suffix), headers)[0] == status
    assert client.request("OPTIONS", url(cam))[0] == 200  # the connection is still usable


def test_setup_while_playing_is_not_valid_in_that_state(client, cam):
    session = setup_tcp(client, cam)[1]["session"][0].split(";")[0]
    assert client.request("PLAY", url(cam), {"Session": session})[0] == 200
    assert setup_tcp(client, cam, 1, "2-3", session)[0] == 455


def test_missing_cseq_and_wrong_version_are_refused(client, cam):
    client.send(f"OPTIONS {url(cam)} RTSP/1.0\r\n\r\n".encode())
    assert client.response()[0] == 400
    client.send(f"OPTIONS {url(cam)} RTSP/2.0\r\nCSeq: 1\r\n\r\n".encode())
    assert client.response()[0] == 505


def test_garbage_gets_400_and_the_connection_is_closed(client, cam):
    client.send(b"\x16\x03\x01 hello there\r\n\r\n")
    assert client.response()[0] == 400
    with pytest.raises(ConnectionError):
        client.response()


def test_interleaved_packets_from_the_client_are_ignored(client, cam):
    client.send(b"$\x01\x00\x08RTCP-RR!")
    assert client.request("OPTIONS", url(cam))[0] == 200


def test_unsafe_urls_and_oversized_heads_do_not_hurt(client, cam, raw_client):
    assert client.request("DESCRIBE", "rtsp://[::1/clip")[0] == 400
    other = raw_client(cam.cam.port)
    other.send(b"OPTIONS * RTSP/1.0\r\nX: " + b"a" * 40000 + b"\r\n\r\n")
    assert other.response()[0] == 400
    assert client.request("OPTIONS", url(cam))[0] == 200
