"""Login, lockout, sessions with CSRF, logout and /auth/me."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import AuditLog, User
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def login(client, username, password):
    return client.post("/api/v1/auth/login", {"username": username, "password": password}, format="json")


def test_login_returns_user_and_sets_session_cookie():
    make_user("alice", "viewer")
    client = APIClient()
    response = login(client, "alice", PASSWORD)
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["username"] == "alice" and body["user"]["role"] == "viewer"
    assert "password" not in response.content.decode()
    assert "nvr_session" in response.cookies
    assert body["expires_at"].endswith("Z")
    assert AuditLog.objects.filter(action="login", target_id=body["user"]["id"]).exists()


def test_login_trims_username():
    make_user("alice", "viewer")
    assert login(APIClient(), "  alice ", PASSWORD).status_code == 200


@pytest.mark.parametrize("username,password", [("alice", "wrong password"), ("nobody", PASSWORD), ("", "")])
def test_every_login_failure_is_the_same_401(username, password):
    make_user("alice", "viewer")
    response = login(APIClient(), username, password)
    if username == "":
        assert response.status_code == 400  # a blank username is malformed input
        return
    assert response.status_code == 401
    assert response.json() == {"error": "invalid credentials", "code": "authentication_failed"}


def test_inactive_user_cannot_log_in_and_counter_is_untouched():
    user = make_user("alice", "viewer", is_active=False)
    assert login(APIClient(), "alice", PASSWORD).status_code == 401
    assert login(APIClient(), "alice", "bad").status_code == 401
    user.refresh_from_db()
    assert user.failed_login_count == 0


def test_lockout_after_five_failures_refuses_even_the_right_password(settings):
    settings.NVR_LOGIN_MAX_FAILURES, settings.NVR_LOGIN_LOCKOUT_MINUTES = 5, 15
    make_user("alice", "viewer")
    for _ in range(5):
        assert login(APIClient(), "alice", "bad password").status_code == 401
    user = User.objects.get(username="alice")
    assert user.locked_until is not None
    assert AuditLog.objects.filter(action="login_locked").count() == 1
    assert login(APIClient(), "alice", PASSWORD).status_code == 401
    user.refresh_from_db()
    assert user.failed_login_count == 5  # a locked account's counter does not advance


def test_lock_expires_by_itself(settings):
    settings.NVR_LOGIN_MAX_FAILURES, settings.NVR_LOGIN_LOCKOUT_MINUTES = 2, 15
    make_user("alice", "viewer")
    for _ in range(2):
        login(APIClient(), "alice", "bad password")
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login(APIClient(), "alice", PASSWORD).status_code == 200
    assert User.objects.get(username="alice").failed_login_count == 0


def test_admin_can_unlock_a_user(admin_client, settings):
    settings.NVR_LOGIN_MAX_FAILURES = 1
    user = make_user("alice", "viewer")
    login(APIClient(), "alice", "bad password")
    assert login(APIClient(), "alice", PASSWORD).status_code == 401
    response = admin_client.post(f"/api/v1/users/{user.pk}/unlock")
    assert response.status_code == 200 and response.json()["locked"] is False
    assert login(APIClient(), "alice", PASSWORD).status_code == 200


def test_session_unsafe_requests_need_csrf():
    make_user("boss", "admin")
    client = APIClient(enforce_csrf_checks=True)
    body = login(client, "boss", PASSWORD).json()
    no_token = client.post("/api/v1/users", {"username": "x1", "password": "12345678"}, format="json")
    assert no_token.status_code == 403
    assert "CSRF" in no_token.json()["error"]
    with_token = client.post("/api/v1/users", {"username": "x1", "password": "12345678"}, format="json",
                             HTTP_X_CSRFTOKEN=body["csrf_token"])
    assert with_token.status_code == 201


def test_session_reads_work_and_logout_ends_the_session():
    make_user("alice", "viewer")
    client = APIClient()
    login(client, "alice", PASSWORD)
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200
    assert me.json()["kind"] == "user" and me.json()["role"] == "viewer"
    assert "camera:read" in me.json()["capabilities"]
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


def test_anonymous_requests_are_401_with_envelope(anon_client):
    response = anon_client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" in response


def test_password_change_ends_other_sessions(admin_client):
    user = make_user("alice", "viewer")
    client = APIClient()
    login(client, "alice", PASSWORD)
    assert client.get("/api/v1/auth/me").status_code == 200
    assert admin_client.patch(f"/api/v1/users/{user.pk}", {"password": "another password"}, format="json").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401


def test_deactivation_ends_sessions(admin_client):
    user = make_user("alice", "viewer")
    client = APIClient()
    login(client, "alice", PASSWORD)
    admin_client.patch(f"/api/v1/users/{user.pk}", {"active": False}, format="json")
    assert client.get("/api/v1/auth/me").status_code == 401


def test_health_probes_need_no_credential(anon_client):
    assert anon_client.get("/healthz").json() == {"status": "ok"}
    ready = anon_client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
