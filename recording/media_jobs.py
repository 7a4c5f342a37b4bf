"""Plumbing of interactive media work: the media-job permit pool, segment read locks, stored file paths.

On-demand stills decode video inside a request (or a snapshot task) and clip export jobs copy it in a
task worker; the permit pool keeps a burst of them from starving the machine (reference §3.18). The pool
is per process: in the task cluster the worker count bounds exports as well. The recorder never takes a
permit. Read locks (`Segment.read_locks`) tell retention a file is open for reading, so it
is not deleted under a reader.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db.models import F
from rest_framework import status

from nvr.api.exceptions import ServiceUnavailable
from recording.models import Segment

CONCURRENCY_DEFAULT, CONCURRENCY_MIN, CONCURRENCY_MAX = 3, 1, 64
PERMIT_WAIT_S = 10.0


class MediaBusy(ServiceUnavailable):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "too many media jobs are running; retry shortly"
    default_code = "media_busy"


def configured_concurrency() -> int:
    """NVR_MEDIA_JOB_CONCURRENCY clamped to 1..64 (default 3)."""
    value = getattr(settings, "NVR_MEDIA_JOB_CONCURRENCY", CONCURRENCY_DEFAULT)
    try:
        value = int(value)
    except (TypeError, ValueError):
        value = CONCURRENCY_DEFAULT
    return max(CONCURRENCY_MIN, min(CONCURRENCY_MAX, value))


class _Pool:
    """The process-wide semaphore, rebuilt if the setting changes (only ever in tests)."""

    def __init__(self):
        self._guard = threading.Lock()
        self._size = 0
        self._semaphore: threading.Semaphore | None = None

    def semaphore(self) -> threading.Semaphore:
        size = configured_concurrency()
        with self._guard:
            if self._semaphore is None or size != self._size:
                self._size, self._semaphore = size, threading.BoundedSemaphore(size)
            return self._semaphore


_pool = _Pool()


@contextmanager
def media_permit(wait: float | None = None) -> Iterator[None]:
    """Hold one media-job permit; 503 `media_busy` when none frees up within `wait` (10) seconds."""
    semaphore = _pool.semaphore()
    if not semaphore.acquire(timeout=PERMIT_WAIT_S if wait is None else wait):
        raise MediaBusy()
    try:
        yield
    finally:
        semaphore.release()


def take_read_locks(segment_ids: Iterable[str]) -> list[str]:
    """Count the segments as open for reading once more; the ids taken (sorted, unique)."""
    ids = sorted(set(segment_ids))
    if ids:
        Segment.objects.filter(pk__in=ids).update(read_locks=F("read_locks") + 1)
    return ids


def drop_read_locks(segment_ids: Iterable[str]) -> None:
    """Undo `take_read_locks` once (never below zero, even if someone reset a counter meanwhile)."""
    ids = sorted(set(segment_ids))
    if ids:
        Segment.objects.filter(pk__in=ids, read_locks__gt=0).update(read_locks=F("read_locks") - 1)


@contextmanager
def read_locked(segment_ids: Iterable[str]) -> Iterator[None]:
    """Count the segments as open for reading while the block runs (retention skips them).

    For short reads inside one request (stills). A background job that may be killed records its
    locks on its own row instead (`recording.clips`), so a dead job's locks can be released.
    """
    ids = take_read_locks(segment_ids)
    try:
        yield
    finally:
        drop_read_locks(ids)


def inside(root: Path, relative: str) -> Path | None:
    """`root / relative`, or None when a stored relative path would leave the root."""
    root = Path(root).resolve()
    target = (root / relative).resolve()
    return target if target != root and target.is_relative_to(root) else None
