"""Mirror recording: a second, identical copy of every closed segment under `NVR_MIRROR_RECORDINGS_DIR`.

For cameras with `mirror_enabled`, each segment the recorder closes (or salvages after a write failure) is
copied byte for byte to the same relative path under the mirror root — typically another disk, so one
failed disk loses no footage. The copy runs in one thread per worker process, so a slow mirror disk never
holds up ingest; it is written as `*.part` and renamed, so the mirror never shows a partial file. Mirror
files are not indexed; retention prunes them by age (`recording.pruning.prune_mirror`).
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import threading
from pathlib import Path

log = logging.getLogger(__name__)
PART_SUFFIX = ".part"
QUEUE_LIMIT = 1000  # copies waiting; beyond it the mirror is hopelessly behind and new copies are skipped


def copy_segment(source: Path, mirror_root: Path, relpath: str) -> Path:
    """Copy one segment file to `mirror_root/relpath` through a `.part` name; the mirrored path."""
    target = mirror_root / relpath
    part = target.with_name(target.name + PART_SUFFIX)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(source, part)
        os.replace(part, target)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return target


class MirrorCopier:
    """One worker process's copy thread (started with the first copy, a daemon that drains on `close`)."""

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue(QUEUE_LIMIT)
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.failures = 0

    def submit(self, source: Path, mirror_root: Path, relpath: str) -> bool:
        """Queue a copy (False when the queue is full: the copy is skipped and logged)."""
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="mirror-copier", daemon=True)
                self.thread.start()
        try:
            self.jobs.put_nowait((source, mirror_root, relpath))
            return True
        except queue.Full:
            log.error("mirror: %d copies waiting; skipping %s", QUEUE_LIMIT, relpath)
            return False

    def _run(self) -> None:
        while True:
            job = self.jobs.get()
            try:
                if job is None:
                    return
                source, mirror_root, relpath = job
                try:
                    copy_segment(source, mirror_root, relpath)
                except OSError as exc:  # a full or missing mirror disk must never stop recording
                    self.failures += 1
                    log.warning("mirror: could not copy %s to %s: %s", relpath, mirror_root, exc)
            finally:
                self.jobs.task_done()

    def close(self, timeout: float = 10.0) -> None:
        """Finish the queued copies (up to `timeout`) and stop the thread."""
        if self.thread is None:
            return
        self.jobs.put(None)
        self.thread.join(timeout)


COPIER = MirrorCopier()
