"""The recorder process against real RTSP cameras (GStreamer), seen through the API like an operator would."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from nvr.api.fields import parse_rfc3339
from tests.peers.recorder import recording_system, wait_until
from tests.peers.rtsp import GstCamera, require_gstreamer

pytestmark = pytest.mark.slow


@pytest.fixture
def gst(tmp_path):
    require_gstreamer()
    camera = GstCamera()
    camera.start()
    try:
        yield camera
    finally:
        camera.stop()


def times(segment) -> tuple[datetime, datetime]:
    return parse_rfc3339(segment["start_time"]), parse_rfc3339(segment["end_time"])


def wait_for_packets(api, camera_id: str) -> None:
    wait_until(lambda: api.health(camera_id).get("last_packet_at"), 30, "packets flowing")


def assert_no_overlaps(segments):
    spans = sorted(times(s) for s in segments)
    for (_, end), (start, _) in zip(spans, spans[1:]):
        assert start >= end, f"segments overlap: {end} > {start}"


def test_recorder_reconnects_by_itself_and_explains_the_outage(tmp_path, gst):
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Gate", gst.url("/h264"), segment_seconds=4)
        rec = recorder()
        wait_until(lambda: len(api.segments(camera_id)) >= 2, 40, "two segments")
        assert api.health(camera_id)["state"] == "recording"
        assert api.health(camera_id)["lease_holder"] == "rec-a"
        started = api.health(camera_id)["last_started_at"]
        status, _ = api.call("PATCH", f"/cameras/{camera_id}", {"name": "Gate (north)", "retention_hours": 48})
        assert status == 200
        time.sleep(2)  # several reconcile passes: a rename is not an ingest change, so no restart
        assert api.health(camera_id)["last_started_at"] == started
        status, _ = api.call("PATCH", f"/cameras/{camera_id}", {"segment_seconds": 5})
        wait_until(lambda: api.health(camera_id)["last_started_at"] != started, 10, "a restart for the ingest change")
        wait_until(lambda: api.health(camera_id)["state"] == "recording", 15, "recording after the restart")

        gst.stop()
        went_down = time.monotonic()
        wait_until(lambda: api.health(camera_id)["state"] in ("offline", "connecting"), 20, "offline state")
        time.sleep(max(0.0, 10 - (time.monotonic() - went_down)))
        gst.start()
        gaps = wait_until(lambda: [g for g in api.gaps(camera_id) if g["reason"] == "camera_offline"], 45,
                          "a camera_offline gap", interval=1)
        assert 9 <= gaps[0]["gap_seconds"] <= 25, gaps
        assert gaps[0]["fill_state"] == "pending"
        wait_until(lambda: api.health(camera_id)["state"] == "recording", 20, "recording again")
        assert api.health(camera_id)["reconnect_count"] >= 1
        assert_no_overlaps(api.segments(camera_id))
        assert rec.terminate() == 0, rec.log()


def test_sigkill_mid_segment_loses_at_most_the_last_second(tmp_path, gst):
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Yard", gst.url("/h264"), segment_seconds=60)
        rec = recorder()
        wait_for_packets(api, camera_id)
        time.sleep(8)  # mid-segment (60 s segments)
        rec.kill_all()
        killed_at = datetime.now().astimezone()
        restarted = recorder()  # the same recorder id: its own leases are reclaimed at once
        # The salvaged .part is indexed before the restarted recorder writes anything new.
        def salvaged():
            return [s for s in api.segments(camera_id)
                    if times(s)[0] < killed_at and times(s)[1] >= killed_at - timedelta(seconds=1.5)]

        wait_until(salvaged, 30, "the segment open at the kill, salvaged up to the last second")
        segments = api.segments(camera_id)
        assert times(segments[-1])[1] - times(segments[0])[0] >= timedelta(seconds=5)
        assert_no_overlaps(segments)
        assert restarted.terminate() == 0, restarted.log()


def test_sigterm_closes_the_open_segment_and_a_restart_blames_the_recorder(tmp_path, gst):
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Dock", gst.url("/h264"), segment_seconds=60)
        rec = recorder()
        wait_for_packets(api, camera_id)
        time.sleep(5)
        stopped_at = datetime.now().astimezone()
        assert rec.terminate() == 0, rec.log()
        # One segment, or two when the few seconds of recording crossed a wall-clock minute (a cut).
        segments = api.segments(camera_id)
        assert 1 <= len(segments) <= 2, segments
        assert_no_overlaps(segments)
        assert times(segments[-1])[1] >= stopped_at - timedelta(seconds=1.5)
        health = api.health(camera_id)
        assert health["state"] == "offline" and health["lease_holder"] is None
        status, _ = api.call("PATCH", f"/cameras/{camera_id}", {"segment_seconds": 4})  # the next segment closes soon
        assert status == 200
        time.sleep(4)
        rec = recorder("rec-b")
        gaps = wait_until(lambda: api.gaps(camera_id), 40, "the gap of the restart", interval=1)
        assert gaps[0]["reason"] == "recorder_down"
        assert rec.terminate() == 0


def test_event_mode_keeps_pre_roll_before_the_trigger(tmp_path, gst):
    with recording_system(tmp_path) as (server, api, recorder):
        camera_id = api.add_camera("Door", gst.url("/h264"), segment_seconds=60, record_mode="event",
                                   pre_roll_seconds=3, post_roll_seconds=4)
        recorder()
        wait_until(lambda: api.health(camera_id)["state"] == "idle_event", 30, "armed and idle")
        time.sleep(6)  # the ring buffer fills with more than the pre-roll
        triggered_at = datetime.now().astimezone()
        status, body = api.post(f"/cameras/{camera_id}/record-trigger")
        assert status == 200, body
        wait_until(lambda: api.health(camera_id)["state"] == "recording", 10, "recording on trigger")
        wait_until(lambda: api.health(camera_id)["state"] == "idle_event", 20, "idle after the post-roll")
        segments = wait_until(lambda: api.segments(camera_id), 10, "the event's segments")
        assert_no_overlaps(segments)
        start, end = times(segments[0])[0], times(segments[-1])[1]
        assert start <= triggered_at - timedelta(seconds=3), (start, triggered_at)
        assert end >= triggered_at + timedelta(seconds=3.5), (end, triggered_at)
        assert not api.gaps(camera_id)  # one event, no hole inside it
