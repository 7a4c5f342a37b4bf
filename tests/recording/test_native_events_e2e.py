"""The camera's own ONVIF motion, end to end: the simulated camera as a real ONVIF device (its clock 90 s
ahead), a real `manage.py record` holding an event-mode camera with `native_events_enabled`; a motion alarm
logs one `camera_motion` event in NVR time and records from the pre-roll before it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from nvr.api.fields import parse_rfc3339
from tests.cameras.onvif.peer import PASSWORD, USER, onvif_camera
from tests.peers.recorder import recording_system, wait_until

pytestmark = pytest.mark.slow


def test_a_camera_motion_alarm_is_an_event_and_records_from_the_pre_roll(tmp_path):
    device = onvif_camera(tmp_path / "simcam", clock_offset=90, mounts=1)
    try:
        with recording_system(tmp_path) as (server, api, recorder):
            camera_id = api.add_camera("Yard", device.cam.url("/cam1"), username=USER, password=PASSWORD,
                                       record_mode="event", pre_roll_seconds=3, post_roll_seconds=4,
                                       segment_seconds=4, native_events_enabled=True)
            server.manage("shell", "--no-imports", "-c",
                          "from cameras.models import CameraOnvif; "
                          f"CameraOnvif.objects.create(camera_id={camera_id!r}, device_url={device.cam.onvif_url!r})")
            rec = recorder()
            armed = wait_until(lambda: api.health(camera_id)["state"] == "idle_event", 40, "armed and idle")
            assert armed, rec.log()
            wait_until(lambda: api.health(camera_id).get("last_packet_at"), 20, "packets flowing")
            time.sleep(6)  # the subscription is up and the ring holds more than the pre-roll
            moved_at = datetime.now(timezone.utc)
            device.trigger_motion(3)
            motion = wait_until(lambda: api.get(f"/events?camera_id={camera_id}&event_type=camera_motion"), 20,
                                "the camera_motion event")
            assert len(motion) == 1 and motion[0]["payload"]["source"] == "camera_native"
            assert abs(parse_rfc3339(motion[0]["timestamp"]) - moved_at) < timedelta(seconds=5)  # NVR time, not +90 s
            wait_until(lambda: api.health(camera_id)["state"] == "idle_event" and api.segments(camera_id), 40,
                       "recorded, then idle again after the post-roll")
            start = min(parse_rfc3339(s["start_time"]) for s in api.segments(camera_id))
            assert start <= moved_at - timedelta(seconds=2), (start, moved_at)  # footage before the alarm
            assert len(api.get(f"/events?camera_id={camera_id}&event_type=camera_motion")) == 1
    finally:
        device.stop()
