"""`manage.py simcam` prints one READY line per mount, serves them, and exits 0 on SIGTERM or SIGINT."""

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
READY = re.compile(r"^READY rtsp://(?:admin:\*\*\*@)?127\.0\.0\.1:(\d+)(/cam\d)$")


def start(tmp_path, *args):
    env = {**os.environ, "NVR_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "manage.py", "simcam", "--port", "0", *args]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def ready_lines(proc, count):
    lines = [proc.stdout.readline().strip() for _ in range(count)]
    matches = [READY.match(line) for line in lines]
    assert all(matches), (lines, proc.stderr.read() if proc.poll() is not None else "")
    return [(int(m.group(1)), m.group(2)) for m in matches]


def options_status(port):
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n")
        return sock.recv(1024).split(b"\r\n")[0]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_command_announces_mounts_and_exits_cleanly(tmp_path, signum):
    proc = start(tmp_path, "--source", "clip", "--size", "320x180", "--bitrate", "300k", "--duration", "1",
                 "--mounts", "2", "--user", "admin", "--password", "top-secret")
    try:
        mounts = ready_lines(proc, 2)
        assert [path for _, path in mounts] == ["/cam1", "/cam2"]
        assert options_status(mounts[0][0]) == b"RTSP/1.0 200 OK"
        assert list((tmp_path / "simcam").glob("*.simclip"))  # the clip went to NVR_DATA_DIR/simcam
        proc.send_signal(signum)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "top-secret" not in proc.stdout.read()


def test_command_refuses_bad_sizes(tmp_path):
    proc = start(tmp_path, "--size", "100x100")
    _, err = proc.communicate(timeout=30)
    assert proc.returncode != 0
    assert "at least 320x180" in err
