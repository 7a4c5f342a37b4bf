"""Stopping single-machine mode leaves nothing behind: Ctrl-C (also through make), SIGTERM, even SIGKILL.

Each test starts `runall --demo` with its own data dir and ports, waits until the web answers and the
recorder writes a segment, queues a two-minute task (a task worker busy with a long retention sweep
or backup is the slowest thing to stop: django-q2 waits for it, so runall has to kill the cluster at
its deadline), records every descendant process and every TCP port they listen on, stops it one
way, and checks that all of those processes are gone and no port answers any more. Processes are
read from /proc (Linux only).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.nvr.test_runall import runall_env, wait_for
from tests.peers.live_server import free_port, scratch_database

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")]
ROOT = Path(__file__).resolve().parents[2]
STOP_BOUND_S = 10  # the promise: Ctrl-C or SIGTERM brings the whole tree down within 10 s
# After SIGKILL of runall its watchdog, woken at once by the end of its pipe, runs the same stop
# (SIGTERM, 6 s grace, SIGKILL of the process groups), so the same bound holds.
KILLED_BOUND_S = STOP_BOUND_S


@dataclass(frozen=True)
class Proc:
    """A process identified by pid and start time (a recycled pid is another process)."""

    pid: int
    started: int
    cmdline: str


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, start time) of a process, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()  # the command name may contain spaces and parentheses
    return fields[0], int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def descendants(root: int) -> set[Proc]:
    """Every living process below `root`, found by walking the parent links of the whole table."""
    children: dict[int, list[int]] = {}
    started: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) and stat[0] != "Z":
            children.setdefault(stat[1], []).append(int(entry.name))
            started[int(entry.name)] = stat[2]
    found, todo = set(), [root]
    while todo:
        for pid in children.get(todo.pop(), []):
            found.add(Proc(pid, started[pid], _cmdline(pid)))
            todo.append(pid)
    return found


def alive(procs: set[Proc]) -> set[Proc]:
    """Those still running (a zombie has finished: it only waits for its parent to read its status)."""
    return {p for p in procs if (stat := _stat(p.pid)) and stat[2] == p.started and stat[0] != "Z"}


def listening_ports(procs: set[Proc]) -> set[int]:
    """TCP ports any of `procs` listens on (socket inodes from /proc/<pid>/fd matched to /proc/net/tcp*)."""
    inodes = set()
    for proc in procs:
        try:
            for fd in Path(f"/proc/{proc.pid}/fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
        except OSError:
            continue
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A = LISTEN
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_until_gone(procs: set[Proc], bound_s: float) -> tuple[float, set[Proc]]:
    """Seconds until every one of `procs` has exited (or the bound passed), and those left."""
    started = time.monotonic()
    while (left := alive(procs)) and time.monotonic() - started < bound_s:
        time.sleep(0.1)
    return time.monotonic() - started, left


def wait_for_file(directory: Path, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if directory.exists() and any(directory.rglob(pattern)):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {pattern} under {directory} within {timeout:.0f} s")


def wait_for_process(root: int, pattern: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(pattern in p.cmdline for p in descendants(root)):
            return
        time.sleep(0.5)
    raise AssertionError(f"no {pattern!r} below {root} within {timeout:.0f} s")


@dataclass
class Demo:
    """A running demo install: the process we started (runall or make), its port and its data."""

    process: subprocess.Popen
    port: int
    data_dir: Path
    log_path: Path
    env: dict
    tree: frozenset[Proc] = frozenset()

    def ready_tree(self) -> tuple[set[Proc], set[int]]:
        """Wait until everything works, then return the descendants and their listening ports."""
        try:
            return self._ready_tree()
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nlog tail:\n{self.log_path.read_text()[-4000:]}") from None

    def _ready_tree(self) -> tuple[set[Proc], set[int]]:
        wait_for(f"http://127.0.0.1:{self.port}/healthz", timeout=120)
        wait_for_file(self.data_dir / "recordings", "*.mp4*", timeout=90)
        subprocess.run([sys.executable, "manage.py", "shell", "-c",
                        "from django_q.tasks import async_task; async_task('subprocess.run', ['sleep', '120'])"],
                       cwd=ROOT, env=self.env, check=True, capture_output=True, timeout=60)
        wait_for_process(self.process.pid, "sleep 120", timeout=60)  # a task worker is busy with it
        tree = descendants(self.process.pid)
        commands = " | ".join(p.cmdline for p in tree)
        for expected in ("daphne", "qcluster", "manage.py record", "simcam", "multiprocessing.spawn"):
            assert expected in commands, f"{expected} missing from the process tree: {commands}"
        assert sum("qcluster" in p.cmdline for p in tree) >= 5, commands  # cluster, sentinel, monitor, pusher, workers
        self.tree = frozenset(tree)
        return tree, listening_ports(tree)


@contextmanager
def demo(tmp_path: Path, via_make: bool = False):
    """`runall --demo` (or `make demo`) in its own session, as a terminal would run a foreground job."""
    port, rtsp_port = free_port(), free_port()
    with scratch_database() as database_url:
        env = runall_env(tmp_path, database_url, NVR_ADMIN_PASSWORD="chosen-password-1")
        if via_make:
            # -o install: the virtualenv is there already; what is tested is make's handling of Ctrl-C
            argv = ["make", "-o", "install", "demo", f"PORT={port}", f"DEMO_RTSP_PORT={rtsp_port}"]
        else:
            argv = [sys.executable, "manage.py", "runall", "--port", str(port), "--demo",
                    "--demo-rtsp-port", str(rtsp_port)]
        log_path = tmp_path / "runall.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        run = Demo(process, port, tmp_path, log_path, env)
        try:
            yield run
        finally:
            # whatever the outcome, leave nothing running on a shared machine
            leftovers = descendants(process.pid) | run.tree
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            for proc in alive(leftovers):
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def assert_all_stopped(demo_run: Demo, tree: set[Proc], ports: set[int], bound_s: float) -> float:
    took, left = wait_until_gone(tree, bound_s)
    log_tail = demo_run.log_path.read_text()[-3000:]
    assert not left, (f"still running {took:.1f} s after the stop:\n"
                      + "\n".join(f"  {p.pid} {p.cmdline}" for p in sorted(left, key=lambda p: p.pid))
                      + f"\nlog tail:\n{log_tail}")
    assert not {port for port in ports if answers(port)}, f"ports still answer (of {sorted(ports)})"
    # the recorder got SIGTERM, not SIGKILL: it closed (renamed and indexed) its open segment
    assert not list((demo_run.data_dir / "recordings").rglob("*.part")), "a segment was left open"
    print(f"\n{len(tree)} processes and ports {sorted(ports)} gone {took:.1f} s after the stop")
    return took


def test_ctrl_c_stops_every_process_of_the_demo(tmp_path):
    with demo(tmp_path) as run:
        tree, ports = run.ready_tree()
        os.killpg(run.process.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the whole foreground group
        assert_all_stopped(run, tree, ports, STOP_BOUND_S)
        assert run.process.wait(timeout=STOP_BOUND_S) == 0


def test_ctrl_c_on_make_demo_returns_only_when_everything_stopped(tmp_path):
    with demo(tmp_path, via_make=True) as run:
        tree, ports = run.ready_tree()
        started = time.monotonic()
        os.killpg(run.process.pid, signal.SIGINT)
        run.process.wait(timeout=STOP_BOUND_S)
        # make is the last to go: once the prompt is back, nothing of the demo may still run
        left = alive(tree)
        assert not left, "make returned while these still ran:\n" + "\n".join(f"  {p.cmdline}" for p in left)
        assert_all_stopped(run, tree, ports, 0)
        print(f"make returned {time.monotonic() - started:.1f} s after Ctrl-C")


def test_sigterm_to_runall_alone_stops_every_process(tmp_path):
    with demo(tmp_path) as run:
        tree, ports = run.ready_tree()
        run.process.send_signal(signal.SIGTERM)  # systemd or a script: only runall gets the signal
        assert_all_stopped(run, tree, ports, STOP_BOUND_S)
        assert run.process.wait(timeout=STOP_BOUND_S) == 0


def test_sigkill_of_runall_still_stops_every_process(tmp_path):
    with demo(tmp_path) as run:
        tree, ports = run.ready_tree()
        run.process.kill()  # runall cannot clean up: its children must notice on their own
        run.process.wait()
        assert_all_stopped(run, tree, ports, KILLED_BOUND_S)
