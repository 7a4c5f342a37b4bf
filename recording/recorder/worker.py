"""Recorder worker processes: each hosts a few camera pipelines in threads and reports to the supervisor.

Threads are cheap and processes isolate crashes (SPEC §1): a crash of one worker takes only its few cameras
down, and the supervisor restarts them. Workers never touch the database; everything they learn goes back
to the supervisor as plain tuples on one shared queue. Each worker also runs a live tap
(`recording.recorder.livetap`) serving its cameras' live video and keyframes to the web processes; its
address goes to the supervisor, which publishes it in the cameras' status rows.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from dataclasses import asdict

log = logging.getLogger(__name__)
PARENT_CHECK_S = 0.5
STOP_GRACE_S = 8.0
STATS_FORWARD_S = 4.0


class QueueListener:
    """PipelineListener that forwards every callback to the supervisor's event queue."""

    def __init__(self, events):
        self.events = events
        self.stats_sent: dict[str, float] = {}

    def on_connecting(self, camera_id):
        self.events.put(("connecting", camera_id))

    def on_connected(self, camera_id, info):
        self.events.put(("connected", camera_id, asdict(info)))

    def on_segment(self, camera_id, segment):
        self.events.put(("segment", camera_id, segment))

    def on_disconnect(self, camera_id, reason, error, ran_seconds):
        self.events.put(("disconnect", camera_id, reason, error, ran_seconds))

    def on_stats(self, camera_id, fps, last_packet_at, bytes_written):
        # The supervisor stores stats every few seconds; forwarding each one would only cost pickling.
        now = time.monotonic()
        if now - self.stats_sent.get(camera_id, 0.0) >= STATS_FORWARD_S:
            self.stats_sent[camera_id] = now
            self.events.put(("stats", camera_id, fps, last_packet_at, bytes_written))


class Worker:
    """The body of one worker process: obey start/stop/record commands until told to exit or orphaned."""

    def __init__(self, commands, events):
        self.commands, self.events = commands, events
        self.listener = QueueListener(events)
        self.pipelines: dict[str, tuple] = {}
        self.stopping: list[threading.Thread] = []
        self.parent = os.getppid()

    def start(self, config, recording: bool, generation: int = 0) -> None:
        from recording.recorder.pipeline import CameraPipeline

        self.stop(config.camera_id)
        pipeline = CameraPipeline(config, self.listener, recording=recording)
        thread = threading.Thread(target=self._run, args=(config.camera_id, pipeline, generation), daemon=True,
                                  name=f"camera-{config.camera_id}")
        self.pipelines[config.camera_id] = (pipeline, thread)
        thread.start()

    def _run(self, camera_id, pipeline, generation: int) -> None:
        try:
            pipeline.run()
        except Exception as exc:  # one camera's bug must not take the others down
            log.exception("camera %s: pipeline crashed", camera_id)
            self.events.put(("disconnect", camera_id, "stream_error", f"recorder bug: {exc!r}", 0.0))
        finally:
            self.events.put(("stopped", camera_id, generation))  # which start this was: a restart overlaps

    def stop(self, camera_id: str, wait: bool = True) -> None:
        entry = self.pipelines.pop(camera_id, None)
        if entry is None:
            return
        pipeline, thread = entry
        pipeline.stop()
        if wait:
            thread.join(STOP_GRACE_S)
        else:
            self.stopping = [t for t in self.stopping if t.is_alive()] + [thread]

    def stop_all(self) -> None:
        """Stop every pipeline and wait for each to close its open segment (threads are daemons)."""
        entries = list(self.pipelines.values())
        self.pipelines.clear()
        for pipeline, _ in entries:
            pipeline.stop()
        for thread in [t for _, t in entries] + self.stopping:
            thread.join(STOP_GRACE_S)

    def step(self) -> bool:
        """Handle one command; returns False when the worker should exit."""
        if os.getppid() != self.parent:
            log.warning("recorder supervisor died: closing %d open segment(s) and exiting", len(self.pipelines))
            self.stop_all()
            return False
        try:
            command = self.commands.get(timeout=PARENT_CHECK_S)
        except queue.Empty:
            return True
        verb, *args = command
        if verb == "start":
            self.start(*args)
        elif verb == "stop":
            self.stop(*args, wait=False)
        elif verb == "record":
            camera_id, wanted = args
            if camera_id in self.pipelines:
                self.pipelines[camera_id][0].set_recording(wanted)
        elif verb == "retry":
            camera_id, = args
            if camera_id in self.pipelines:
                self.pipelines[camera_id][0].retry_now()
        elif verb == "mirror":
            camera_id, mirror_root = args
            if camera_id in self.pipelines:
                self.pipelines[camera_id][0].set_mirror(mirror_root)
        elif verb == "exit":
            self.stop_all()
            return False
        return True


def start_tap(worker: Worker) -> str:
    """Start this worker's live tap; its "host:port", or "" when it cannot listen (recording goes on)."""
    from django.conf import settings

    from recording.recorder.livetap import TapServer

    host = getattr(settings, "NVR_RECORDER_TAP_HOST", "127.0.0.1")
    try:
        return TapServer(lambda: {cid: entry[0] for cid, entry in dict(worker.pipelines).items()}, host,
                         settings.SECRET_KEY).start()
    except OSError as exc:
        log.error("live tap cannot listen on %s (live view off for this worker's cameras): %s", host, exc)
        return ""


def worker_main(commands, events) -> None:
    """Entry point of a worker process (spawned): the supervisor alone decides when we stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)  # the project's handlers, including credential masking
    worker = Worker(commands, events)
    events.put(("tap", os.getpid(), start_tap(worker)))
    while worker.step():
        pass
    from recording.recorder.mirror import COPIER

    COPIER.close()  # the last segments' mirror copies
    events.put(("exited", os.getpid()))
