"""A real django-q2 task cluster (`manage.py qcluster`) beside a live web server, for black-box tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from contextlib import contextmanager

from tests.peers.live_server import ROOT, LiveServer


@contextmanager
def task_cluster(server: LiveServer, workers: int = 1):
    """Run `manage.py qcluster` on the server's database and data dir (its own process group) while the block runs."""
    env = {**server.env, "NVR_TASK_WORKERS": str(workers)}
    log = open(server.data_dir / "qcluster.log", "a")
    process = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process
    finally:
        _signal_group(process.pid, signal.SIGTERM)  # qcluster finishes a running task, then stops its workers
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(process.pid, signal.SIGKILL)  # whatever of the group is still there
        process.wait(10)
        log.close()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass
