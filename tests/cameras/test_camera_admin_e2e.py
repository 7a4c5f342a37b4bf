"""An operator adds a camera in the Django admin of a real server, and a real recorder records it (simcam peer)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.cookiejar import CookieJar

import pytest

from tests.cameras.admin_forms import read_form, submit
from tests.peers.live_server import ROOT
from tests.peers.recorder import recording_system, wait_until
from tests.peers.rtsp import decode_check

pytestmark = pytest.mark.slow

CAMERA_USER, CAMERA_PASSWORD = "admin", "cam-secret-41"
ADMIN_PASSWORD = "operator password 7"
READY = re.compile(r"^READY rtsp://\S*@?127\.0\.0\.1:(\d+)(/cam\d)$")


@contextmanager
def simcam(env: dict):
    """`manage.py simcam` with Digest credentials: a small looped clip on a free port."""
    command = [sys.executable, "manage.py", "simcam", "--port", "0", "--source", "clip", "--size", "320x180",
               "--bitrate", "300k", "--duration", "2", "--user", CAMERA_USER, "--password", CAMERA_PASSWORD]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = proc.stdout.readline().strip()
        match = READY.match(line)
        assert match, f"simcam did not start: {line!r}"
        yield int(match.group(1)), match.group(2)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Browser:
    """Cookies, CSRF tokens and form posts, as a browser does them."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> tuple[str, str]:
        with self.opener.open(self.base_url + path, timeout=30) as response:
            return response.geturl(), response.read().decode()

    def post(self, path: str, data: dict) -> tuple[str, str]:
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.base_url + path, data=body, timeout=30) as response:  # follows the redirect
            return response.geturl(), response.read().decode()

    def log_in(self, username: str, password: str) -> None:
        _, page = self.get("/login/?next=/admin/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        url, _ = self.post("/login/?next=/admin/", {"username": username, "password": password, "csrfmiddlewaretoken": token})
        assert url == self.base_url + "/admin/", url


def test_camera_added_in_the_admin_records(tmp_path):
    with recording_system(tmp_path) as (server, api, recorder):
        server.manage("adduser", "operator", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        browser = Browser(server.base_url)
        browser.log_in("operator", ADMIN_PASSWORD)
        with simcam(server.env) as (port, mount):
            url = f"rtsp://{CAMERA_USER}:{CAMERA_PASSWORD}@127.0.0.1:{port}{mount}"
            _, page = browser.get("/admin/cameras/camera/add/")
            values, _ = read_form(page)
            landed, page = browser.post("/admin/cameras/camera/add/", submit(
                values, name="Loading bay", new_main_stream_url=url, segment_seconds="4"))
            assert landed == server.base_url + "/admin/cameras/camera/", re.findall(r'errorlist[^>]*>(.*?)</ul', page)

            view = api.get("/cameras/loading_bay")
            assert view["has_main_stream_url"] is True
            assert view["record_url_masked"] == f"rtsp://***@127.0.0.1:{port}{mount}"
            _, change_page = browser.get("/admin/cameras/camera/loading_bay/change/")
            assert CAMERA_PASSWORD not in change_page and f"rtsp://***@127.0.0.1:{port}{mount}" in change_page

            rec = recorder()
            segments = wait_until(lambda: api.segments("loading_bay"), 60, "a recorded segment", interval=1)
            assert api.health("loading_bay")["state"] == "recording", rec.log()
            files = sorted((server.data_dir / "recordings" / "loading_bay").rglob("*.mp4"))
            assert files, segments
            frames, errors = decode_check(files[0])
            assert frames > 0 and errors == 0
            assert CAMERA_PASSWORD not in rec.log()
            assert rec.terminate() == 0, rec.log()
