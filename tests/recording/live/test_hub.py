"""The web process's live hub: one tap subscription per camera, fanned out to every viewer, skipping laggards."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from channels.testing import WebsocketCommunicator

from recording.live import hub, protocol
from recording.live.hub import Viewer, get_hub
from recording.models import CameraStatus
from recording.recorder.livetap import TapServer
from recording.recorder.pipeline import PipelineConfig
from tests.conftest import make_camera
from tests.peers.rtsp import wait_for
from tests.recording.live.media import box_kinds, decoded_frames
from tests.recording.live.tapclient import tap_stats
from tests.recording.recorder.pipelines import running

SECRET = "live-hub-tests-" + "k" * 40
INIT_KEYS = ["type", "codec", "mime", "width", "height"]


def test_a_viewer_that_falls_behind_skips_to_the_next_keyframe_and_restarts_its_player(monkeypatch):
    async def scenario():
        viewer = Viewer()
        init = ('{"type": "init"}', b"INIT")
        viewer.start(init, b"K1")
        monkeypatch.setattr(hub, "MAX_LAG_S", -1.0)  # whatever is still queued now counts as late
        viewer.fragment(b"p1", False, init)  # behind: everything pending is dropped
        viewer.fragment(b"p2", False, init)  # still waiting for a keyframe
        viewer.fragment(b"K2", True, init)   # starts over: init again, then the keyframe
        return [await viewer.next() for _ in range(len(viewer.queue))], viewer.skips

    assert asyncio.run(scenario()) == (['{"type": "init"}', b"INIT", b"K2"], 1)


def test_a_viewer_that_keeps_up_gets_every_fragment_in_order():
    async def scenario():
        viewer = Viewer()
        init = ('{"type": "init"}', b"INIT")
        viewer.start(init)
        for index in range(50):
            viewer.fragment(bytes([index]), index % 25 == 0, init)
        return [await viewer.next() for _ in range(len(viewer.queue))], viewer.skips

    messages, skips = asyncio.run(scenario())
    assert messages == ['{"type": "init"}', b"INIT", *(bytes([i]) for i in range(50))] and skips == 0


@pytest.fixture
def ingest(simcam, tmp_path, settings):
    """Camera "gate" ingested by a real pipeline whose tap address is in its status row."""
    settings.SECRET_KEY = SECRET
    make_camera("gate")
    config = PipelineConfig(camera_id="gate", url=simcam.url, recordings_root=tmp_path / "rec", timeout_s=5.0)
    with running(config, recording=False) as run:
        server = TapServer(lambda: {"gate": run.pipeline}, "127.0.0.1", SECRET)
        address = server.start()
        CameraStatus.objects.create(camera_id="gate", state="recording", live_tap=address)
        try:
            assert wait_for(lambda: run.pipeline.keyframe is not None, 20)
            yield run, address
        finally:
            server.stop()


async def watch(communicator: WebsocketCommunicator, fragments: int) -> list:
    """Messages up to `fragments` binary media messages after the init segment."""
    messages = []
    while sum(isinstance(m, bytes) for m in messages) < fragments + 1:
        output = await communicator.receive_output(timeout=10)
        messages.append(output.get("bytes") or output.get("text"))
    return messages


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_viewers_share_one_tap_subscription_and_all_get_decodable_video(ingest, admin_key, simcam, monkeypatch):
    monkeypatch.setattr(hub, "LINGER_S", 0.3)
    run, address = ingest
    from nvr.asgi import application

    async def scenario():
        headers = [(b"origin", b"http://127.0.0.1"), (b"x-api-key", admin_key.encode())]
        viewers = [WebsocketCommunicator(application, "/ws/cameras/gate/live", headers=headers) for _ in range(3)]
        for viewer in viewers:
            assert (await viewer.connect(timeout=5))[0]
        received = [await watch(viewer, 10) for viewer in viewers]
        feed = get_hub().feeds["gate"]
        stats = await asyncio.to_thread(tap_stats, address, protocol.tap_key(SECRET))
        sessions = await asyncio.to_thread(simcam.rtsp_sessions)
        for viewer in viewers:
            await viewer.disconnect()
        await asyncio.sleep(1.0)  # past the linger time: the feed closes its subscription
        return received, feed.subscriptions, stats, sessions, "gate" in get_hub().feeds

    received, subscriptions, stats, sessions, still_open = asyncio.run(scenario())
    assert subscriptions == 1 and stats["cameras"]["gate"]["subscribers"] == 1 and sessions == 1
    for messages in received:
        init = json.loads(messages[0])
        assert list(init) == INIT_KEYS and init["codec"] == "h264"
        assert init["mime"].startswith('video/mp4; codecs="avc1.')
        assert (init["width"], init["height"]) == (640, 360)
        assert box_kinds(messages[1]) == ["ftyp", "moov"]
        assert box_kinds(messages[2])[:2] == ["moof", "mdat"]
        assert decoded_frames(b"".join(messages[1:])) >= 10
    assert not still_open
    assert wait_for(lambda: run.pipeline.live is None, 5), "the recorder kept muxing after every viewer left"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_viewer_is_told_when_the_camera_drops_and_gets_a_new_init_when_it_returns(ingest, admin_key, simcam):
    from nvr.asgi import application

    async def scenario():
        headers = [(b"origin", b"http://127.0.0.1"), (b"x-api-key", admin_key.encode())]
        viewer = WebsocketCommunicator(application, "/ws/cameras/gate/live", headers=headers)
        assert (await viewer.connect(timeout=5))[0]
        await watch(viewer, 3)
        await asyncio.to_thread(simcam.stop)
        texts = []
        while not texts or json.loads(texts[-1])["type"] != "offline":
            output = await viewer.receive_output(timeout=10)
            if "text" in output:
                texts.append(output["text"])
        offline = json.loads(texts[-1])
        started = time.monotonic()
        await asyncio.to_thread(simcam.start)
        while True:
            output = await viewer.receive_output(timeout=15)
            if "text" in output:
                break
        back = json.loads(output["text"])
        media = await watch(viewer, 5)
        await viewer.disconnect()
        return offline, back, media, time.monotonic() - started

    offline, back, media, took = asyncio.run(scenario())
    assert offline["reason"] == "camera_offline" and offline["message"]
    assert back["type"] == "init"
    assert decoded_frames(b"".join(m for m in media if isinstance(m, bytes))) >= 5
