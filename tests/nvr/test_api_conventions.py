"""The error envelope and request hygiene that every endpoint shares (SPEC §3)."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def assert_envelope(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body.get("error"), str) and body["error"]
    assert isinstance(body.get("code"), str)
    if code:
        assert body["code"] == code
    return body


def test_malformed_json_is_400_envelope(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", "{not json", content_type="application/json")
    assert_envelope(response, 400, "parse_error")


def test_wrong_content_type_is_415_envelope(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", "username=x", content_type="application/x-www-form-urlencoded")
    assert_envelope(response, 415, "unsupported_media_type")


def test_json_array_body_is_a_validation_error(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", "[1, 2]", content_type="application/json")
    assert_envelope(response, 400, "validation_error")


def test_huge_integer_literal_is_rejected_cleanly(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", '{"username": ' + "9" * 5000 + "}", content_type="application/json")
    assert_envelope(response, 400)


def test_validation_errors_carry_fields(admin_client):
    body = assert_envelope(admin_client.post("/api/v1/users", {}, format="json"), 400, "validation_error")
    assert set(body["fields"]) >= {"username", "password"}


def test_unknown_api_path_is_json_404(admin_client):
    assert_envelope(admin_client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_traversal_in_ids_is_404_not_500(admin_client):
    for path in ("/api/v1/users/..%2F..%2Fetc%2Fpasswd", "/api/v1/users/../../etc", "/api/v1/api-keys/%00"):
        response = admin_client.get(path)
        assert response.status_code in (400, 404)
        assert response.json()["code"] in ("not_found", "bad_request")


def test_method_not_allowed_is_405_envelope(admin_client):
    assert_envelope(admin_client.put("/api/v1/auth/me", {}, format="json"), 405, "method_not_allowed")


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1024)
def test_oversized_body_is_413(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", '{"username": "' + "x" * 5000 + '"}', content_type="application/json")
    assert_envelope(response, 413, "too_large")


def test_bad_limit_is_400(admin_client):
    for value in ("abc", "0", "-1", "100000000000000000000"):
        body = assert_envelope(admin_client.get("/api/v1/users", {"limit": value}), 400)
        assert "limit" in body["fields"]


def test_list_envelope_has_pagination(admin_client):
    body = admin_client.get("/api/v1/users", {"limit": 1}).json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_unexpected_exception_is_500_envelope_without_detail(admin_client, monkeypatch):
    from accounts.api import views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(views.MeView, "get", boom)
    response = admin_client.get("/api/v1/auth/me")
    body = assert_envelope(response, 500, "internal_error")
    assert "secret internal detail" not in response.content.decode()


def test_database_busy_is_503_with_retry_after(admin_client, monkeypatch):
    from django.db import OperationalError

    from accounts.api import views

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views.MeView, "get", locked)
    response = admin_client.get("/api/v1/auth/me")
    assert_envelope(response, 503, "unavailable")
    assert response["Retry-After"] == "1"


def test_schema_and_docs_need_authentication(anon_client, admin_client):
    assert anon_client.get("/api/v1/schema/").status_code == 401
    assert admin_client.get("/api/v1/schema/").status_code == 200
    assert admin_client.get("/api/v1/docs/").status_code == 200


def test_nul_in_path_or_query_is_400(admin_client):
    assert_envelope(admin_client.get("/api/v1/users/usr_%00x"), 400, "bad_request")
    assert_envelope(admin_client.get("/api/v1/audit", {"action": "a\x00b"}), 400, "bad_request")


def test_nul_in_json_strings_is_400_and_writes_nothing(admin_client):
    from accounts.models import User

    before = User.objects.count()
    response = admin_client.post("/api/v1/users", {"username": "bob\x00", "password": "long enough"}, format="json")
    assert_envelope(response, 400, "parse_error")
    assert User.objects.count() == before


def test_deeply_nested_json_is_400(admin_client):
    body = "[" * 100000 + "]" * 100000
    assert_envelope(admin_client.generic("POST", "/api/v1/users", body, content_type="application/json"), 400, "parse_error")


def test_unpaired_surrogates_in_json_are_400(admin_client):
    response = admin_client.generic("POST", "/api/v1/users", '{"username": "a\\ud800b", "password": "long enough"}',
                                    content_type="application/json")
    assert_envelope(response, 400, "parse_error")
