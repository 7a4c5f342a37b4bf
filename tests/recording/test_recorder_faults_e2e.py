"""The recorder under faults, end to end: the database away for 30 s (SQLite locked by a long writer, or a
PostgreSQL server stopped and restarted) and one worker process SIGKILLed. Nothing is lost beyond the fault.

Real peers: the GStreamer RTSP camera, `manage.py record` beside daphne, the project's SQLite file, and a
private PostgreSQL cluster (the shared one serves the other tests in parallel).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from nvr.api.fields import parse_rfc3339
from tests.peers.live_server import LiveServer
from tests.peers.private_postgres import PrivatePostgres
from tests.peers.recorder import Api, Recorder, recording_system, wait_until
from tests.peers.rtsp import GstCamera, require_gstreamer

pytestmark = pytest.mark.slow
OUTAGE_S = 30
HOLE_S = 3.0  # a hole longer than this is a gap


@pytest.fixture
def gst():
    require_gstreamer()
    camera = GstCamera().start()
    try:
        yield camera
    finally:
        camera.stop()


def spans(segments):
    return sorted((parse_rfc3339(s["start_time"]), parse_rfc3339(s["end_time"])) for s in segments)


def assert_continuous(segments, start, end):
    """Segments cover [start, end] with no overlap and no hole over HOLE_S, and each was indexed once."""
    covered = [(a, b) for a, b in spans(segments) if b > start and a < end]
    assert covered and covered[0][0] <= start and covered[-1][1] >= end, (covered[:1], covered[-1:], start, end)
    for (_, end_a), (start_b, _) in zip(covered, covered[1:]):
        assert start_b >= end_a, f"overlap at {start_b}"
        assert (start_b - end_a).total_seconds() <= HOLE_S, f"hole {end_a} → {start_b}"
    starts = [s["start_time"] for s in segments]
    assert len(starts) == len(set(starts)), "a segment was indexed twice"


def files_match_rows(data_dir: Path, camera_id: str, segments) -> None:
    files = sorted((data_dir / "recordings" / camera_id).glob("**/*.mp4"))
    assert len(files) == len(segments), (len(files), len(segments))


def record_through_outage(api, recorder_proc, camera_id, outage):
    """Record, run `outage()` (which returns when the database is back), then check nothing was lost."""
    wait_until(lambda: len(api.segments(camera_id)) >= 2, 40, "two segments before the outage")
    before = time.monotonic()
    outage()
    assert recorder_proc.process.poll() is None, "the recorder died during the outage:\n" + recorder_proc.log()
    assert time.monotonic() - before >= OUTAGE_S - 1
    first = spans(api.segments(camera_id))[1][0]
    after = parse_rfc3339(api.health(camera_id)["last_packet_at"])
    wait_until(lambda: api.health(camera_id)["state"] == "recording", 40, "recording state after the outage")
    wait_until(lambda: spans(api.segments(camera_id))[-1][1] >= after + timedelta(seconds=6), 40,
               "segments written after the outage indexed")
    segments = api.segments(camera_id)
    assert_continuous(segments, first, after)
    assert not [g for g in api.gaps(camera_id) if parse_rfc3339(g["gap_start"]) >= first], api.gaps(camera_id)
    return segments


def test_sqlite_locked_for_30_seconds_loses_no_footage(tmp_path, gst):
    if os.environ.get("DATABASE_URL"):
        pytest.skip("the SQLite lock scenario runs in the SQLite pass; the PostgreSQL restart in the other")
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Gate", gst.url("/h264"), segment_seconds=4)
        rec = recorder(NVR_SQLITE_BUSY_TIMEOUT_S="2")

        def lock_database():
            writer = sqlite3.connect(tmp_path / "nvr.sqlite3", isolation_level=None, timeout=30)
            writer.execute("BEGIN EXCLUSIVE")  # every other writer now gets "database is locked"
            time.sleep(OUTAGE_S)
            writer.execute("ROLLBACK")
            writer.close()

        segments = record_through_outage(api, rec, camera_id, lock_database)
        assert "database unavailable" in rec.log()
        files_match_rows(tmp_path, camera_id, segments)
        assert rec.terminate() == 0, rec.log()


@pytest.mark.postgres
def test_postgres_restarted_after_30_seconds_loses_no_footage(tmp_path, gst):
    if not os.environ.get("DATABASE_URL"):
        pytest.skip("the PostgreSQL restart scenario runs in the PostgreSQL pass")
    database = PrivatePostgres().start()
    server = LiveServer(tmp_path, database.url)
    rec = None
    try:
        server.manage("migrate", "--noinput")
        server.start()
        api = Api(server)
        camera_id = api.add_camera("Gate", gst.url("/h264"), segment_seconds=4)
        rec = Recorder(server, "rec-pg").start()

        def restart_database():
            database.stop()
            time.sleep(OUTAGE_S)
            database.start()

        segments = record_through_outage(api, rec, camera_id, restart_database)
        assert "database unavailable" in rec.log()
        files_match_rows(tmp_path, camera_id, segments)
        assert rec.terminate() == 0, rec.log()
    finally:
        if rec is not None:
            rec.stop()
        server.stop()
        database.destroy()


def worker_pids(recorder_pid: int) -> set[int]:
    children = Path(f"/proc/{recorder_pid}/task/{recorder_pid}/children").read_text().split()
    return {int(pid) for pid in children}


def test_a_killed_worker_loses_only_its_cameras_seconds(tmp_path, gst):
    with recording_system(tmp_path) as (server, api, recorder):
        victim = api.add_camera("Victim", gst.url("/h264"), segment_seconds=4)
        bystander = api.add_camera("Bystander", gst.url("/h264"), segment_seconds=4)
        rec = recorder(NVR_RECORDER_CAMERAS_PER_WORKER="1")
        for camera_id in (victim, bystander):
            wait_until(lambda c=camera_id: len(api.segments(c)) >= 2, 40, f"{camera_id} recording")
        pid = api.health(victim)["recorder_pid"]
        assert pid in worker_pids(rec.process.pid) and pid != api.health(bystander)["recorder_pid"]
        first = spans(api.segments(bystander))[0][1]
        os.kill(pid, signal.SIGKILL)
        killed_at = datetime.now(timezone.utc)
        wait_until(lambda: api.health(victim)["state"] == "recording" and api.health(victim)["recorder_pid"] != pid,
                   30, "the victim recording again on a fresh worker")
        wait_until(lambda: spans(api.segments(victim))[-1][0] > killed_at, 30, "the victim's next segment")
        # The victim loses the seconds of the restart (reconnect + first keyframe), recorded as recorder_down
        # when over 3 s; what its dead worker had written is salvaged, not lost.
        victim_spans = spans(api.segments(victim))
        hole = max((b[0] - a[1]).total_seconds() for a, b in zip(victim_spans, victim_spans[1:]))
        assert hole < 6, victim_spans
        assert all(g["reason"] == "recorder_down" for g in api.gaps(victim)), api.gaps(victim)
        assert api.health(victim)["recorder_pid"] != pid
        later = parse_rfc3339(api.health(bystander)["last_packet_at"])
        wait_until(lambda: spans(api.segments(bystander))[-1][1] >= later, 30, "the bystander's segments indexed")
        assert_continuous(api.segments(bystander), first, later)
        assert api.gaps(bystander) == []
        assert rec.process.poll() is None
        assert rec.terminate() == 0, rec.log()
