"""Day one with a real recorder: a broken camera logs two events (not thousands) in an operator's words,
a camera outside its schedule (or not recording at all) can be watched live on demand, `live_warm` keeps
the connection up, and `mirror_enabled` writes a second identical copy of every segment.

Real peers only: the simulated clock camera, a TCP peer that answers RTSP with garbage, `manage.py record`
beside daphne, and a websocket viewer.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from datetime import datetime

import pytest
import websockets

from recording.recorder.supervisor import RECOVERED_AFTER_S
from tests.peers.recorder import recording_system, wait_until
from tests.recording.live.conftest import ClockCamera

pytestmark = pytest.mark.slow
GARBLED = "the stream could not be read: the camera sent data that is not valid video"


class GarbageCamera:
    """Accepts RTSP connections and answers with bytes that are no RTSP at all (a misconfigured device)."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                try:
                    conn.recv(4096)
                    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nnot video at all\r\n")
                except OSError:
                    pass

    @property
    def url(self):
        return f"rtsp://user:pw@127.0.0.1:{self.port}/stream"

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def system(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("day-one")
    camera = ClockCamera(tmp / "simcam").start()
    garbage = GarbageCamera()
    mirror = tmp / "mirror"
    try:
        with recording_system(tmp) as (server, api, recorder):
            recorder(NVR_MIRROR_RECORDINGS_DIR=str(mirror))
            yield server, api, camera, garbage, mirror
    finally:
        garbage.close()
        camera.stop()


def status(api, camera_id):
    return api.health(camera_id)


def events(api, camera_id, kind):
    return api.get(f"/events?camera_id={camera_id}&event_type={kind}&limit=500")


def live_tap(server, camera_id):
    return server.manage("shell", "--no-imports", "-c",
                         "from recording.models import CameraStatus; print(CameraStatus.objects.filter("
                         f"camera_id={camera_id!r}).values_list('live_tap', flat=True).first() or '')").strip()


async def first_media(server, camera_id, timeout=30.0):
    """Connect as a viewer and return the init message once video arrives (a fragment after the init)."""
    url = server.base_url.replace("http://", "ws://") + f"/ws/cameras/{camera_id}/live"
    key = server.manage("mintkey", f"viewer-{camera_id}", "--role", "viewer").split()[-1]
    seen = []
    async with websockets.connect(url, origin=server.base_url, additional_headers={"X-API-Key": key},
                                  max_size=None, close_timeout=1) as ws:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        init = None
        while loop.time() < deadline:
            message = await asyncio.wait_for(ws.recv(), max(0.1, deadline - loop.time()))
            if isinstance(message, str):
                seen.append(json.loads(message))
                if seen[-1]["type"] == "init":
                    init = seen[-1]
            elif init is not None and len(message) > 0:
                return init, seen
    raise AssertionError(f"no live video within {timeout}s; messages: {seen}")


def test_a_broken_camera_logs_one_event_in_plain_words_and_one_when_it_is_back(system):
    server, api, camera, garbage, mirror = system
    camera_id = api.add_camera("Broken gate", garbage.url, segment_seconds=4, mirror_enabled=True)
    wait_until(lambda: status(api, camera_id).get("reconnect_count", 0) >= 4, 60, "four failed attempts")
    health = status(api, camera_id)
    assert health["state"] == "error" and health["last_error"] == GARBLED
    offline = events(api, camera_id, "camera_offline")
    assert len(offline) == 1, offline
    assert offline[0]["payload"]["cause"] == GARBLED and "pw" not in json.dumps(offline[0])
    assert garbage.connections >= 4

    code, body = api.call("PATCH", f"/cameras/{camera_id}", {"main_stream_url": camera.url})
    assert code == 200, body
    recovered = wait_until(lambda: events(api, camera_id, "camera_recovered"), RECOVERED_AFTER_S + 40,
                           "the recovery event")
    assert len(recovered) == 1 and recovered[0]["payload"]["attempts"] >= 4
    assert recovered[0]["payload"]["down_seconds"] > 5
    assert len(events(api, camera_id, "camera_offline")) == 1
    assert status(api, camera_id)["last_error"] is None

    # mirror_enabled: every closed segment also lies, byte for byte, under the mirror root
    wait_until(lambda: len(api.segments(camera_id)) >= 2, 40, "two segments")
    recordings = server.data_dir / "recordings"
    originals = sorted(recordings.glob(f"{camera_id}/**/*.mp4"))

    def mirrored():
        return all((mirror / p.relative_to(recordings)).is_file() for p in originals)

    wait_until(mirrored, 20, "mirror copies of the closed segments")
    for original in originals:
        assert (mirror / original.relative_to(recordings)).read_bytes() == original.read_bytes()
    assert not list(mirror.glob("**/*.part"))


def test_a_camera_outside_its_schedule_is_watched_live_on_demand(system):
    server, api, camera, garbage, mirror = system
    camera_id = api.add_camera("Night yard", camera.url, segment_seconds=4, record_mode="scheduled")
    not_today = (datetime.now().weekday() + 3) % 7
    code, body = api.post(f"/cameras/{camera_id}/schedules",
                          {"days": [not_today], "time_start": "00:00", "time_end": "24:00"})
    assert code == 201, body
    wait_until(lambda: status(api, camera_id)["state"] == "idle_schedule", 30, "idle outside the schedule")
    sessions_before = camera.rtsp_sessions()
    assert live_tap(server, camera_id) == ""

    init, messages = asyncio.run(first_media(server, camera_id))
    assert init["codec"] == "h264"
    assert api.segments(camera_id) == []  # watched, not recorded
    assert status(api, camera_id)["state"] == "idle_schedule"

    # the last viewer left: the on-demand connection closes again
    wait_until(lambda: live_tap(server, camera_id) == "", 45, "the live tap withdrawn after the viewer left")
    wait_until(lambda: camera.rtsp_sessions() <= sessions_before, 20, "the camera connection closed")
    assert api.segments(camera_id) == []
    gaps = api.gaps(camera_id)
    assert all(gap["reason"] == "schedule_off" for gap in gaps), gaps


def test_live_warm_keeps_a_camera_that_does_not_record_connected(system):
    server, api, camera, garbage, mirror = system
    camera_id = api.add_camera("Lobby", camera.url, segment_seconds=4, record_enabled=False, live_warm=True)
    wait_until(lambda: live_tap(server, camera_id), 30, "a warm connection with a live tap")
    wait_until(lambda: status(api, camera_id).get("last_packet_at"), 30, "packets flowing")
    init, _ = asyncio.run(first_media(server, camera_id, timeout=10))
    assert init["type"] == "init"
    assert api.segments(camera_id) == []
    code, body = api.call("PATCH", f"/cameras/{camera_id}", {"live_warm": False})
    assert code == 200, body
    wait_until(lambda: live_tap(server, camera_id) == "", 45, "the warm connection closed")


def test_the_recorder_fires_snapshot_schedules_itself_from_its_own_frames(system):
    server, api, camera, garbage, mirror = system  # no task cluster runs in this system: only the recorder
    camera_id = api.add_camera("Porch", camera.url, segment_seconds=4)
    sessions = wait_until(lambda: api.health(camera_id)["state"] == "recording" and camera.rtsp_sessions(), 30,
                          "recording")
    code, body = api.post(f"/cameras/{camera_id}/snapshot-schedules", {"interval_seconds": 5})
    assert code == 201, body
    shots = wait_until(lambda: len(api.get(f"/cameras/{camera_id}/snapshots?limit=50")) >= 3, 30,
                       "three scheduled snapshots")
    assert shots
    taken = sorted(s["taken_at"] for s in api.get(f"/cameras/{camera_id}/snapshots?limit=50"))
    from nvr.api.fields import parse_rfc3339

    steps = [(parse_rfc3339(b) - parse_rfc3339(a)).total_seconds() for a, b in zip(taken, taken[1:])]
    assert all(4.0 <= step <= 6.0 for step in steps), steps  # on their second, from the recorder's keyframes
    assert camera.rtsp_sessions() <= sessions  # no extra connection to the camera for the pictures
