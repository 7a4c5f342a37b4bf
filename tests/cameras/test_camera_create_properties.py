"""Property: POST /api/v1/cameras with arbitrary JSON never answers 500 and writes nothing on a 4xx."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from cameras.api.serializers import CameraCreateSerializer
from cameras.models import Camera

URL = "/api/v1/cameras"
FIELD_NAMES = sorted(CameraCreateSerializer().fields)

any_text = st.text(alphabet=st.characters(blacklist_categories=()), max_size=40)  # includes lone surrogates
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | any_text
    | st.sampled_from(["", " ", "main", "sub", "event", "udp", "rtsp://127.0.0.1/x", "rtsp://169.254.169.254/", "enc:v1:x", "\x00"])
)
json_values = st.recursive(scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(any_text, children, max_size=4), max_leaves=12)
bodies = st.dictionaries(st.sampled_from(FIELD_NAMES) | any_text, json_values, max_size=12)
named_bodies = st.builds(lambda body, name: {**body, "name": name}, bodies, any_text)


def _check(client, body):
    cameras, audits = Camera.objects.count(), AuditLog.objects.count()
    response = client.post(URL, json.dumps(body), content_type="application/json")
    event(f"status {response.status_code}")
    assert response.status_code != 500 and response.status_code < 500, response.content
    if response.status_code == 201:
        assert Camera.objects.count() == cameras + 1
        Camera.objects.filter(pk=response.json()["id"]).delete()
    else:
        assert 400 <= response.status_code < 500
        assert set(response.json()) >= {"error", "code"}
        assert Camera.objects.count() == cameras
        assert AuditLog.objects.count() == audits


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies)
def test_arbitrary_objects_never_500(admin_client, body):
    _check(admin_client, body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=named_bodies)
def test_arbitrary_objects_with_a_name_never_500(admin_client, body):
    _check(admin_client, body)
