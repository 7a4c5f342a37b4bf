"""Live view end to end: simulated camera → real recorder (`manage.py record`) → daphne → websocket viewers."""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time

import av
import pytest
import websockets

from cameras.simcam import decode_timecode
from recording.live import protocol
from recording.live.muxer import child_boxes, codec_config
from tests.peers.recorder import recording_system, wait_until
from tests.recording.live.conftest import ClockCamera
from tests.recording.live.media import box_kinds, decoded_frames
from tests.recording.live.tapclient import tap_stats

pytestmark = pytest.mark.slow


class System:
    """The running system: server, API client, recorder, camera id, and the server-side helpers."""

    def __init__(self, server, api, camera: ClockCamera, camera_id: str):
        self.server, self.api, self.camera, self.camera_id = server, api, camera, camera_id
        self.ws_base = server.base_url.replace("http://", "ws://")
        self.tap_key = protocol.tap_key(server.env["NVR_SECRET_KEY"])

    def url(self, camera_id: str | None = None) -> str:
        return f"{self.ws_base}/ws/cameras/{camera_id or self.camera_id}/live"

    def connect(self, key: str | None = None, camera_id: str | None = None):
        headers = {"X-API-Key": key} if key else {}
        # close_timeout: a viewer that stopped reading cannot see the server's close frame behind its media
        return websockets.connect(self.url(camera_id), origin=self.server.base_url, additional_headers=headers,
                                  max_size=None, close_timeout=1)

    def shell(self, code: str) -> str:
        """What a `manage.py shell -c` snippet printed, run against the server's database."""
        return self.server.manage("shell", "--no-imports", "-c", code).strip()

    def live_tap(self) -> str:
        return self.shell("from recording.models import CameraStatus; print(CameraStatus.objects.filter("
                          f"camera_id={self.camera_id!r}).values_list('live_tap', flat=True).first() or '')")

    def key(self, *args: str) -> str:
        return self.server.manage("mintkey", "live-test", *args).split()[-1]


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("live-e2e")
    camera = ClockCamera(tmp / "simcam").start()
    try:
        with recording_system(tmp) as (server, api, recorder):
            camera_id = api.add_camera("Gate", camera.url, segment_seconds=10)
            recorder()
            wait_until(lambda: api.health(camera_id).get("last_packet_at"), 40, "packets flowing")
            live = System(server, api, camera, camera_id)
            wait_until(live.live_tap, 20, "the live tap published in the camera status")
            yield live
    finally:
        camera.stop()


async def receive_media(socket, fragments: int) -> tuple[dict, list[bytes]]:
    """(init message, [init segment, fragment messages…]) up to `fragments` media messages after the init."""
    init = json.loads(await asyncio.wait_for(socket.recv(), 20))
    while init["type"] != "init":
        init = json.loads(await asyncio.wait_for(socket.recv(), 20))
    media = []
    while len(media) < fragments + 1:
        message = await asyncio.wait_for(socket.recv(), 20)
        assert isinstance(message, bytes), message
        media.append(message)
    return init, media


def test_viewers_get_playable_fmp4_and_share_one_camera_connection(system):
    async def scenario():
        sockets = [await system.connect(system.api.key).__aenter__() for _ in range(5)]
        try:
            received = [await receive_media(socket, 15) for socket in sockets]
            stats = await asyncio.to_thread(tap_stats, await asyncio.to_thread(system.live_tap), system.tap_key)
            sessions = await asyncio.to_thread(system.camera.rtsp_sessions)
        finally:
            await asyncio.gather(*(socket.close() for socket in sockets))
        return received, stats, sessions

    received, stats, sessions = asyncio.run(scenario())
    assert stats["cameras"][system.camera_id]["subscribers"] == 1  # one web process → one tap subscription
    assert sessions == 1                                           # and the camera still has one RTSP client
    for init, media in received:
        assert init["codec"] == "h264" and init["mime"].startswith('video/mp4; codecs="avc1.')
        assert box_kinds(media[0]) == ["ftyp", "moov"]
        assert all(set(box_kinds(m)) == {"moof", "mdat"} for m in media[1:])
        assert decoded_frames(b"".join(media)) >= 15


@pytest.mark.parametrize("who,code", [("nobody", 4401), ("no_live_capability", 4403), ("other_camera_scope", 4403),
                                      ("unknown_camera", 4404)])
def test_refused_viewers_get_the_close_code_and_no_media(system, who, code):
    camera_id, key = system.camera_id, None
    if who == "no_live_capability":
        key = system.key("--capabilities", "camera:read,video:playback")
    elif who == "other_camera_scope":
        key = system.key("--capabilities", "video:live", "--scope-cameras", "somewhere-else")
    elif who == "unknown_camera":
        key, camera_id = system.api.key, "no-such-camera"

    async def scenario():
        async with system.connect(key, camera_id) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await asyncio.wait_for(socket.recv(), 10)
            return closed.value.rcvd.code

    assert asyncio.run(scenario()) == code


