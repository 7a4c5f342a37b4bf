"""The `ws/status` websocket: who may connect, what they see, and that recorder writes are pushed."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from nvr import realtime
from nvr.asgi import application
from recording import status_feed
from recording.models import CameraState, CameraStatus
from tests.conftest import make_camera

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


@pytest.fixture(autouse=True)
def _fast_poll(monkeypatch):
    monkeypatch.setattr(status_feed, "POLL_INTERVAL_S", 0.05)
    monkeypatch.setattr(status_feed, "watcher", status_feed.StatusWatcher())


def session_headers(user) -> list[tuple[bytes, bytes]]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return [ORIGIN, (b"cookie", f"{name}={client.cookies[name].value}".encode())]


def key_headers(raw: str) -> list[tuple[bytes, bytes]]:
    return [ORIGIN, (b"x-api-key", raw.encode())]


def status_row(camera, state=CameraState.RECORDING) -> CameraStatus:
    row, _ = CameraStatus.objects.update_or_create(camera=camera, defaults={"state": state})
    return row


async def _connect(headers):
    communicator = WebsocketCommunicator(application, "/ws/status", headers=headers)
    connected, code = await communicator.connect(timeout=5)
    return communicator, connected, code


async def _close_code(headers) -> int | None:
    """The code the server closes an accepted handshake with (refusals come after accept, see the consumer)."""
    communicator, connected, _ = await _connect(headers)
    assert connected
    output = await communicator.receive_output(timeout=5)
    assert output["type"] == "websocket.close"
    return output.get("code")


async def _drain(communicator, timeout=0.5) -> list[dict]:
    """Every message that arrives until none has come for `timeout` (receive_nothing never cancels the app)."""
    messages = []
    while not await communicator.receive_nothing(timeout=timeout):
        messages.append(await communicator.receive_json_from())
    return messages


def test_anonymous_socket_is_refused_with_4401():
    assert async_to_sync(_close_code)([ORIGIN]) == realtime.CLOSE_UNAUTHENTICATED


def test_unknown_key_is_refused_rather_than_falling_back_to_the_session(viewer_user):
    headers = session_headers(viewer_user) + [(b"x-api-key", b"nvk_bogus")]

    assert async_to_sync(_close_code)(headers) == realtime.CLOSE_UNAUTHENTICATED


def test_key_without_camera_read_is_refused_with_4403(admin_user):
    _, raw = create_api_key(for_user(admin_user), name="no read", grant=Grant("integration", ["ai:tasks"], "all", []))

    assert async_to_sync(_close_code)(key_headers(raw)) == realtime.CLOSE_FORBIDDEN


def test_viewer_gets_every_camera_then_changes_as_they_are_written(viewer_user, camera, other_camera):
    status_row(camera)
    status_row(other_camera, CameraState.OFFLINE)

    headers = session_headers(viewer_user)

    async def scenario():
        communicator, connected, _ = await _connect(headers)
        assert connected
        first = await _drain(communicator)
        await asyncio.sleep(0.2)  # the watcher has taken its first look
        await asyncio.get_running_loop().run_in_executor(None, _go_offline, camera.pk)
        later = await _drain(communicator, timeout=2)
        await communicator.disconnect()
        return first, later

    first, later = async_to_sync(scenario)()
    assert {(m["camera_id"], m["state"]) for m in first} == {("cam1", "recording"), ("cam2", "offline")}
    assert all(m["type"] == "camera_status" and m["name"] for m in first)
    pushed = [m for m in later if m["camera_id"] == "cam1"]
    assert pushed and pushed[-1]["state"] == "offline" and pushed[-1]["gap_reason"] == "camera_offline"


def _go_offline(camera_id: str) -> None:
    CameraStatus.objects.filter(pk=camera_id).update(state=CameraState.OFFLINE, gap_reason="camera_offline")
    row = CameraStatus.objects.get(pk=camera_id)
    row.save()  # bumps updated_at the way the recorder's writes do


def test_scoped_key_sees_only_its_cameras(scoped_key, camera, other_camera):
    status_row(camera)
    status_row(other_camera)

    async def scenario():
        communicator, connected, _ = await _connect(key_headers(scoped_key))
        assert connected
        first = await _drain(communicator)
        await asyncio.sleep(0.2)
        await asyncio.get_running_loop().run_in_executor(None, _go_offline, other_camera.pk)
        later = await _drain(communicator, timeout=1)
        await communicator.disconnect()
        return first, later

    first, later = async_to_sync(scenario)()
    assert [m["camera_id"] for m in first] == ["cam1"]
    assert all(m["camera_id"] == "cam1" for m in later)


def test_ping_is_answered(viewer_user):
    headers = session_headers(viewer_user)

    async def scenario():
        communicator, connected, _ = await _connect(headers)
        await _drain(communicator, timeout=0.2)
        await communicator.send_json_to({"type": "ping"})
        reply = await communicator.receive_json_from(timeout=2)
        await communicator.disconnect()
        return reply

    assert async_to_sync(scenario)() == {"type": "pong"}


def test_a_camera_without_a_status_row_is_not_an_error(viewer_user):
    make_camera("cam9", name="New")

    headers = session_headers(viewer_user)

    async def scenario():
        communicator, connected, _ = await _connect(headers)
        messages = await _drain(communicator, timeout=0.3)
        await communicator.disconnect()
        return connected, messages

    connected, messages = async_to_sync(scenario)()
    assert connected
    assert all(m["type"] == "camera_status" for m in messages)
