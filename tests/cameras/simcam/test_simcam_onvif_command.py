"""`manage.py simcam --onvif-port` serves an ONVIF device beside the RTSP mounts and announces it."""

import re
import signal
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import requests

from tests.cameras.simcam.test_onvif_device import device_time, envelope
from tests.cameras.simcam.test_simcam_command import start

ONVIF_READY = re.compile(r"^READY onvif (http://127\.0\.0\.1:\d+/onvif/device_service)$")


def test_command_serves_onvif_with_its_clock_offset_and_motion_hook(tmp_path):
    proc = start(tmp_path, "--size", "320x180", "--bitrate", "300k", "--onvif-port", "0", "--clock-offset", "-120",
                 "--motion-every", "30")
    try:
        assert proc.stdout.readline().startswith("READY rtsp://127.0.0.1:")  # the mounts come first
        match = ONVIF_READY.match(proc.stdout.readline().strip())
        assert match, proc.stderr.read() if proc.poll() is not None else ""
        url = match.group(1)
        answer = requests.post(url, data=envelope("<tds:GetSystemDateAndTime/>"), timeout=10)
        skew = (device_time(ET.fromstring(answer.content)) - datetime.now(timezone.utc)).total_seconds()
        assert -122 <= skew <= -119
        hook = url.replace("/onvif/device_service", "/simcam/motion?seconds=2")
        assert requests.post(hook, timeout=10).status_code == 204  # no --user: no credentials needed
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_onvif_options_need_the_onvif_port(tmp_path):
    proc = start(tmp_path, "--clock-offset", "90")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "need --onvif-port" in err
