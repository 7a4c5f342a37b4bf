"""Single-machine mode: prepare the database, create the first admin, run every process and supervise them."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connections

from accounts.services import bootstrap_admin

log = logging.getLogger(__name__)
RESTART_BACKOFF_MAX_S = 30
# Ctrl-C must bring everything down, and give the prompt back, within 10 s: 6 s of grace, at most
# 1 s for SIGKILL to take effect, the rest is margin for a loaded machine. The recorder closes its
# segments in about a second; the task cluster waits for its running tasks (a retention sweep or a
# backup may take minutes), so it is the one killed at the deadline when it is busy.
SHUTDOWN_GRACE_S = 6.0
KILL_WAIT_S = 1.0
STEP_INTERVAL_S = 0.5
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
DEMO_RTSP_PORT = 8554
DEMO_CAMERA = {"name": "Demo camera", "segment_seconds": 10}

# --- process groups ------------------------------------------------------------------------------
# Every child runs as the leader of its own session and process group, so that
#  * Ctrl-C, which the terminal sends to the whole foreground group, reaches only make and runall,
#    and runall alone decides how each child stops; otherwise every descendant (down to a task's
#    own subprocesses) gets SIGINT at once, whatever its parent's plan for stopping it;
#  * a child's descendants (django-q2's sentinel, workers, monitor and pusher; the recorder's
#    worker processes) can be killed together with `killpg` even after the child itself is gone.
# A group's number is its leader's pid, which the kernel does not hand out again while any process
# of the group exists, so signalling a group that `running_groups` just reported is safe.


def running_groups(pgids: Iterable[int]) -> set[int]:
    """Those of `pgids` with a process still running; a zombie (finished, not yet reaped) does not count."""
    candidates = set()
    for pgid in pgids:
        try:
            os.killpg(pgid, 0)
            candidates.add(pgid)
        except ProcessLookupError:
            pass
        except PermissionError:
            candidates.add(pgid)
    proc = Path("/proc")
    if not candidates or not proc.is_dir():
        return candidates
    running = set()
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                text = (entry / "stat").read_text()
            except OSError:
                continue
            state, _ppid, pgrp = text[text.rindex(")") + 2:].split(None, 3)[:3]  # the name may hold spaces
            if int(pgrp) in candidates and state not in "ZX":
                running.add(int(pgrp))
    return running


def _signal(send, target: int, signum: int) -> None:
    try:
        send(target, signum)
    except (ProcessLookupError, PermissionError):
        pass


def wait_groups(pgids: Iterable[int], timeout_s: float) -> set[int]:
    """Wait up to `timeout_s` for the groups to empty; those still running."""
    deadline = time.monotonic() + timeout_s
    while (running := running_groups(pgids)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return running


def stop_groups(pgids: Iterable[int], grace_s: float = SHUTDOWN_GRACE_S) -> set[int]:
    """SIGTERM each group's leader, SIGKILL the whole of every group still running after `grace_s`.

    Only the leader gets SIGTERM: it knows how to stop its own descendants (qcluster stops its
    cluster, the recorder closes its segments first), whereas django-q2's forked processes keep the
    default SIGTERM action and would die mid-task. Returns the groups that had to be killed.
    """
    running = running_groups(pgids)
    for pgid in running:
        _signal(os.kill, pgid, signal.SIGTERM)
    stubborn = wait_groups(running, grace_s)
    for pgid in stubborn:
        _signal(os.killpg, pgid, signal.SIGKILL)
    wait_groups(stubborn, KILL_WAIT_S)
    return stubborn


class Watchdog:
    """A forked helper that stops the children's process groups when runall dies without doing so.

    runall holds the only write end of a pipe and tells the helper each group it starts or retires;
    the kernel closes that end however runall ends (SIGKILL, OOM killer, crash), and on EOF the
    helper runs the same `stop_groups` as a normal shutdown. Why not PR_SET_PDEATHSIG (prctl): it
    signals only the direct child, is tied to the thread that forked it, cannot escalate to SIGKILL
    when a child ignores or hangs on SIGTERM (qcluster waits for a running task before it exits),
    and leaves the descendants to the child's goodwill (django-q2's sentinel never checks its
    parent). Why not a pipe the children watch themselves: daphne and qcluster are not ours. The
    helper lives in its own session, so Ctrl-C and a SIGKILL of runall's process group miss it.
    """

    def __init__(self):
        self.pid = 0
        self.fd = -1

    def start(self, pgids: Iterable[int] = ()) -> None:
        if self.fd >= 0:
            os.close(self.fd)  # a dead helper's pipe
        connections.close_all()  # nothing of the database may be shared with the fork
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(write_fd)
                os.setsid()
                for signum in STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_IGN if signum != signal.SIGTERM else signal.SIG_DFL)
                watch(read_fd)
            finally:
                os._exit(0)
        os.close(read_fd)
        self.pid, self.fd = pid, write_fd
        for pgid in pgids:
            self.track(pgid)

    def _tell(self, message: str) -> None:
        try:
            os.write(self.fd, message.encode())
        except OSError:
            pass  # the helper died: `alive()` is false and the supervisor starts another

    def track(self, pgid: int) -> None:
        self._tell(f"+{pgid}\n")

    def forget(self, pgid: int) -> None:
        self._tell(f"-{pgid}\n")

    def alive(self) -> bool:
        if not self.pid:
            return False
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def stop(self) -> None:
        """Close the pipe (nothing is left to stop after a normal shutdown) and reap the helper."""
        if self.fd < 0:
            return
        os.close(self.fd)
        self.fd = -1
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass


def watch(fd: int) -> None:
    """The helper's body: follow the groups runall reports until its end of the pipe closes, then stop them."""
    groups: set[int] = set()
    pending = b""
    while chunk := os.read(fd, 4096):
        *lines, pending = (pending + chunk).split(b"\n")
        for line in lines:
            (groups.add if line.startswith(b"+") else groups.discard)(int(line[1:]))
    if running_groups(groups):
        os.write(2, b"runall ended without stopping its processes: stopping them\n")
        stop_groups(groups)


