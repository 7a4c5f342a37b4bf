"""Camera zones: validation of §2.14, idempotent create, update re-validation, roles, scope, audit."""

from __future__ import annotations

import pytest

from accounts.models import AuditLog
from ai.models import Zone
from tests.ai.conftest import LINE, SQUARE, make_zone

pytestmark = pytest.mark.django_db

URL = "/api/v1/cameras/{}/zones"
DETAIL = "/api/v1/zones/{}"


def post(client, body, camera_id="cam1"):
    return client.post(URL.format(camera_id), body, format="json")


def test_create_with_defaults(manager_client, camera):
    response = post(manager_client, {"name": "Door", "polygon": SQUARE})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"].startswith("zone_")
    assert {k: body[k] for k in ("camera_id", "name", "kind", "polygon", "dwell_seconds", "labels", "severity", "config", "enabled")} == {
        "camera_id": "cam1", "name": "Door", "kind": "region", "polygon": SQUARE, "dwell_seconds": 0.0,
        "labels": [], "severity": "info", "config": {}, "enabled": True,
    }
    row = AuditLog.objects.get(action="create_zone")
    assert row.detail == {"camera_id": "cam1", "name": "Door", "kind": "region"} and row.target_id == body["id"]


def test_create_full_line_zone(manager_client, camera):
    body = {
        "name": "tripwire", "kind": "line", "polygon": LINE, "labels": ["person", "car"], "severity": "critical",
        "config": {"direction": "ab", "confirm_frames": 3, "note": "kept"}, "enabled": False, "dwell_seconds": 5,
    }
    response = post(manager_client, body)
    assert response.status_code == 201
    assert response.json() | {"id": None, "created_at": None, "updated_at": None} == {
        **body, "polygon": [[0.5, 0.0], [0.5, 1.0]], "dwell_seconds": 5.0, "camera_id": "cam1",
        "id": None, "created_at": None, "updated_at": None,
    }


