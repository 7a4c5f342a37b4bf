"""Property tests: arbitrary JSON to the create/update endpoints never gives a 500 or a partial write."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from accounts.models import AuditLog
from ai.models import AiTask, Zone
from tests.ai.conftest import SQUARE, make_task, make_zone

pytestmark = pytest.mark.django_db

scalars = st.none() | st.booleans() | st.integers() | st.integers(min_value=-(10**400), max_value=10**400) \
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
json_values = st.recursive(scalars, lambda c: st.lists(c, max_size=6) | st.dictionaries(st.text(max_size=8), c, max_size=6), max_leaves=30)
unit = st.floats(min_value=-0.5, max_value=1.5, allow_nan=False) | st.integers(min_value=-1, max_value=2)
polygons = st.lists(st.lists(unit, min_size=1, max_size=3), max_size=8) | json_values
zone_configs = st.dictionaries(
    st.sampled_from(["confirm_frames", "min_confidence", "static_suppression", "static_epsilon", "static_after_seconds", "direction", "other"]),
    json_values | st.sampled_from(["any", "ab", "ba"]),
    max_size=6,
) | json_values

ZONE_OPTIONAL = {
    "name": st.text(max_size=12) | json_values,
    "kind": st.sampled_from(["region", "presence", "line", "circle"]) | json_values,
    "polygon": polygons,
    "dwell_seconds": json_values,
    "labels": st.lists(st.text(max_size=6), max_size=4) | json_values,
    "severity": st.sampled_from(["info", "warning", "critical", "x"]) | json_values,
    "config": zone_configs,
    "enabled": json_values,
}
# Mostly-valid bodies reach the deeper rules (geometry by kind, config clamps) and the 201 path.
zone_bodies = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=12), "polygon": st.just(SQUARE) | st.just([[0.2, 0.2], [0.8, 0.8]]) | polygons},
    optional={k: v for k, v in ZONE_OPTIONAL.items() if k not in ("name", "polygon")},
) | st.fixed_dictionaries({}, optional=ZONE_OPTIONAL) | json_values

task_bodies = st.fixed_dictionaries({}, optional={
    "task_type": st.text(max_size=70) | st.sampled_from(["detection", "anpr"]) | json_values,
    "stream_profile": st.sampled_from(["sub", "main", "hd"]) | json_values,
    "fps": json_values,
    "width": json_values,
    "config": json_values,
    "enabled": json_values,
}) | json_values

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _counts(model):
    return model.objects.count(), AuditLog.objects.count()


def _check(response, before, after, created_delta):
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.content
    assert response.status_code in (200, 201, 400, 409), response.content
    if response.status_code == 201:
        assert after == (before[0] + created_delta, before[1] + 1)
    else:
        assert after == before
    if response.status_code >= 400:
        assert {"error", "code"} <= set(response.json())


@SETTINGS
@given(body=zone_bodies)
def test_arbitrary_zone_bodies_never_500_and_write_nothing_on_error(manager_client, camera, body):
    before = _counts(Zone)
    response = manager_client.post("/api/v1/cameras/cam1/zones", body, format="json")
    _check(response, before, _counts(Zone), 1)


@SETTINGS
@given(body=task_bodies)
def test_arbitrary_task_bodies_never_500_and_write_nothing_on_error(manager_client, camera, body):
    before = _counts(AiTask)
    response = manager_client.post("/api/v1/cameras/cam1/ai-tasks", body, format="json")
    _check(response, before, _counts(AiTask), 1)


@SETTINGS
@given(body=zone_bodies)
def test_arbitrary_zone_patches_never_500_and_leave_the_zone_valid_or_untouched(manager_client, camera, body):
    zone = Zone.objects.filter(name="fixed").first() or make_zone(camera, "fixed", polygon=SQUARE)
    snapshot = Zone.objects.filter(pk=zone.pk).values().get()
    audits = AuditLog.objects.count()
    response = manager_client.patch(f"/api/v1/zones/{zone.pk}", body, format="json")
    assert response.status_code in (200, 400, 409), response.content
    if response.status_code != 200:
        assert Zone.objects.filter(pk=zone.pk).values().get() == snapshot and AuditLog.objects.count() == audits


@SETTINGS
@given(body=task_bodies)
def test_arbitrary_task_patches_never_500(manager_client, camera, body):
    task = AiTask.objects.filter(camera=camera).first() or make_task(camera)
    snapshot = AiTask.objects.filter(pk=task.pk).values().get()
    response = manager_client.patch(f"/api/v1/ai-tasks/{task.pk}", body, format="json")
    assert response.status_code in (200, 400, 409), response.content
    if response.status_code != 200:
        assert AiTask.objects.filter(pk=task.pk).values().get() == snapshot


@pytest.mark.parametrize("url", ["/api/v1/cameras/cam1/zones", "/api/v1/cameras/cam1/ai-tasks"])
def test_absurdly_nested_json_is_a_400_not_a_500(manager_client, camera, url):
    body = "[" * 100_000 + "]" * 100_000
    response = manager_client.post(url, body, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


def test_config_nested_deeper_than_the_parser_allows_is_refused(manager_client, camera):
    config: object = 1
    for _ in range(80):
        config = [config]
    config = {"a": config}
    response = manager_client.post("/api/v1/cameras/cam1/ai-tasks", {"task_type": "d", "config": config}, format="json")
    assert response.status_code == 400 and "nested" in response.json()["error"]
    assert not AiTask.objects.exists()
