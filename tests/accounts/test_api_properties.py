"""Arbitrary JSON to the accounts endpoints: always an envelope, never a 500, nothing written on a 4xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import ApiKey, AuditLog, User

pytestmark = pytest.mark.django_db

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                           max_leaves=12)
user_bodies = st.fixed_dictionaries({}, optional={
    "username": st.one_of(st.text(max_size=160), json_values), "password": st.one_of(st.text(max_size=20), json_values),
    "role": st.one_of(st.sampled_from(["admin", "viewer", "guard", "nope"]), json_values),
    "display_name": json_values, "active": json_values,
})
key_bodies = st.fixed_dictionaries({}, optional={
    "name": st.one_of(st.text(max_size=210), json_values),
    "role": st.one_of(st.sampled_from(["integration", "viewer", "bad"]), json_values),
    "capabilities": st.one_of(st.lists(st.sampled_from(["camera:read", "admin", "events:read", "x"]), max_size=3), json_values),
    "scope_kind": st.one_of(st.sampled_from(["all", "cameras", "zzz"]), json_values),
    "scope_cameras": st.one_of(st.lists(st.text(max_size=70), max_size=3), json_values),
    "expires_at": st.one_of(st.sampled_from(["2999-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "tomorrow", "9999-99-99T99:99:99Z"]), json_values),
    "confirm_privileged": json_values,
})

HYPOTHESIS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def assert_envelope_or_success(response):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and isinstance(body["code"], str)


@HYPOTHESIS
@given(body=user_bodies)
def test_user_create_never_500_and_writes_nothing_on_error(admin_client, body):
    users, audits = User.objects.count(), AuditLog.objects.count()
    response = admin_client.post("/api/v1/users", body, format="json")
    assert_envelope_or_success(response)
    if response.status_code >= 400:
        assert User.objects.count() == users and AuditLog.objects.count() == audits
    else:
        assert "password" not in response.json()


@HYPOTHESIS
@given(body=key_bodies)
def test_key_create_never_500_and_writes_nothing_on_error(admin_client, body):
    keys = ApiKey.objects.count()
    response = admin_client.post("/api/v1/api-keys", body, format="json")
    assert_envelope_or_success(response)
    if response.status_code >= 400:
        assert ApiKey.objects.count() == keys


@HYPOTHESIS
@given(body=st.one_of(json_values, st.fixed_dictionaries({"username": json_values, "password": json_values})))
def test_login_never_500(anon_client, body):
    response = anon_client.post("/api/v1/auth/login", body, format="json")
    assert response.status_code in (400, 401)
    assert_envelope_or_success(response)