def test_same_name_returns_the_existing_zone_with_200(manager_client, camera):
    first = post(manager_client, {"name": "door", "polygon": SQUARE})
    again = post(manager_client, {"name": "door", "kind": "line", "polygon": LINE, "severity": "critical"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Zone.objects.count() == 1 and AuditLog.objects.filter(action="create_zone").count() == 1


def test_same_name_on_another_camera_is_a_new_zone(manager_client, camera, other_camera):
    assert post(manager_client, {"name": "door", "polygon": SQUARE}).status_code == 201
    assert post(manager_client, {"name": "door", "polygon": SQUARE}, "cam2").status_code == 201


def test_dwell_is_clamped(manager_client, camera):
    assert post(manager_client, {"name": "a", "polygon": SQUARE, "dwell_seconds": -5}).json()["dwell_seconds"] == 0.0
    assert post(manager_client, {"name": "b", "polygon": SQUARE, "dwell_seconds": 1e300}).json()["dwell_seconds"] == 86400.0
    assert post(manager_client, {"name": "c", "polygon": SQUARE, "dwell_seconds": 10**400}).status_code == 400


def test_config_known_keys_are_clamped(manager_client, camera):
    config = {
        "confirm_frames": 50, "min_confidence": 2, "static_suppression": False, "static_epsilon": 0,
        "static_after_seconds": 10**12, "direction": "ba",
    }
    body = post(manager_client, {"name": "z", "polygon": SQUARE, "config": config}).json()
    assert body["config"] == {
        "confirm_frames": 10, "min_confidence": 1.0, "static_suppression": False, "static_epsilon": 0.001,
        "static_after_seconds": 86400.0, "direction": "ba",
    }


@pytest.mark.parametrize(
    "body, field",
    [
        ({"polygon": SQUARE}, "name"),
        ({"name": "", "polygon": SQUARE}, "name"),
        ({"name": "  ", "polygon": SQUARE}, "name"),
        ({"name": 7, "polygon": SQUARE}, "name"),
        ({"name": "n" * 201, "polygon": SQUARE}, "name"),
        ({"name": "z"}, "polygon"),
        ({"name": "z", "polygon": None}, "polygon"),
        ({"name": "z", "polygon": "square"}, "polygon"),
        ({"name": "z", "polygon": SQUARE[:2]}, "polygon"),
        ({"name": "z", "polygon": [[0, 0]] * 513}, "polygon"),
        ({"name": "z", "polygon": [[0, 0], [1, 0], [1, 1.5]]}, "polygon"),
        ({"name": "z", "polygon": [[0, 0], [1, 0], [1, True]]}, "polygon"),
        ({"name": "z", "polygon": [[0, 0], [1, 0], [1, "1"]]}, "polygon"),
        ({"name": "z", "polygon": [[0, 0], [1, 0], [1]]}, "polygon"),
        ({"name": "z", "kind": "line", "polygon": SQUARE}, "polygon"),
        ({"name": "z", "kind": "line", "polygon": [[0.5, 0.5], [0.5, 0.5]]}, "polygon"),
        ({"name": "z", "kind": "circle", "polygon": SQUARE}, "kind"),
        ({"name": "z", "polygon": SQUARE, "labels": "person"}, "labels"),
        ({"name": "z", "polygon": SQUARE, "labels": [""]}, "labels"),
        ({"name": "z", "polygon": SQUARE, "labels": ["  "]}, "labels"),
        ({"name": "z", "polygon": SQUARE, "labels": [5]}, "labels"),
        ({"name": "z", "polygon": SQUARE, "labels": [None]}, "labels"),
        ({"name": "z", "polygon": SQUARE, "labels": ["x"] * 257}, "labels"),
        ({"name": "z", "polygon": SQUARE, "severity": "fatal"}, "severity"),
        ({"name": "z", "polygon": SQUARE, "dwell_seconds": "long"}, "dwell_seconds"),
        ({"name": "z", "polygon": SQUARE, "enabled": "true"}, "enabled"),
        ({"name": "z", "polygon": SQUARE, "config": [1]}, "config"),
        ({"name": "z", "polygon": SQUARE, "config": {"confirm_frames": "2"}}, "config.confirm_frames"),
        ({"name": "z", "polygon": SQUARE, "config": {"confirm_frames": 1.5}}, "config.confirm_frames"),
        ({"name": "z", "polygon": SQUARE, "config": {"min_confidence": True}}, "config.min_confidence"),
        ({"name": "z", "polygon": SQUARE, "config": {"static_suppression": 0}}, "config.static_suppression"),
        ({"name": "z", "polygon": SQUARE, "config": {"static_epsilon": None}}, "config.static_epsilon"),
        ({"name": "z", "polygon": SQUARE, "config": {"static_after_seconds": "5"}}, "config.static_after_seconds"),
        ({"name": "z", "polygon": SQUARE, "config": {"direction": "up"}}, "config.direction"),
    ],
)
def test_create_rejects_invalid_zones(manager_client, camera, body, field):
    response = post(manager_client, body)
    assert response.status_code == 400, response.json()
    assert any(k == field or k.startswith(field + ".") for k in response.json()["fields"]), response.json()
    assert not Zone.objects.exists() and not AuditLog.objects.exists()


def test_list_is_oldest_first_and_only_this_camera(viewer_client, camera, other_camera):
    first, second = make_zone(camera, "a"), make_zone(camera, "b")
    make_zone(other_camera, "a")
    body = viewer_client.get(URL.format("cam1")).json()
    assert [z["id"] for z in body["results"]] == [first.pk, second.pk]


def test_list_has_no_per_row_queries(viewer_client, camera, django_assert_max_num_queries):
    for n in range(8):
        make_zone(camera, f"z{n}")
    with django_assert_max_num_queries(3):
        assert viewer_client.get(URL.format("cam1")).json()["count"] == 8


def test_patch_updates_and_audits(manager_client, camera):
    zone = make_zone(camera)
    response = manager_client.patch(DETAIL.format(zone.pk), {"severity": "warning", "labels": ["car"]}, format="json")
    assert response.status_code == 200 and response.json()["severity"] == "warning"
    zone.refresh_from_db()
    assert (zone.severity, zone.labels) == ("warning", ["car"])
    assert AuditLog.objects.get(action="update_zone").detail == {"camera_id": "cam1", "fields": ["labels", "severity"]}


def test_patch_revalidates_geometry_against_the_new_kind(manager_client, camera):
    line = make_zone(camera, "wire", kind="line", polygon=LINE)
    response = manager_client.patch(DETAIL.format(line.pk), {"kind": "region"}, format="json")
    assert response.status_code == 400 and "polygon" in response.json()["fields"]
    region = make_zone(camera, "area")
    assert manager_client.patch(DETAIL.format(region.pk), {"kind": "line"}, format="json").status_code == 400
    ok = manager_client.patch(DETAIL.format(region.pk), {"kind": "line", "polygon": LINE}, format="json")
    assert ok.status_code == 200 and ok.json()["kind"] == "line"
    assert manager_client.patch(DETAIL.format(region.pk), {"polygon": SQUARE}, format="json").status_code == 400
    line.refresh_from_db()
    assert line.kind == "line"


def test_patch_to_a_taken_name_is_a_conflict(manager_client, camera):
    make_zone(camera, "a")
    zone = make_zone(camera, "b")
    response = manager_client.patch(DETAIL.format(zone.pk), {"name": "a"}, format="json")
    assert response.status_code == 409


def test_patch_rejects_null_for_required_fields(manager_client, camera):
    zone = make_zone(camera)
    for body in ({"name": None}, {"polygon": None}, {"kind": None}, {"labels": None}):
        assert manager_client.patch(DETAIL.format(zone.pk), body, format="json").status_code == 400


def test_missing_zone_is_404_with_reference_message(manager_client, db):
    response = manager_client.patch(DETAIL.format("zone_x"), {"name": "q"}, format="json")
    assert response.status_code == 404 and response.json()["error"] == "zone zone_x not found"
    assert manager_client.delete(DETAIL.format("zone_x")).status_code == 404


def test_delete_removes_zone_and_audits(manager_client, camera):
    zone = make_zone(camera)
    assert manager_client.delete(DETAIL.format(zone.pk)).status_code == 204
    assert not Zone.objects.exists()
    assert AuditLog.objects.get(action="delete_zone").detail == {"camera_id": "cam1", "name": "door"}


def test_viewer_can_list_but_not_mutate(viewer_client, camera):
    zone = make_zone(camera)
    assert viewer_client.get(URL.format("cam1")).status_code == 200
    assert post(viewer_client, {"name": "x", "polygon": SQUARE}).status_code == 403
    assert viewer_client.patch(DETAIL.format(zone.pk), {"name": "y"}, format="json").status_code == 403
    assert viewer_client.delete(DETAIL.format(zone.pk)).status_code == 403


def test_anonymous_gets_401(anon_client, camera):
    zone = make_zone(camera)
    assert anon_client.get(URL.format("cam1")).status_code == 401
    assert anon_client.patch(DETAIL.format(zone.pk), {}, format="json").status_code == 401


def test_scoped_key_without_events_read_cannot_list_zones(scoped_client, camera):
    response = scoped_client.get(URL.format("cam1"))
    assert response.status_code == 403 and "events:read" in response.json()["error"]


def test_scoped_key_manages_zones_of_its_camera_only(scoped_client, camera, other_camera):
    assert post(scoped_client, {"name": "mine", "polygon": SQUARE}).status_code == 201
    assert post(scoped_client, {"name": "theirs", "polygon": SQUARE}, "cam2").status_code == 403
    theirs = make_zone(other_camera)
    for zone_id in (theirs.pk, "zone_missing"):
        assert scoped_client.patch(DETAIL.format(zone_id), {"name": "x"}, format="json").status_code == 403
        assert scoped_client.delete(DETAIL.format(zone_id)).status_code == 403
    assert Zone.objects.get(pk=theirs.pk).name == "door"


def test_scoped_reader_lists_only_its_camera(scoped_events_reader, camera, other_camera):
    make_zone(camera)
    make_zone(other_camera)
    assert scoped_events_reader.get(URL.format("cam1")).json()["count"] == 1
    assert scoped_events_reader.get(URL.format("cam2")).status_code == 403
