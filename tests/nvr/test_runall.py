"""The single-machine command: migrate, first admin with a printed password, serve, stop cleanly."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.peers.live_server import free_port, scratch_database

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def read_until(process, pattern: str, timeout: float = 90) -> tuple[str, re.Match]:
    seen = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            if process.poll() is not None:
                break
            continue
        seen += line
        match = re.search(pattern, seen)
        if match:
            return seen, match
    raise AssertionError(f"did not see {pattern!r} in:\n{seen}")


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def runall_env(data_dir, database_url, **extra) -> dict:
    """The environment of a fresh single-machine install (no admin password unless given)."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NVR_ADMIN_PASSWORD")}
    env.update(NVR_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", NVR_SECRET_KEY=secrets.token_urlsafe(50), **extra)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def test_runall_prints_a_working_admin_password_and_stops_on_sigterm(tmp_path):
    port = free_port()
    with scratch_database() as database_url:
        env = runall_env(tmp_path, database_url)
        process = subprocess.Popen([sys.executable, "manage.py", "runall", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, match = read_until(process, r"password: (\S+)")
            password = match.group(1)
            read_until(process, rf"http://127\.0\.0\.1:{port}/")
            wait_for(f"http://127.0.0.1:{port}/healthz")
            status, body = post_json(f"http://127.0.0.1:{port}/api/v1/auth/login", {"username": "admin", "password": password})
            assert status == 200 and body["user"]["role"] == "admin"
            status, _ = post_json(f"http://127.0.0.1:{port}/api/v1/auth/login", {"username": "admin", "password": "nope-nope"})
            assert status == 401
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as page:
                assert b"Log in" in page.read()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/console/console.css", timeout=5) as css:
                assert css.status == 200
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=20)
        assert code == 0
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)


def test_runall_uses_the_configured_admin_password_and_never_prints_it(tmp_path):
    port = free_port()
    with scratch_database() as database_url:
        env = runall_env(tmp_path, database_url, NVR_ADMIN_PASSWORD="chosen-password-1")
        process = subprocess.Popen([sys.executable, "manage.py", "runall", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, _ = read_until(process, rf"http://127\.0\.0\.1:{port}/")
            assert "chosen-password-1" not in output
            wait_for(f"http://127.0.0.1:{port}/healthz")
            status, _ = post_json(f"http://127.0.0.1:{port}/api/v1/auth/login", {"username": "admin", "password": "chosen-password-1"})
            assert status == 200
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)


def test_demo_mode_records_the_simulated_camera_within_a_minute(tmp_path):
    port, rtsp_port = free_port(), free_port()
    with scratch_database() as database_url:
        env = runall_env(tmp_path, database_url, NVR_ADMIN_PASSWORD="chosen-password-1")
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runall", "--port", str(port), "--demo", "--demo-rtsp-port", str(rtsp_port)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            output, match = read_until(process, r"Registered the demo camera '(\S+)'")
            camera_id = match.group(1)
            wait_for(f"http://127.0.0.1:{port}/healthz")
            key = subprocess.run([sys.executable, "manage.py", "mintkey", "demo-test", "--role", "viewer"], cwd=ROOT,
                                 env=env, capture_output=True, text=True, check=True).stdout.split()[-1]

            def get(path):
                request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1{path}", headers={"X-API-Key": key})
                with urllib.request.urlopen(request, timeout=10) as response:
                    return json.loads(response.read())

            segments = []
            while time.monotonic() - started < 60 and not segments:
                segments = get(f"/cameras/{camera_id}/segments")["results"]
                time.sleep(1)
            assert segments, "the demo camera recorded nothing within a minute"
            assert segments[0]["codec"] == "h264" and segments[0]["width"] == 640
            assert get(f"/cameras/{camera_id}/health")["state"] == "recording"
            assert get(f"/cameras/{camera_id}/timeline")["recorded_seconds"] > 0
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
        assert code == 0
