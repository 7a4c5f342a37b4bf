"""Schemathesis against the real server: every operation of the OpenAPI schema, fuzzed, never a 500.

Runs the schemathesis CLI against daphne in a subprocess (its own data dir and database), with an
admin API key. Checks: no server errors, and responses conform to the documented schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.peers.live_server import live_server

pytestmark = pytest.mark.slow

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def api(server, method: str, path: str, key: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(server.base_url + path, method=method, headers={"X-API-Key": key, "Content-Type": "application/json"},
                                     data=json.dumps(body).encode() if body is not None else None)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(tmp_path):
    assert SCHEMATHESIS.exists(), "schemathesis is installed by requirements-dev.txt"
    with live_server(tmp_path) as server:
        out = server.manage("mintkey", "fuzzer", "--role", "admin")
        key = out.strip().splitlines()[-1]
        # some rows for operations addressed by id
        api(server, "POST", "/api/v1/cameras", key, {"name": "Gate A", "vendor": "hikvision", "address": "192.0.2.10",
                                                    "username": "admin", "password": "s3cret!"})
        api(server, "POST", "/api/v1/users", key, {"username": "someone", "password": "long enough pw", "role": "viewer"})
        report_dir = tmp_path / "schemathesis"
        command = [
            str(SCHEMATHESIS), "run", f"{server.base_url}/api/v1/schema/",
            "-H", f"X-API-Key: {key}",
            "--checks", "not_a_server_error,response_schema_conformance",
            "--phases", "examples,coverage,fuzzing,stateful",
            "--max-examples", os.environ.get("NVR_FUZZ_EXAMPLES", "25"),
            "--max-time", os.environ.get("NVR_FUZZ_SECONDS", "150"),
            "--seed", "1",
            "--request-timeout", "15",
            "--workers", "1",
            "--report", "junit", "--report-dir", str(report_dir),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
        artifacts = Path(os.environ.get("NVR_TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
        artifacts.mkdir(parents=True, exist_ok=True)
        (artifacts / "schemathesis.txt").write_text(result.stdout + result.stderr)
        shutil.copytree(report_dir, artifacts / "schemathesis-report", dirs_exist_ok=True)
        server_log = server.log_path.read_text()
    assert result.returncode == 0, result.stdout[-20000:] + "\n--- server log ---\n" + server_log[-5000:]