def test_fetch_keyframe_gives_a_decodable_keyframe_of_the_camera(system):
    out = system.shell(
        "import av; from recording.live.client import fetch_keyframe; "
        f"k = fetch_keyframe({system.camera_id!r}); "
        "ctx = av.CodecContext.create(k.codec, 'r'); ctx.extradata = k.extradata; "
        "f = (ctx.decode(av.Packet(k.data)) + ctx.decode(None))[0]; "
        "import datetime; age = (datetime.datetime.now(datetime.timezone.utc) - k.captured_at).total_seconds(); "
        "print(k.codec, f.width, f.height, f.key_frame, age < 5)")
    assert out == "h264 640 360 True True"


def frame_samples(fragment: bytes) -> list[bytes]:
    """The sample data of each moof+mdat in a media message (one sample per fragment, as the tap writes them)."""
    samples = []
    for kind, start, end in child_boxes(fragment):
        if kind == b"mdat":
            samples.append(fragment[start:end])
    return samples


def test_live_latency_behind_the_camera_is_measured(system, capsys):
    """Median delay of 20 frames: the camera's burnt-in capture time vs the wall clock when the frame arrived."""
    async def scenario():
        async with system.connect(system.api.key) as socket:
            init, media = await receive_media(socket, 0)
            ctx = av.CodecContext.create("h264", "r")
            ctx.thread_count = 1  # no frame threading: a frame comes out of the packet that carries it
            ctx.extradata = codec_config(media[0])[1]  # avcC: the samples are length-prefixed
            delays, first = [], True
            while len(delays) < 20:
                message = await asyncio.wait_for(socket.recv(), 20)
                arrived_ms = time.time() * 1000
                for sample in frame_samples(message):
                    for frame in ctx.decode(av.Packet(sample)):
                        shown = decode_timecode(bytes(frame.planes[0]), frame.width, frame.height)
                        assert shown is not None
                        if not first:  # the first message is the GOP burst of a late joiner, not live
                            delays.append(arrived_ms - shown)
                first = False
            return delays

    delays = asyncio.run(scenario())
    median = statistics.median(delays)
    with capsys.disabled():
        print(f"\nlive latency over the websocket (camera capture → frame received), 20 frames: median {median:.0f} ms,"
              f" min {min(delays):.0f} ms, max {max(delays):.0f} ms")
    assert len(delays) >= 20 and all(d > 0 for d in delays)


def test_a_viewer_that_stops_reading_is_skipped_and_never_holds_back_the_others(system):
    """A stalled viewer (tiny receive window, not reading) falls behind; it restarts at a keyframe with a new init."""
    async def scenario():
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the network, not daphne, holds little
        raw.connect(("127.0.0.1", system.server.port))
        async with system.connect(system.api.key) as steady, websockets.connect(
                system.url(), sock=raw, origin=system.server.base_url, max_size=None, max_queue=1,
                additional_headers={"X-API-Key": system.api.key}, close_timeout=1) as stalled:
            await receive_media(stalled, 0)
            await receive_media(steady, 0)
            gaps, last = [], time.monotonic()
            stall_until = last + 8
            while time.monotonic() < stall_until:  # the stalled viewer reads nothing meanwhile
                await asyncio.wait_for(steady.recv(), 5)
                now = time.monotonic()
                gaps.append(now - last)
                last = now
            # What the network still held is at most a few seconds of video, then the restart.
            for _ in range(200):
                message = await asyncio.wait_for(stalled.recv(), 20)
                if isinstance(message, str):
                    return max(gaps), json.loads(message)
            return max(gaps), None

    worst_gap, restart = asyncio.run(scenario())
    assert worst_gap < 1.0  # the steady viewer kept getting frames at the camera's pace
    assert restart is not None and restart["type"] == "init"  # the stalled one was skipped ahead to start over


def test_a_viewer_stays_connected_through_a_recorder_restart(tmp_path):
    """Recorder stops: the tap address is withdrawn and the viewer hears why; a new recorder: a new init."""
    camera = ClockCamera(tmp_path / "simcam").start()
    try:
        with recording_system(tmp_path) as (server, api, recorder):
            camera_id = api.add_camera("Yard", camera.url, segment_seconds=10)
            first = recorder("rec-a")
            live = System(server, api, camera, camera_id)
            wait_until(live.live_tap, 40, "the live tap published in the camera status")

            async def scenario():
                async with live.connect(api.key) as socket:
                    await receive_media(socket, 3)
                    assert await asyncio.to_thread(first.terminate) == 0
                    offline = {}
                    while offline.get("reason") != "recorder_down":  # media still in flight, then the notice(s)
                        message = await asyncio.wait_for(socket.recv(), 20)
                        offline = json.loads(message) if isinstance(message, str) else offline
                    withdrawn = await asyncio.to_thread(live.live_tap)
                    await asyncio.to_thread(recorder, "rec-b")
                    init, media = await receive_media(socket, 5)
                    return offline, withdrawn, init, media

            offline, withdrawn, init, media = asyncio.run(scenario())
    finally:
        camera.stop()
    assert offline["type"] == "offline" and offline["reason"] == "recorder_down"
    assert withdrawn == ""
    assert init["type"] == "init" and decoded_frames(b"".join(media)) >= 5