@dataclass
class Child:
    """One supervised process (and its process group): restarted with backoff if it dies."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    backoff: float = 1.0
    started_at: float = 0.0
    retired: bool = False  # its exit was seen and what it left in its group was told to stop

    def start(self) -> None:
        # A session of its own (see "process groups" above); no stdin, which stays the terminal's.
        self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, start_new_session=True)
        self.started_at = time.monotonic()
        self.retired = False

    def exited(self) -> int | None:
        return None if self.process is None else self.process.poll()


def processes(host: str, port: int, demo: bool = False, demo_rtsp_port: int = DEMO_RTSP_PORT) -> list[Child]:
    """The process table of single-machine mode (SPEC §1): web, tasks, recorder (+ the simulated camera)."""
    python = sys.executable
    manage = [python, str(settings.BASE_DIR / "manage.py")]
    children = [
        Child("web", [python, "-m", "daphne", "-b", host, "-p", str(port), "nvr.asgi:application"]),
        Child("tasks", [*manage, "qcluster"]),
        Child("recorder", [*manage, "record"]),
    ]
    if demo:
        children.append(Child("simcam", [*manage, "simcam", "--host", "127.0.0.1", "--port", str(demo_rtsp_port),
                                         "--source", "clock"]))
    return children


def prepare(stdout, demo: bool = False, demo_rtsp_port: int = DEMO_RTSP_PORT) -> None:
    call_command("migrate", interactive=False, verbosity=0)
    call_command("sync_schedules", verbosity=0)
    if demo:
        register_demo_camera(stdout, demo_rtsp_port)
    created = bootstrap_admin(password=settings.NVR_ADMIN_PASSWORD)
    if created is not None:
        user, generated = created
        if generated:
            stdout.write(f"\nCreated the first admin user '{user.username}' with password: {generated}\n"
                         "This password is shown only once. Change it after logging in.\n\n")
        else:
            stdout.write(f"\nCreated the first admin user '{user.username}' (password from NVR_ADMIN_PASSWORD).\n\n")


class Supervisor:
    """Runs the children until SIGINT/SIGTERM/SIGHUP; a crashed child is restarted with backoff."""

    def __init__(self, children: list[Child]):
        self.children = children
        self.stopping = False
        self.watchdog = Watchdog()
        self.retired: dict[int, float] = {}  # group of an exited child -> when to SIGKILL what is left

    def _stop(self, signum, frame):
        self.stopping = True

    def groups(self) -> set[int]:
        """The process groups to stop: every running child's, and what exited children left behind."""
        return {c.process.pid for c in self.children if c.process is not None and not c.retired} | set(self.retired)

    def step(self) -> bool:
        """Restart any child that exited; returns True if it did work."""
        did_work = self.sweep_retired()
        if not self.watchdog.alive():
            log.warning("the runall watchdog exited; starting another")
            self.watchdog.start(self.groups())
        now = time.monotonic()
        for child in self.children:
            code = child.exited()
            if code is None:
                if now - child.started_at > RESTART_BACKOFF_MAX_S:
                    child.backoff = 1.0
                continue
            if not child.retired:
                self.retire(child)
            if now - child.started_at < child.backoff:
                continue
            log.warning("%s exited with code %s; restarting", child.name, code)
            child.backoff = min(child.backoff * 2, RESTART_BACKOFF_MAX_S)
            child.start()
            self.watchdog.track(child.process.pid)
            did_work = True
        return did_work

    def retire(self, child: Child) -> None:
        """A child exited: what it left in its group (a crashed qcluster's sentinel and workers would go
        on firing schedules next to the restarted one) gets SIGTERM now and SIGKILL after the grace."""
        child.retired = True
        pgid = child.process.pid
        if running_groups([pgid]):
            _signal(os.killpg, pgid, signal.SIGTERM)
            self.retired[pgid] = time.monotonic() + SHUTDOWN_GRACE_S
        else:
            self.watchdog.forget(pgid)

    def sweep_retired(self) -> bool:
        """Forget retired groups that emptied, SIGKILL those past their grace; True if it did either."""
        did_work = False
        running = running_groups(self.retired) if self.retired else set()
        for pgid, kill_at in list(self.retired.items()):
            if pgid not in running:
                del self.retired[pgid]
                self.watchdog.forget(pgid)
                did_work = True
            elif time.monotonic() >= kill_at:
                _signal(os.killpg, pgid, signal.SIGKILL)
                did_work = True
        return did_work

    def run(self) -> None:
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._stop)
        self.watchdog.start()
        try:
            for child in self.children:
                child.start()
                self.watchdog.track(child.process.pid)
            while not self.stopping:
                self.step()
                time.sleep(STEP_INTERVAL_S)
        finally:
            self.shutdown()

    def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> None:
        """Stop every group (SIGTERM, then SIGKILL after `grace_s`) before returning, so that make, which
        waits for runall, gives the prompt back only when nothing of the system runs any more."""
        names = {c.process.pid: c.name for c in self.children if c.process is not None}
        log.info("stopping %s (at most %.0f s)", ", ".join(names.values()), grace_s + KILL_WAIT_S)
        for pgid in stop_groups(self.groups(), grace_s):
            log.warning("%s did not stop within %.0f s: killed with its process group",
                        names.get(pgid, f"the remains of process group {pgid}"), grace_s)
        for child in self.children:
            if child.process is not None:
                try:
                    child.process.wait(KILL_WAIT_S)  # reap it (a killed leader is gone by now)
                except subprocess.TimeoutExpired:
                    log.error("%s (pid %d) survived SIGKILL", child.name, child.process.pid)
        self.watchdog.stop()


def register_demo_camera(stdout, rtsp_port: int = DEMO_RTSP_PORT) -> None:
    """The demo camera: the built-in simulated camera on loopback, recorded in 10 s segments, a snapshot a minute."""
    from accounts.principal import SYSTEM
    from cameras.models import Camera
    from cameras.services import create_camera
    from recording.services import create_snapshot_schedule

    url = f"rtsp://127.0.0.1:{rtsp_port}/cam1"
    if Camera.objects.filter(name=DEMO_CAMERA["name"]).exists():
        return
    camera = create_camera(SYSTEM, {**DEMO_CAMERA, "main_stream_url": url})
    create_snapshot_schedule(SYSTEM, camera, {"interval_seconds": 60})
    stdout.write(f"Registered the demo camera '{camera.pk}' ({url}) with a snapshot every minute.\n")
