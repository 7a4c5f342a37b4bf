"""runall's process-group handling with tiny real processes: grace then SIGKILL, the watchdog, crash remains."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nvr.runall import Child, Supervisor, Watchdog, running_groups, stop_groups

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")

# A leader that starts `sleep 60` in its own process group, writes that grandchild's pid, then waits.
LEADER = """
import pathlib, signal, subprocess, sys, time
if sys.argv[2] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen(["sleep", "60"])
pathlib.Path(sys.argv[1]).write_text(str(grandchild.pid))
if sys.argv[2] == "crash":
    sys.exit(3)
time.sleep(60)
"""


def running(pid: int) -> bool:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return text[text.rindex(")") + 2] not in "ZX"


def wait_for_pid_file(path: Path) -> int:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if path.exists() and path.read_text():
            return int(path.read_text())
        time.sleep(0.02)
    raise AssertionError("the leader did not start its grandchild")


def start_leader(tmp_path: Path, mode: str) -> tuple[subprocess.Popen, int]:
    pid_file = tmp_path / f"{mode}.pid"
    leader = subprocess.Popen([sys.executable, "-c", LEADER, str(pid_file), mode], start_new_session=True)
    return leader, wait_for_pid_file(pid_file)


@pytest.fixture
def cleanup():
    """SIGKILL every process group a test registered, whatever happened."""
    groups: list[int] = []
    yield groups.append
    for pgid in groups:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_a_leader_that_stops_on_sigterm_is_not_kept_waiting(tmp_path, cleanup):
    leader = subprocess.Popen(["sleep", "60"], start_new_session=True)
    cleanup(leader.pid)
    started = time.monotonic()
    assert stop_groups([leader.pid], grace_s=5) == set()
    assert time.monotonic() - started < 2
    assert leader.wait(timeout=1) == -signal.SIGTERM


def test_a_leader_ignoring_sigterm_is_killed_after_the_grace_with_its_descendants(tmp_path, cleanup):
    leader, grandchild = start_leader(tmp_path, "ignore-term")
    cleanup(leader.pid)
    started = time.monotonic()
    assert stop_groups([leader.pid], grace_s=0.5) == {leader.pid}
    assert 0.5 <= time.monotonic() - started < 3
    assert leader.wait(timeout=1) == -signal.SIGKILL
    assert not running(grandchild)
    assert running_groups([leader.pid]) == set()


def test_the_watchdog_stops_the_groups_when_runall_s_end_of_the_pipe_closes(tmp_path, cleanup):
    tracked = subprocess.Popen(["sleep", "60"], start_new_session=True)
    forgotten = subprocess.Popen(["sleep", "60"], start_new_session=True)
    cleanup(tracked.pid)
    cleanup(forgotten.pid)
    watchdog = Watchdog()
    watchdog.start([tracked.pid, forgotten.pid])
    watchdog.forget(forgotten.pid)  # e.g. a crashed child's group that emptied: its number may be reused
    os.close(watchdog.fd)  # what the kernel does when runall is SIGKILLed
    os.waitpid(watchdog.pid, 0)
    assert tracked.wait(timeout=1) == -signal.SIGTERM
    assert forgotten.poll() is None


def test_the_watchdog_is_out_of_reach_of_ctrl_c(cleanup):
    watchdog = Watchdog()
    watchdog.start()
    try:
        deadline = time.monotonic() + 5
        while os.getsid(watchdog.pid) != watchdog.pid and time.monotonic() < deadline:
            time.sleep(0.01)  # the helper calls setsid() right after the fork
        assert os.getsid(watchdog.pid) == watchdog.pid  # its own session: the terminal's SIGINT misses it
        assert watchdog.alive()
    finally:
        watchdog.stop()
    assert not watchdog.alive()


def test_what_a_crashed_child_left_behind_is_stopped_and_the_child_restarted(tmp_path, cleanup):
    pid_file = tmp_path / "crash.pid"
    child = Child("crashy", [sys.executable, "-c", LEADER, str(pid_file), "crash"])
    supervisor = Supervisor([child])
    child.start()
    first = child.process.pid
    cleanup(first)
    grandchild = wait_for_pid_file(pid_file)
    try:
        deadline = time.monotonic() + 10
        while (running(grandchild) or child.process.pid == first) and time.monotonic() < deadline:
            supervisor.step()
            time.sleep(0.05)
        cleanup(child.process.pid)
        assert not running(grandchild), "the crashed child's grandchild still runs"
        assert child.process.pid != first, "the child was not restarted"
    finally:
        supervisor.shutdown(grace_s=1)
    assert running_groups([first, child.process.pid]) == set()
