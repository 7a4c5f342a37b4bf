"""Who may open `ws/cameras/<id>/live`, through the project's real ASGI stack (origin check, session, API keys)."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from nvr.asgi import application
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://127.0.0.1")


def open_socket(camera_id: str, *headers: tuple[bytes, bytes]):
    """(close code or None, first message when accepted) of a websocket to the camera's live view."""
    async def run():
        communicator = WebsocketCommunicator(application, f"/ws/cameras/{camera_id}/live", headers=[ORIGIN, *headers])
        connected, _ = await communicator.connect(timeout=5)
        assert connected
        first = await communicator.receive_output(timeout=5)
        await communicator.disconnect()
        if first["type"] == "websocket.close":
            return first["code"], None
        return None, json.loads(first["text"])

    return asyncio.run(run())


def session_cookie(user) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return (b"cookie", f"{name}={client.cookies[name].value}".encode())


def key_with(admin_user, capabilities: list[str], cameras: list[str] | None = None) -> tuple[bytes, bytes]:
    grant = Grant("integration", capabilities, "cameras" if cameras else "all", cameras or [])
    _, raw = create_api_key(for_user(admin_user), name="test key", grant=grant)
    return (b"x-api-key", raw.encode())


def test_no_credential_is_closed_with_4401(camera):
    assert open_socket("cam1") == (4401, None)


def test_a_wrong_api_key_is_4401_and_never_falls_back_to_the_session(camera, viewer_user):
    assert open_socket("cam1", session_cookie(viewer_user), (b"x-api-key", b"nvk_not-a-key"))[0] == 4401


def test_a_key_without_video_live_is_closed_with_4403(camera, admin_user):
    assert open_socket("cam1", key_with(admin_user, ["camera:read", "video:playback"]))[0] == 4403


def test_a_key_scoped_to_another_camera_is_4403_even_for_a_camera_that_does_not_exist(scoped_key):
    assert open_socket("cam2", (b"x-api-key", scoped_key.encode()))[0] == 4403
    assert open_socket("no-such-camera", (b"x-api-key", scoped_key.encode()))[0] == 4403


def test_an_unknown_camera_is_closed_with_4404(db, admin_key):
    assert open_socket("no-such-camera", (b"authorization", f"Bearer {admin_key}".encode()))[0] == 4404


def test_a_scoped_key_may_watch_its_camera_and_hears_it_is_not_ingested(scoped_key):
    code, message = open_socket("cam1", (b"x-api-key", scoped_key.encode()))
    assert code is None
    assert message == {"type": "offline", "reason": "not_connected",
                       "message": "The camera is not being ingested right now."}


def test_a_console_session_may_watch_and_hears_the_gap_reason(camera, viewer_user):
    from recording.models import CameraStatus

    CameraStatus.objects.create(camera=camera, state="offline", gap_reason="camera_offline")
    code, message = open_socket("cam1", session_cookie(viewer_user))
    assert code is None and message["type"] == "offline" and message["reason"] == "camera_offline"


def test_a_bad_origin_is_refused_before_anything_else(camera, admin_key):
    async def run():
        communicator = WebsocketCommunicator(application, "/ws/cameras/cam1/live",
                                             headers=[(b"origin", b"http://evil.example"),
                                                      (b"x-api-key", admin_key.encode())])
        connected, _ = await communicator.connect(timeout=5)
        await communicator.disconnect()
        return connected

    assert asyncio.run(run()) is False


def test_a_user_without_a_known_role_is_refused(camera):
    assert open_socket("cam1", session_cookie(make_user("ghost", "nobody")))[0] == 4401
