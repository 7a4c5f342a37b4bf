"""Real recorder processes (`manage.py record`) beside a live web server, and a JSON API client for both."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

from tests.peers.live_server import ROOT, LiveServer, live_server

FAST_RECORDER = {"NVR_RECORDER_LEASE_SECONDS": "6", "NVR_RECORDER_POLL_SECONDS": "0.5", "NVR_RECONCILE_INTERVAL_S": "10",
                 "NVR_RTSP_TIMEOUT_S": "5", "NVR_LOG_LEVEL": "INFO"}


class Api:
    """Minimal JSON client with an admin API key (no cookies, no CSRF)."""

    def __init__(self, server: LiveServer):
        self.base = server.base_url + "/api/v1"
        self.key = server.manage("mintkey", "recorder-tests", "--role", "admin", "--confirm-privileged").split()[-1]

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, object]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"X-API-Key": self.key, "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def get(self, path: str):
        status, body = self.call("GET", path)
        assert status == 200, (path, status, body)
        return body["results"] if isinstance(body, dict) and "results" in body else body

    def post(self, path: str, body: dict | None = None):
        return self.call("POST", path, body or {})

    def segments(self, camera_id: str) -> list[dict]:
        return self.get(f"/cameras/{camera_id}/segments?limit=5000")

    def gaps(self, camera_id: str) -> list[dict]:
        return self.get(f"/cameras/{camera_id}/recording-gaps?limit=5000")

    def health(self, camera_id: str) -> dict:
        return self.get(f"/cameras/{camera_id}/health")

    def add_camera(self, name: str, url: str, **fields) -> str:
        status, body = self.post("/cameras", {"name": name, "main_stream_url": url, **fields})
        assert status == 201, body
        return body["id"]


class Recorder:
    """One `manage.py record` process, its own process group so a kill takes its workers too."""

    def __init__(self, server: LiveServer, recorder_id: str, **env):
        self.env = {**server.env, **FAST_RECORDER, **env}
        self.recorder_id = recorder_id
        self.log_path = server.data_dir / f"recorder-{recorder_id}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> "Recorder":
        log = open(self.log_path, "a")
        self.process = subprocess.Popen([sys.executable, "manage.py", "record", "--recorder-id", self.recorder_id],
                                        cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        return self

    def terminate(self, timeout: float = 20) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill_all(self) -> None:
        """SIGKILL the recorder and its workers at once (a crash of the whole machine's recorder)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.terminate()
            except subprocess.TimeoutExpired:
                self.kill_all()

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


@contextmanager
def recording_system(tmp_path):
    """A live web server and its API client; recorders are started by the test (and always stopped)."""
    recorders: list[Recorder] = []
    with live_server(tmp_path) as server:
        api = Api(server)

        def recorder(recorder_id: str = "rec-a", **env) -> Recorder:
            proc = Recorder(server, recorder_id, **env)
            recorders.append(proc)
            return proc.start()

        try:
            yield server, api, recorder
        finally:
            for proc in recorders:
                proc.stop()
