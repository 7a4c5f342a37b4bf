"""Single-machine mode: prepare the database, create the first admin, run every process and supervise them."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command

from accounts.services import bootstrap_admin

log = logging.getLogger(__name__)
RESTART_BACKOFF_MAX_S = 30
DEMO_RTSP_PORT = 8554
DEMO_CAMERA = {"name": "Demo camera", "segment_seconds": 10}


@dataclass
class Child:
    """One supervised process: restarted with backoff if it dies, stopped with SIGTERM on shutdown."""

    name: str
    argv: list[str]
    process: subprocess.Popen | None = None
    backoff: float = 1.0
    started_at: float = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv)
        self.started_at = time.monotonic()

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
    """Runs the children until SIGINT/SIGTERM; a crashed child is restarted with backoff."""

    def __init__(self, children: list[Child]):
        self.children = children
        self.stopping = False

    def _stop(self, signum, frame):
        self.stopping = True

    def step(self) -> bool:
        """Restart any child that exited; returns True if it did work."""
        did_work = False
        now = time.monotonic()
        for child in self.children:
            code = child.exited()
            if code is None:
                if now - child.started_at > RESTART_BACKOFF_MAX_S:
                    child.backoff = 1.0
                continue
            if now - child.started_at < child.backoff:
                continue
            log.warning("%s exited with code %s; restarting", child.name, code)
            child.backoff = min(child.backoff * 2, RESTART_BACKOFF_MAX_S)
            child.start()
            did_work = True
        return did_work

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for child in self.children:
            child.start()
        while not self.stopping:
            self.step()
            time.sleep(0.5)
        self.shutdown()

    def shutdown(self, grace_s: float = 10.0) -> None:
        for child in self.children:
            if child.exited() is None:
                child.process.terminate()
        deadline = time.monotonic() + grace_s
        for child in self.children:
            if child.process is None:
                continue
            try:
                child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.process.kill()


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
