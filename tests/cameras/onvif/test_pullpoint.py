"""The PullPoint iterator against the simulated camera: events in order, renewal, restarts, unsubscribe."""

from __future__ import annotations

import asyncio
import time

import pytest

from cameras.onvif.client import OnvifClient
from cameras.onvif.events import PullPoint
from tests.cameras.onvif.peer import PASSWORD, USER, onvif_camera, run, subscriptions

FAST = {"wait_s": 0.5, "subscription_s": 5, "backoff_start_s": 0.1, "backoff_max_s": 0.5}


def motion(events) -> list[tuple[str, str]]:
    return [(e.operation, e.data["State"]) for e in events if e.topic_path == "VideoSource/MotionAlarm"]


async def collect(pullpoint: PullPoint, count: int) -> list:
    seen = []
    async for event in pullpoint:
        seen.append(event)
        if len(seen) == count:
            return seen
    return seen


def test_motion_events_arrive_in_order_with_times_on_our_clock(start_onvif_camera):
    cam = start_onvif_camera(clock_offset=90, auth="wsse")

    async def scenario():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD, timeout=1) as client:
            async with PullPoint(client, **FAST) as events:
                first = await collect(events, 1)  # subscribed: the current state
                cam.trigger_motion(0.3)
                await asyncio.sleep(0.5)
                cam.trigger_motion(0.3)
                return first + await collect(events, 4)

    started = time.time()
    events = run(scenario())
    assert motion(events) == [("Initialized", "false"), ("Changed", "true"), ("Changed", "false"),
                              ("Changed", "true"), ("Changed", "false")]
    assert events[0].topic == "tns1:VideoSource/MotionAlarm" and events[1].source == {"Source": "vs0"}
    for event in events:  # stamped on the camera's clock (90 s ahead), converted to ours
        assert 85 <= (event.camera_time - event.time).total_seconds() <= 95
        assert started - 2 <= event.time.timestamp() <= time.time() + 2


def test_the_subscription_is_renewed_before_it_expires(start_onvif_camera):
    cam = start_onvif_camera()

    async def scenario():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD, timeout=1) as client:
            async with PullPoint(client, **FAST) as events:
                deadline = time.monotonic() + 7  # longer than the 5 s the camera granted
                while time.monotonic() < deadline:
                    assert await events.step()
                cam.trigger_motion(0.2)
                return events.subscriptions, await collect(events, 2)

    count, events = run(scenario())
    assert count == 1  # one subscription the whole time: renewed, never lost and re-created
    assert motion(events)[-1] == ("Changed", "true")


def test_the_iterator_survives_a_camera_restart(onvif_cache):
    cam = onvif_camera(onvif_cache)
    port = cam.cam.onvif.port
    restarted = []

    async def scenario():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD, timeout=1) as client:
            async with PullPoint(client, **FAST) as events:
                before = await collect(events, 1)
                await asyncio.to_thread(cam.stop)  # the camera reboots: connections refused, subscriptions gone
                restarted.append(await asyncio.to_thread(onvif_camera, onvif_cache, port=port, clock_offset=30))
                while events.subscriptions < 2:  # it notices, backs off, reconnects and subscribes again
                    await events.step()
                restarted[0].trigger_motion(0.2)
                after = []
                async for event in events:
                    after.append(event)
                    if motion(after)[-1:] == [("Changed", "false")]:
                        break
                return before, after, events.subscriptions, client.clock.offset_seconds

    try:
        before, after, count, offset = run(scenario(), timeout=60)
    finally:
        for camera in restarted:
            camera.stop()
    assert motion(before) == [("Initialized", "false")]
    assert motion(after) == [("Initialized", "false"), ("Changed", "true"), ("Changed", "false")]
    assert count == 2  # one new subscription after the restart, not one per attempt
    assert 29 <= offset <= 31  # and the rebooted camera's clock was measured again


def test_closing_unsubscribes(start_onvif_camera):
    cam = start_onvif_camera()

    async def scenario():
        async with OnvifClient(cam.cam.onvif_url, USER, PASSWORD, timeout=1) as client:
            events = PullPoint(client, **FAST)
            await collect(events, 1)
            held = subscriptions(cam)
            await events.aclose()
            return held, [event async for event in events]

    held, after_close = run(scenario())
    assert held == 1 and subscriptions(cam) == 0
    assert after_close == []


def test_a_wait_longer_than_the_subscription_is_refused():
    client = OnvifClient("http://127.0.0.1/onvif/device_service", timeout=5)
    with pytest.raises(ValueError):
        PullPoint(client, wait_s=30, subscription_s=60)


def test_refused_credentials_are_retried_slowly_so_the_camera_does_not_lock_the_account(start_onvif_camera):
    cam = start_onvif_camera()
    waits = []

    async def record(seconds):
        waits.append(seconds)

    async def scenario():
        client = OnvifClient(cam.cam.onvif_url, USER, "not-the-password", timeout=1)
        events = PullPoint(client, **FAST, auth_retry_s=300, sleep=record)
        try:
            assert await events.step() is False
            return events.last_error
        finally:
            await events.aclose()
            await client.close()

    assert "refused the ONVIF credentials" in run(scenario())
    assert len(waits) == 1 and 240 <= waits[0] <= 360  # not the 0.1 s backoff of other failures
