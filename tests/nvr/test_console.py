"""Console shell: login page (with lockout), home page listing cameras with their state, logout."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import AuditLog
from tests.conftest import PASSWORD, make_camera, make_user

pytestmark = pytest.mark.django_db


def test_console_requires_login():
    response = Client().get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_logs_in_and_redirects_home():
    make_user("alice", "viewer")
    client = Client()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/?next=/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert AuditLog.objects.filter(action="login").exists()
    assert client.get("/").status_code == 200


def test_login_page_refuses_offsite_redirects():
    make_user("alice", "viewer")
    response = Client().post("/login/?next=https://evil.example/", {"username": "alice", "password": PASSWORD})
    assert response["Location"] == "/"


def test_wrong_password_shows_a_generic_error_and_counts_toward_lockout(settings):
    settings.NVR_LOGIN_MAX_FAILURES = 2
    user = make_user("alice", "viewer")
    client = Client()
    response = client.post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 401 and b"Invalid username or password" in response.content
    client.post("/login/", {"username": "alice", "password": "wrong"})
    user.refresh_from_db()
    assert user.locked_until is not None
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 401


def test_login_page_post_needs_csrf():
    make_user("alice", "viewer")
    client = Client(enforce_csrf_checks=True)
    assert client.post("/login/", {"username": "alice", "password": PASSWORD}).status_code == 403


def test_home_lists_cameras_with_state_and_admin_link_for_admins():
    make_camera("gate", name="Gate")
    make_camera("yard", name="Yard", enabled=False)
    client = Client()
    client.force_login(make_user("boss", "admin"))
    page = client.get("/").content.decode()
    assert "Gate" in page and "Yard" in page
    assert "state-unknown" in page and "state-disabled" in page
    assert 'href="/admin/"' in page


def test_home_for_a_viewer_has_no_admin_link_and_an_empty_state():
    client = Client()
    client.force_login(make_user("vera", "viewer"))
    page = client.get("/").content.decode()
    assert "No cameras yet" in page and 'href="/admin/"' not in page


def test_home_query_count_does_not_grow_with_cameras(django_assert_max_num_queries):
    for i in range(12):
        make_camera(f"cam{i}")
    client = Client()
    client.force_login(make_user("boss", "admin"))
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200


def test_logout_ends_the_session():
    client = Client()
    client.force_login(make_user("vera", "viewer"))
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_admin_site_is_for_admins_only():
    client = Client()
    client.force_login(make_user("manny", "manager"))
    assert client.get("/admin/").status_code == 302
    client.force_login(make_user("boss", "admin"))
    assert client.get("/admin/").status_code == 200


def test_admin_login_goes_through_the_console_login_with_lockout():
    response = Client().get("/admin/login/?next=/admin/cameras/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2Fcameras%2F"
    make_user("boss", "admin")
    assert Client().post("/admin/login/", {"username": "boss", "password": PASSWORD}).status_code == 302
    client = Client()
    assert client.get("/admin/").status_code == 302
    assert client.post("/login/?next=/admin/", {"username": "boss", "password": PASSWORD})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
