"""Users (last-admin protection) and API keys (shown once, hashed, scoped, expiring, revocable)."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import ApiKey, AuditLog, User
from tests.conftest import client_for_key, client_for_user, make_user

pytestmark = pytest.mark.django_db


# --- users ----------------------------------------------------------------------------------------

def test_admin_creates_a_user_without_exposing_the_hash(admin_client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    response = admin_client.post("/api/v1/users", {"username": "bob", "password": "long enough", "role": "guard"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "guard" and body["active"] is True and body["id"].startswith("usr_")
    user = User.objects.get(username="bob")
    assert user.password not in response.content.decode()
    assert "argon2" in user.password
    assert AuditLog.objects.filter(action="create_user", target_id=user.pk).exists()


@pytest.mark.parametrize("body,field", [
    ({"username": "bob", "password": "short"}, "password"),
    ({"username": "   ", "password": "long enough"}, "username"),
    ({"username": "bob", "password": "long enough", "role": "emperor"}, "role"),
    ({"username": "bob", "password": "long enough", "active": "yes"}, "active"),
    ({"password": "long enough"}, "username"),
    ({"username": "b" * 151, "password": "long enough"}, "username"),
    ({"username": "bad name!", "password": "long enough"}, "username"),
])
def test_invalid_user_bodies_are_400_with_field_errors(admin_client, body, field):
    response = admin_client.post("/api/v1/users", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not User.objects.filter(username="bob").exists()


def test_duplicate_username_is_409(admin_client):
    make_user("bob", "viewer")
    response = admin_client.post("/api/v1/users", {"username": "bob", "password": "long enough"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_username_is_immutable(admin_client):
    user = make_user("bob", "viewer")
    response = admin_client.patch(f"/api/v1/users/{user.pk}", {"username": "robert"}, format="json")
    assert response.status_code == 400


def test_last_active_admin_cannot_be_demoted_disabled_or_deleted(admin_client, admin_user):
    other = make_user("other", "viewer")
    for body in ({"role": "viewer"}, {"active": False}):
        response = admin_client.patch(f"/api/v1/users/{admin_user.pk}", body, format="json")
        assert response.status_code == 400
        assert "last active admin" in response.json()["error"]
    second_admin = make_user("second", "admin")
    response = client_for_user(second_admin).delete(f"/api/v1/users/{admin_user.pk}")
    assert response.status_code == 204
    response = client_for_user(second_admin).delete(f"/api/v1/users/{second_admin.pk}")
    assert response.status_code == 400 and "your own account" in response.json()["error"]
    assert other.pk


def test_admin_can_be_demoted_when_another_admin_exists(admin_client, admin_user):
    make_user("second", "admin")
    response = admin_client.patch(f"/api/v1/users/{admin_user.pk}", {"role": "manager"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "manager"
    admin_user.refresh_from_db()
    assert admin_user.is_staff is False


@pytest.mark.parametrize("fixture", ["manager_client", "viewer_client"])
def test_non_admins_cannot_manage_users(request, fixture):
    client = request.getfixturevalue(fixture)
    assert client.get("/api/v1/users").status_code == 403
    response = client.post("/api/v1/users", {"username": "x", "password": "long enough"}, format="json")
    assert response.status_code == 403
    assert "missing capability 'admin'" in response.json()["error"]


def test_missing_user_is_404(admin_client):
    response = admin_client.get("/api/v1/users/usr_0000")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


# --- API keys -------------------------------------------------------------------------------------

def mint(client, **body):
    body.setdefault("name", "worker")
    return client.post("/api/v1/api-keys", body, format="json")


def test_key_is_shown_once_and_stored_only_as_sha256(admin_client):
    response = mint(admin_client)
    assert response.status_code == 201
    raw = response.json()["key"]
    assert raw.startswith("nvk_") and len(raw) == 68
    key = ApiKey.objects.get(pk=response.json()["id"])
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert key.key_prefix == raw[:12]
    listing = admin_client.get("/api/v1/api-keys").content.decode()
    detail = admin_client.get(f"/api/v1/api-keys/{key.pk}").content.decode()
    for text in (listing, detail):
        assert raw not in text and key.key_hash not in text
    audit = AuditLog.objects.get(action="create_api_key")
    assert raw not in str(audit.detail)


@pytest.mark.parametrize("header", ["X-API-Key", "Bearer"])
def test_key_authenticates_by_header_or_bearer(admin_client, header, api_client_factory=None):
    raw = mint(admin_client, role="viewer").json()["key"]
    from rest_framework.test import APIClient

    client = APIClient()
    if header == "Bearer":
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    else:
        client.credentials(HTTP_X_API_KEY=raw)
    me = client.get("/api/v1/auth/me")
    assert me.status_code == 200 and me.json()["kind"] == "api_key"


def test_unknown_key_is_401_not_a_fallback(anon_client):
    anon_client.credentials(HTTP_X_API_KEY="nvk_" + "0" * 64)
    assert anon_client.get("/api/v1/auth/me").status_code == 401


def test_expired_key_stops_working(admin_client):
    expires = (timezone.now() + timedelta(hours=1)).isoformat()
    raw = mint(admin_client, expires_at=expires).json()["key"]
    client = client_for_key(raw)
    assert client.get("/api/v1/auth/me").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert client.get("/api/v1/auth/me").status_code == 401


def test_past_expiry_is_rejected(admin_client):
    response = mint(admin_client, expires_at="2000-01-01T00:00:00Z")
    assert response.status_code == 400 and "expires_at" in response.json()["fields"]


def test_revocation_is_permanent(admin_client):
    created = mint(admin_client).json()
    client = client_for_key(created["key"])
    assert admin_client.patch(f"/api/v1/api-keys/{created['id']}", {"revoked": True}, format="json").status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 401
    response = admin_client.patch(f"/api/v1/api-keys/{created['id']}", {"revoked": False}, format="json")
    assert response.status_code == 400


def test_deactivated_key_is_refused(admin_client):
    created = mint(admin_client).json()
    admin_client.patch(f"/api/v1/api-keys/{created['id']}", {"active": False}, format="json")
    assert client_for_key(created["key"]).get("/api/v1/auth/me").status_code == 401


@pytest.mark.parametrize("body,field", [
    ({"capabilities": []}, "capabilities"),
    ({"capabilities": ["camera:read", "fly"]}, "capabilities"),
    ({"capabilities": ["registry:manage"]}, "confirm_privileged"),
    ({"scope_kind": "cameras", "scope_cameras": ["cam1"]}, "scope_kind"),
    ({"capabilities": ["events:read"], "scope_kind": "cameras", "scope_cameras": ["cam1"]}, "scope_kind"),
    ({"capabilities": ["camera:read"], "scope_kind": "cameras", "scope_cameras": []}, "scope_cameras"),
    ({"capabilities": ["camera:read"], "scope_kind": "cameras", "scope_cameras": [" "]}, "scope_cameras"),
    ({"capabilities": ["camera:read"], "scope_kind": "galaxy"}, "scope_kind"),
    ({"role": "emperor"}, "role"),
    ({"name": ""}, "name"),
    ({"confirm_privileged": "true"}, "confirm_privileged"),
])
def test_mint_rules(admin_client, body, field):
    response = mint(admin_client, **body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["fields"]
    assert not ApiKey.objects.exists()


def test_privileged_key_needs_confirmation(admin_client):
    response = mint(admin_client, capabilities=["registry:manage"], confirm_privileged=True)
    assert response.status_code == 201
    assert response.json()["legacy_role_expansion"] is False
    assert response.json()["capabilities"] == ["registry:manage"]


def test_legacy_scope_change_needs_explicit_capabilities(admin_client):
    created = mint(admin_client).json()
    response = admin_client.patch(f"/api/v1/api-keys/{created['id']}",
                                  {"scope_kind": "cameras", "scope_cameras": ["cam1"]}, format="json")
    assert response.status_code == 400


def test_scoped_key_is_refused_on_fleet_surfaces(scoped_client):
    for path in ("/api/v1/users", "/api/v1/api-keys"):
        response = scoped_client.get(path)
        assert response.status_code == 403


def test_integration_legacy_key_is_narrowed_under_enforce(admin_client, settings):
    settings.NVR_MACHINE_AUTH = "enforce"
    raw = mint(admin_client, role="integration").json()["key"]
    caps = client_for_key(raw).get("/api/v1/auth/me").json()["capabilities"]
    assert "ai:ingest" in caps and "video:playback" not in caps


def test_key_last_used_is_stamped(admin_client):
    created = mint(admin_client).json()
    client_for_key(created["key"]).get("/api/v1/auth/me")
    assert ApiKey.objects.get(pk=created["id"]).last_used_at is not None


def test_key_delete_is_audited(admin_client):
    created = mint(admin_client).json()
    assert admin_client.delete(f"/api/v1/api-keys/{created['id']}").status_code == 204
    assert AuditLog.objects.filter(action="delete_api_key", target_id=created["id"]).exists()


# --- audit log ------------------------------------------------------------------------------------

def test_audit_log_is_readable_by_managers_and_filterable(admin_client, manager_client):
    mint(admin_client)
    make_user("x", "viewer")
    response = manager_client.get("/api/v1/audit", {"action": "create_api_key"})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["action"] for r in rows] == ["create_api_key"]
    assert "subject_camera_id" not in rows[0]


def test_audit_log_is_not_for_viewers_and_rejects_bad_times(viewer_client, manager_client):
    assert viewer_client.get("/api/v1/audit").status_code == 403
    response = manager_client.get("/api/v1/audit", {"from": "yesterday"})
    assert response.status_code == 400 and "from" in response.json()["fields"]


def test_audit_log_is_read_only(admin_client):
    mint(admin_client)
    row = AuditLog.objects.first()
    assert admin_client.delete(f"/api/v1/audit/{row.pk}").status_code == 405
    assert admin_client.patch(f"/api/v1/audit/{row.pk}", {}, format="json").status_code == 405
    with pytest.raises(PermissionError):
        AuditLog.objects.filter(pk=row.pk).update(action="x")


def test_audit_list_query_count_is_constant(admin_client, django_assert_max_num_queries):
    for i in range(15):
        make_user(f"user{i}", "viewer")
        mint(admin_client, name=f"key{i}")
    with django_assert_max_num_queries(4):
        response = admin_client.get("/api/v1/audit")
    assert response.json()["count"] >= 15


def test_user_and_key_lists_query_count_is_constant(admin_client, django_assert_max_num_queries):
    for i in range(12):
        make_user(f"user{i}", "viewer")
        mint(admin_client, name=f"key{i}")
    for path in ("/api/v1/users", "/api/v1/api-keys"):
        with django_assert_max_num_queries(3):
            assert admin_client.get(path).status_code == 200
