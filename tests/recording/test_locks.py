"""Database locks (recording.locks): one holder at a time across processes and hosts, expiry frees a dead one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from recording import locks

pytestmark = pytest.mark.django_db
TTL = timedelta(minutes=5)


def test_one_holder_at_a_time_and_release_frees_it():
    now = timezone.now()
    assert locks.acquire("sweep", "a", TTL, now)
    assert not locks.acquire("sweep", "b", TTL, now)
    assert locks.acquire("sweep", "a", TTL, now)  # extending our own
    locks.release("sweep", "b")  # not b's to give back
    assert not locks.acquire("sweep", "b", TTL, now)
    locks.release("sweep", "a")
    assert locks.acquire("sweep", "b", TTL, now)


def test_a_dead_holder_loses_the_lock_when_it_expires():
    now = timezone.now()
    assert locks.acquire("sweep", "dead", TTL, now)
    assert not locks.acquire("sweep", "b", TTL, now + TTL - timedelta(seconds=1))
    assert locks.acquire("sweep", "b", TTL, now + TTL + timedelta(seconds=1))


def test_exclusive_yields_whether_we_hold_it_and_gives_it_back():
    with locks.exclusive("sweep", TTL) as first:
        with locks.exclusive("sweep", TTL) as second:
            assert first and not second
    with locks.exclusive("sweep", TTL) as again:
        assert again
