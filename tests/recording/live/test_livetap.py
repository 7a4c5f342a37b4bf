"""The recorder's live tap against a real pipeline ingesting the simulated camera over RTSP."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import datetime, timezone

import av
import pytest

from cameras.simcam import decode_timecode
from recording.live import protocol
from recording.live.client import fetch_keyframe
from recording.models import CameraStatus
from recording.recorder import livetap
from recording.recorder.livetap import TapServer, TapSubscriber
from recording.recorder.pipeline import PipelineConfig
from tests.conftest import make_camera
from tests.peers.rtsp import wait_for
from tests.recording.live.media import box_kinds, decoded_frames
from tests.recording.live.tapclient import TapConnection, tap_stats
from tests.recording.recorder.pipelines import running

SECRET = "live-tap-tests-" + "k" * 40
KEY = protocol.tap_key(SECRET)


@pytest.fixture
def tap(simcam, tmp_path):
    """(running pipeline of camera "gate" without recording, tap address) once the first keyframe is in."""
    config = PipelineConfig(camera_id="gate", url=simcam.url, recordings_root=tmp_path / "rec",
                            timeout_s=5.0)
    with running(config, recording=False) as run:
        server = TapServer(lambda: {"gate": run.pipeline}, "127.0.0.1", SECRET)
        address = server.start()
        try:
            assert wait_for(lambda: run.pipeline.keyframe is not None, 20), "no keyframe from the camera"
            yield run, address
        finally:
            server.stop()


def subscribe(address: str) -> TapConnection:
    return TapConnection(address, KEY, "subscribe", "gate")


def media_of(frames) -> bytes:
    return b"".join(f.body for f in frames if f.kind in (protocol.INIT, protocol.FRAGMENT))


def read_fragments(tap: TapConnection, count: int) -> list:
    frames = []
    while sum(f.kind == protocol.FRAGMENT for f in frames) < count:
        frames.append(tap.read())
    return frames


def decode_keyframe(keyframe: protocol.Keyframe):
    ctx = av.CodecContext.create(keyframe.codec, "r")
    ctx.extradata = keyframe.extradata
    frames = ctx.decode(av.Packet(keyframe.data)) + ctx.decode(None)
    return frames[0]


@pytest.mark.slow
def test_nobody_watching_means_no_muxer(tap):
    run, _ = tap
    time.sleep(1)
    assert run.pipeline.live is None


@pytest.mark.slow
def test_a_subscriber_gets_the_init_then_one_fragment_per_frame_starting_at_a_keyframe(tap):
    run, address = tap
    with subscribe(address) as sub:
        frames = read_fragments(sub, 40)
    assert frames[0].kind == protocol.INIT
    assert frames[0].fields["codec"] == "h264" and frames[0].fields["codec_string"].startswith("avc1.")
    assert (frames[0].fields["width"], frames[0].fields["height"]) == (640, 360)
    assert box_kinds(frames[0].body) == ["ftyp", "moov"]
    fragments = [f for f in frames if f.kind == protocol.FRAGMENT]
    assert fragments[0].fields["key"] is True
    assert all(box_kinds(f.body) == ["moof", "mdat"] for f in fragments)
    assert decoded_frames(media_of(frames)) == 40
    assert wait_for(lambda: run.pipeline.live is None, 5), "the muxer kept running after the last subscriber left"


@pytest.mark.slow
def test_a_late_joiner_starts_at_once_from_the_current_gop_on_the_same_feed(tap):
    run, address = tap
    with subscribe(address) as first:
        read_fragments(first, 10)
        feed = run.pipeline.live
        started = time.monotonic()
        with subscribe(address) as second:
            init, burst = second.read(), second.read()
            took = time.monotonic() - started
            assert init.kind == protocol.INIT and burst.kind == protocol.FRAGMENT and burst.fields["key"] is True
            assert box_kinds(burst.body)[:4] == ["moof", "mdat", "moof", "mdat"]  # the GOP so far, in one message
            assert took < 0.5
            assert tap_stats(address, KEY)["cameras"]["gate"]["subscribers"] == 2
            assert run.pipeline.live is feed  # one muxer, whatever the number of subscribers
            frames = [init, burst, *read_fragments(second, 5)]
        assert decoded_frames(media_of(frames)) >= 10
    assert wait_for(lambda: run.pipeline.live is None, 5)


@pytest.mark.slow
def test_the_keyframe_request_returns_the_latest_keyframe_decodable_with_its_extradata(tap):
    _, address = tap
    with TapConnection(address, KEY, "keyframe", "gate") as conn:
        frame = conn.read()
    keyframe = protocol.keyframe_of(frame)
    assert (keyframe.codec, keyframe.width, keyframe.height) == ("h264", 640, 360)
    assert keyframe.extradata
    picture = decode_keyframe(keyframe)
    assert picture.key_frame
    shown_ms = decode_timecode(bytes(picture.planes[0]), 640, 360)  # what the camera's clock showed
    captured_ms = keyframe.captured_at.timestamp() * 1000
    assert 0 <= captured_ms - shown_ms < 1500
    assert (datetime.now(timezone.utc) - keyframe.captured_at).total_seconds() < 3


@pytest.mark.slow
@pytest.mark.django_db
def test_fetch_keyframe_finds_the_tap_from_the_camera_status(tap, settings):
    settings.SECRET_KEY = SECRET
    _, address = tap
    make_camera("gate")
    CameraStatus.objects.create(camera_id="gate", live_tap=address)
    keyframe = fetch_keyframe("gate", timeout=5)
    assert keyframe is not None and decode_keyframe(keyframe).key_frame
    CameraStatus.objects.filter(camera_id="gate").update(live_tap="")
    assert fetch_keyframe("gate") is None


@pytest.mark.django_db
def test_fetch_keyframe_gives_none_quickly_when_the_tap_is_gone(settings):
    make_camera("gate")
    CameraStatus.objects.create(camera_id="gate", live_tap="127.0.0.1:9")  # nothing listens on the discard port
    started = time.monotonic()
    assert fetch_keyframe("gate", timeout=2) is None
    assert time.monotonic() - started < 2.5
    assert fetch_keyframe("no-such-camera") is None


@pytest.mark.slow
def test_requests_for_other_cameras_or_with_a_wrong_key_get_nothing(tap):
    _, address = tap
    with TapConnection(address, KEY, "subscribe", "door") as conn:
        answer = conn.read()
    assert answer.kind == protocol.ERROR and answer.fields["code"] == "not_here"
    with TapConnection(address, protocol.tap_key("another installation " * 3), "keyframe", "gate") as conn:
        with pytest.raises(ConnectionError):
            conn.read()


@pytest.mark.slow
def test_an_unauthenticated_peer_cannot_make_the_tap_read_a_large_frame(tap):
    _, address = tap
    host, port = address.split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        assert protocol.read_frame_sync(sock).kind == protocol.HELLO
        sock.sendall(b"R" + (protocol.MAX_REQUEST + 1).to_bytes(4, "big"))
        assert sock.recv(1) == b""  # hung up without reading on


@pytest.mark.slow
def test_an_outage_tells_subscribers_why_and_the_reconnection_starts_a_new_init(tap, simcam):
    run, address = tap
    with subscribe(address) as sub:
        read_fragments(sub, 3)
        simcam.stop()
        offline = sub.read_until(protocol.OFFLINE)[-1]
        assert offline.fields["reason"] == "camera_offline"
        assert run.pipeline.keyframe is None  # no stale picture for snapshots
        simcam.start()
        frames = sub.read_until(protocol.INIT)
        frames = [frames[-1], *read_fragments(sub, 10)]
        assert frames[1].fields["key"] is True
        assert decoded_frames(media_of(frames)) == 10
        run.stop()
        assert sub.read_until(protocol.END)[-1].fields["reason"] == "stopped"


@pytest.mark.slow
def test_an_h265_camera_is_served_tagged_hvc1_with_its_codec_string(gst_camera, tmp_path):
    config = PipelineConfig(camera_id="yard", url=gst_camera.url("/h265"), recordings_root=tmp_path / "rec",
                            timeout_s=5.0)
    with running(config, recording=False) as run:
        server = TapServer(lambda: {"yard": run.pipeline}, "127.0.0.1", SECRET)
        address = server.start()
        try:
            with TapConnection(address, KEY, "subscribe", "yard") as sub:
                frames = [sub.read_until(protocol.INIT)[-1], *read_fragments(sub, 10)]  # "offline" until connected
        finally:
            server.stop()
    assert frames[0].fields["codec"] == "hevc" and frames[0].fields["codec_string"].startswith("hvc1.1.")
    assert b"hvc1" in frames[0].body and b"hev1" not in frames[0].body
    assert decoded_frames(media_of(frames)) == 10


def test_a_subscriber_that_falls_behind_is_skipped_to_the_next_keyframe_with_the_init_again(monkeypatch):
    monkeypatch.setattr(livetap, "MAX_BACKLOG_BYTES", 1000)

    async def scenario():
        subscriber = TapSubscriber(asyncio.get_running_loop())
        subscriber.deliver(b"init", control=True)
        for _ in range(4):
            subscriber.deliver(b"p" * 300)  # the fourth does not fit: skipping starts
        subscriber.deliver(b"q" * 10)  # still no keyframe: dropped
        subscriber.deliver(b"K" * 10, init=b"init2")
        await asyncio.sleep(0.01)
        return [await subscriber.next_frame() for _ in range(len(subscriber.queue))]

    assert asyncio.run(scenario()) == [b"init2", b"K" * 10]
