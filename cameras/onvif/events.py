"""A camera's ONVIF events as an async iterator over a PullPoint subscription that looks after itself.

    async with PullPoint(client) as events:
        async for event in events:          # OnvifEvent, in the order the camera sent them
            ...

It subscribes (CreatePullPointSubscription), pulls with a server-side wait, renews before the camera's
termination time, and after any failure (camera restarted, subscription lost, network down) drops the
subscription, waits with exponential backoff, reconnects (clock offset and services may have changed)
and subscribes again. ``aclose()`` unsubscribes. The SOAP itself is in ``cameras.onvif.client``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable

from cameras.onvif.client import OnvifClient, OnvifError, PullPointRef
from cameras.onvif.messages import OnvifEvent

log = logging.getLogger(__name__)


class PullPoint:
    """Events from one camera; never raises on camera trouble, it retries (``last_error`` says why)."""

    def __init__(self, client: OnvifClient, *, wait_s: float = 10.0, subscription_s: int = 60,
                 message_limit: int = 32, backoff_start_s: float = 1.0, backoff_max_s: float = 30.0,
                 auth_retry_s: float = 300.0, sleep: Callable[[float], Awaitable] = asyncio.sleep):
        if subscription_s < 2 * (wait_s + client.timeout):
            raise ValueError("subscription_s must be at least twice (wait_s + the client's timeout)")
        self.client, self.wait_s, self.subscription_s, self.message_limit = client, wait_s, subscription_s, message_limit
        self.backoff_start_s, self.backoff_max_s, self.auth_retry_s = backoff_start_s, backoff_max_s, auth_retry_s
        self._sleep = sleep
        self._backoff = backoff_start_s
        self._pending: deque[OnvifEvent] = deque()
        self._ref: PullPointRef | None = None
        self._expires_at = 0.0  # monotonic
        self._connected = client.clock is not None
        self._closed = False
        self.last_ok_at: float | None = None  # monotonic time of the last successful pull
        self.last_error: str | None = None
        self.subscriptions = 0  # how many times a subscription was created

    async def __aenter__(self) -> PullPoint:
        return self

    async def __aexit__(self, *exc) -> None:
        await self.aclose()

    def __aiter__(self) -> PullPoint:
        return self

    async def __anext__(self) -> OnvifEvent:
        while not self._pending:
            if self._closed:
                raise StopAsyncIteration
            await self.step()
        return self._pending.popleft()

    @property
    def healthy(self) -> bool:
        """A pull succeeded recently enough that the camera's state is known."""
        return self.last_ok_at is not None and time.monotonic() - self.last_ok_at < 2 * (
            self.wait_s + self.client.timeout)

    async def step(self) -> bool:
        """One subscribe/renew/pull round; False after a failure (already waited out its backoff)."""
        try:
            if self._ref is None:
                await self._subscribe()
            elif time.monotonic() >= self._expires_at - self._renew_margin():
                self._expires_at = time.monotonic() + await self.client.renew(self._ref, self.subscription_s)
            result = await self.client.pull_messages(self._ref, self.wait_s, self.message_limit)
        except OnvifError as exc:
            await self._failed(exc)
            return False
        if result.granted_s is not None and result.granted_s > 0:
            self._expires_at = time.monotonic() + result.granted_s
        self._pending.extend(result.events)
        self.last_ok_at, self.last_error, self._backoff = time.monotonic(), None, self.backoff_start_s
        return True

    def _renew_margin(self) -> float:
        # A pull may take wait_s plus the timeout; renew while at least that much (and a fifth) is left.
        return self.wait_s + self.client.timeout + self.subscription_s / 5

    async def _subscribe(self) -> None:
        if not self._connected:
            await self.client.connect()
            self._connected = True
        self._ref = await self.client.create_pull_point(self.subscription_s)
        self._expires_at = time.monotonic() + self._ref.granted_s
        self.subscriptions += 1

    async def _failed(self, exc: OnvifError) -> None:
        if self.last_error != str(exc):
            log.warning("ONVIF events from %s: %s; retrying", self.client.host, exc)
        self.last_error, self.last_ok_at = str(exc), None
        if self._ref is not None:
            if exc.kind == "fault":  # the camera is there but dislikes the subscription: tidy it up
                await self.client.unsubscribe(self._ref)
            self.client.forget(self._ref)
            self._ref = None
        self._connected = False  # a restarted camera may have a new clock and new addresses
        # Refused credentials are retried slowly: many cameras lock the account after a few failures.
        wait = max(self._backoff, self.auth_retry_s) if exc.kind == "auth" else self._backoff
        await self._sleep(wait * random.uniform(0.8, 1.2))
        self._backoff = min(self._backoff * 2, self.backoff_max_s)

    async def aclose(self) -> None:
        """Stop iterating and unsubscribe (best effort)."""
        self._closed = True
        ref, self._ref = self._ref, None
        if ref is not None:
            await self.client.unsubscribe(ref)
