"""Named locks in the database (`ProcessLock`): one retention sweep at a time across every task host."""

from __future__ import annotations

import os
import secrets
import socket
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import IntegrityError
from django.db.models import Q
from django.utils import timezone

from recording.models import ProcessLock


def holder_name() -> str:
    """Who takes a lock: host, pid and a random part (a pid is reused, a token is not)."""
    return f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"


def acquire(name: str, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take (or extend) the lock `name` for `ttl` if it is free, expired or already ours."""
    now = now or timezone.now()
    try:
        ProcessLock.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # created by a racing process meanwhile
    free = Q(holder__isnull=True) | Q(expires_at__lt=now) | Q(holder=holder)
    return ProcessLock.objects.filter(free, name=name).update(holder=holder, expires_at=now + ttl) == 1


def release(name: str, holder: str) -> None:
    ProcessLock.objects.filter(name=name, holder=holder).update(holder=None, expires_at=None)


@contextmanager
def exclusive(name: str, ttl: timedelta):
    """Yields whether this process holds `name`; released on exit (it expires after `ttl` if we die)."""
    holder = holder_name()
    mine = acquire(name, holder, ttl)
    try:
        yield mine
    finally:
        if mine:
            release(name, holder)
