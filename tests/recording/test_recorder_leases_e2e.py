"""Several recorders, one database: each camera is recorded by exactly one; a dead recorder's cameras move."""

from __future__ import annotations

import time

import pytest

from tests.peers.recorder import recording_system, wait_until
from tests.peers.rtsp import GstCamera, require_gstreamer
from tests.recording.test_recorder_e2e import assert_no_overlaps

pytestmark = pytest.mark.slow


def test_two_recorders_never_share_a_camera_and_take_over_from_a_dead_one(tmp_path):
    require_gstreamer()
    gst = GstCamera()
    gst.start()
    try:
        with recording_system(tmp_path) as (server, api, recorder):
            cams = [api.add_camera(name, gst.url(mount), segment_seconds=4)
                    for name, mount in (("North", "/h264"), ("South", "/h264aac"))]
            first = recorder("rec-a")
            second = recorder("rec-b")
            holders = wait_until(
                lambda: (lambda h: h if all(h.values()) else None)({c: api.health(c)["lease_holder"] for c in cams}),
                40, "both cameras leased")
            wait_until(lambda: all(len(api.segments(c)) >= 2 for c in cams), 40, "segments of both cameras")

            victim = holders[cams[0]]
            survivor = "rec-b" if victim == "rec-a" else "rec-a"
            (first if victim == "rec-a" else second).kill_all()
            killed = time.monotonic()
            wait_until(lambda: all(api.health(c)["lease_holder"] == survivor for c in cams), 30, "takeover")
            assert time.monotonic() - killed <= 6 + 2 + 5  # lease TTL + poll + slack
            gaps = wait_until(lambda: [g for g in api.gaps(cams[0]) if g["reason"] == "recorder_down"], 40,
                              "the takeover gap", interval=1)
            assert gaps[0]["fill_state"] == "pending"
            wait_until(lambda: api.health(cams[0])["state"] == "recording", 20, "recording under the survivor")
            for camera_id in cams:
                assert_no_overlaps(api.segments(camera_id))
    finally:
        gst.stop()
