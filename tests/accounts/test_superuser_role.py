"""`createsuperuser` makes an admin, and a Django superuser never silently holds a weaker role."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import PASSWORD, client_for_user, make_user

pytestmark = pytest.mark.django_db


def create_superuser(monkeypatch, username: str = "root", password: str = PASSWORD) -> User:
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", password)
    call_command("createsuperuser", "--noinput", "--username", username, "--email", f"{username}@example.com",
                 stdout=io.StringIO())
    return User.objects.get(username=username)


def test_createsuperuser_creates_an_admin(monkeypatch):
    user = create_superuser(monkeypatch)
    assert (user.role, user.is_superuser, user.is_staff) == ("admin", True, True)
    assert user.check_password(PASSWORD)


def test_the_created_superuser_can_use_the_api_and_the_admin(monkeypatch, camera):
    create_superuser(monkeypatch)
    api = APIClient()
    login = api.post("/api/v1/auth/login", {"username": "root", "password": PASSWORD}, format="json")
    assert login.status_code == 200 and login.json()["user"]["role"] == "admin"
    assert api.get("/api/v1/cameras").status_code == 200
    assert api.get("/api/v1/users").status_code == 200  # admin-only
    assert api.get("/admin/cameras/camera/").status_code == 200


def test_setting_the_superuser_flag_on_a_user_makes_them_admin():
    user = make_user("vera", "viewer")
    assert not user.is_superuser
    user.is_superuser = True
    user.save()
    user.refresh_from_db()
    assert (user.role, user.is_superuser, user.is_staff) == ("admin", True, True)


def test_setting_the_flag_with_update_fields_saves_the_role_too():
    user = make_user("vera", "viewer")
    user = User.objects.get(pk=user.pk)
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert User.objects.values_list("role", "is_superuser").get(pk=user.pk) == ("admin", True)


def test_a_new_superuser_row_is_an_admin_whatever_role_it_was_given():
    user = User(username="odd", role="guard", is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    assert User.objects.values_list("role", "is_superuser", "is_staff").get(pk=user.pk) == ("admin", True, True)


def test_changing_a_superusers_role_through_the_api_demotes_them(monkeypatch, admin_user):
    target = create_superuser(monkeypatch, "second")
    response = client_for_user(admin_user).patch(f"/api/v1/users/{target.pk}", {"role": "viewer"}, format="json")
    assert response.status_code == 200, response.json()
    target.refresh_from_db()
    assert (target.role, target.is_superuser, target.is_staff) == ("viewer", False, False)


def test_deferred_loading_does_not_undo_a_demotion(monkeypatch, admin_user):
    target = create_superuser(monkeypatch, "second")
    user = User.objects.defer("is_superuser").get(pk=target.pk)
    user.role = "manager"
    user.save()
    assert User.objects.values_list("role", "is_superuser").get(pk=target.pk) == ("manager", False)


@pytest.mark.parametrize("role,superuser", [("admin", True), ("manager", False), ("viewer", False)])
def test_adduser_follows_the_same_rule(role, superuser):
    call_command("adduser", f"user_{role}", "--role", role, stdout=io.StringIO())
    user = User.objects.get(username=f"user_{role}")
    assert (user.role, user.is_superuser, user.is_staff) == (role, superuser, superuser)


def test_only_admins_reach_the_django_admin(monkeypatch):
    create_superuser(monkeypatch)
    make_user("manny", "manager")
    for username, status in (("root", 200), ("manny", 302)):
        browser = APIClient()
        browser.login(username=username, password=PASSWORD)
        assert browser.get("/admin/").status_code == status, username
