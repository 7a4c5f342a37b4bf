"""Zone events and detections: read-only camera lists with filters, limits, scope and query guards."""

from __future__ import annotations

import pytest

from ai.models import ZoneEvent
from tests.ai.conftest import make_detection, make_zone, make_zone_event

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/cameras/{}/zone-events"
DETECTIONS = "/api/v1/cameras/{}/detections"


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_zone_events_are_newest_first_with_evidence_url(viewer_client, camera):
    zone = make_zone(camera)
    old = make_zone_event(zone, minutes=0)
    new = make_zone_event(zone, minutes=5, evidence="zoneevt_zev_1.jpg")
    body = viewer_client.get(EVENTS.format("cam1")).json()
    assert [r["id"] for r in body["results"]] == [new.pk, old.pk]
    row = body["results"][0]
    assert row["evidence_url"] == "/media/snapshots/zoneevt_zev_1.jpg" and "evidence" not in row
    assert row["zone_id"] == zone.pk and row["zone_name"] == "door" and row["timestamp"] == "2026-06-13T12:05:00Z"
    assert body["results"][1]["evidence_url"] is None


def test_zone_event_filters(viewer_client, camera):
    door, gate = make_zone(camera, "door"), make_zone(camera, "gate")
    a = make_zone_event(door, minutes=0, track_id="t1", event_type="enter")
    b = make_zone_event(door, minutes=10, track_id="t2", event_type="exit")
    c = make_zone_event(gate, minutes=20, track_id="t1", event_type="enter")
    url = EVENTS.format("cam1")
    assert ids(viewer_client.get(url, {"zone_id": door.pk})) == [b.pk, a.pk]
    assert ids(viewer_client.get(url, {"event_type": "enter"})) == [c.pk, a.pk]
    assert ids(viewer_client.get(url, {"track_id": "t1"})) == [c.pk, a.pk]
    assert ids(viewer_client.get(url, {"from": "2026-06-13T12:05:00Z", "to": "2026-06-13T12:15:00Z"})) == [b.pk]
    assert ids(viewer_client.get(url, {"from": "2026-06-13T12:10:00Z"})) == [c.pk, b.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"event_type": "teleport"},
        {"from": "yesterday"},
        {"from": "2026-06-13T12:00:00"},
        {"from": "2026-06-14T00:00:00Z", "to": "2026-06-13T00:00:00Z"},
        {"limit": 0},
        {"limit": 5001},
        {"limit": "many"},
        {"track_id": "x" * 300},
        {"zone_id": "a\x00b"},
    ],
)
def test_zone_event_bad_queries_are_400(viewer_client, camera, params):
    response = viewer_client.get(EVENTS.format("cam1"), params)
    assert response.status_code == 400 and {"error", "code"} <= set(response.json())


def test_zone_event_limit_default_and_max(viewer_client, camera):
    zone = make_zone(camera)
    ZoneEvent.objects.bulk_create(
        ZoneEvent(camera=camera, zone=zone, zone_name="door", track_id=str(n), event_type="enter") for n in range(205)
    )
    assert len(viewer_client.get(EVENTS.format("cam1")).json()["results"]) == 200
    assert len(viewer_client.get(EVENTS.format("cam1"), {"limit": 5000}).json()["results"]) == 205


def test_zone_events_survive_zone_deletion_with_the_name(viewer_client, camera):
    zone = make_zone(camera)
    event = make_zone_event(zone)
    zone.delete()
    row = viewer_client.get(EVENTS.format("cam1")).json()["results"][0]
    assert (row["id"], row["zone_id"], row["zone_name"]) == (event.pk, None, "door")


def test_zone_events_are_deleted_with_the_camera(camera):
    make_zone_event(make_zone(camera))
    camera.delete()
    assert not ZoneEvent.objects.exists()


def test_zone_events_list_has_no_per_row_queries(viewer_client, camera, django_assert_max_num_queries):
    zone = make_zone(camera)
    for n in range(10):
        make_zone_event(zone, minutes=n)
    with django_assert_max_num_queries(3):
        assert viewer_client.get(EVENTS.format("cam1")).json()["count"] == 10


def test_zone_events_are_read_only(manager_client, camera):
    assert manager_client.post(EVENTS.format("cam1"), {}, format="json").status_code == 405


def test_scoped_key_without_events_read_is_refused(scoped_client, camera):
    assert scoped_client.get(EVENTS.format("cam1")).status_code == 403
    assert scoped_client.get(DETECTIONS.format("cam1")).status_code == 403


def test_scoped_reader_cannot_read_another_camera(scoped_events_reader, camera, other_camera):
    assert scoped_events_reader.get(EVENTS.format("cam1")).status_code == 200
    assert scoped_events_reader.get(EVENTS.format("cam2")).status_code == 403
    assert scoped_events_reader.get(DETECTIONS.format("cam2")).status_code == 403


def test_unknown_camera_is_404_and_anonymous_401(viewer_client, anon_client, camera):
    assert viewer_client.get(EVENTS.format("nope")).status_code == 404
    assert viewer_client.get(DETECTIONS.format("nope")).json()["error"] == "camera nope not found"
    assert anon_client.get(EVENTS.format("cam1")).status_code == 401
    assert anon_client.get(DETECTIONS.format("cam1")).status_code == 401


def test_detections_newest_first_with_label_and_time_filters(viewer_client, camera, other_camera):
    person = make_detection(camera, minutes=0, label="person", bbox=[0.1, 0.1, 0.2, 0.3], track_id="7",
                            confidence=0.9, attributes={"source": "worker"}, frame_id="w:1")
    car = make_detection(camera, minutes=5, label="car")
    make_detection(other_camera, minutes=1)
    url = DETECTIONS.format("cam1")
    assert ids(viewer_client.get(url)) == [car.pk, person.pk]
    assert ids(viewer_client.get(url, {"label": "person"})) == [person.pk]
    assert ids(viewer_client.get(url, {"to": "2026-06-13T12:01:00Z"})) == [person.pk]
    row = viewer_client.get(url, {"label": "person"}).json()["results"][0]
    assert {k: row[k] for k in ("camera_id", "bbox", "track_id", "confidence", "attributes", "frame_id", "provenance")} == {
        "camera_id": "cam1", "bbox": [0.1, 0.1, 0.2, 0.3], "track_id": "7", "confidence": 0.9,
        "attributes": {"source": "worker"}, "frame_id": "w:1", "provenance": "worker",
    }


def test_detection_limits(viewer_client, camera):
    url = DETECTIONS.format("cam1")
    assert viewer_client.get(url, {"limit": 5000}).status_code == 200
    assert viewer_client.get(url, {"limit": 5001}).status_code == 400
    assert viewer_client.get(url, {"label": "x" * 257}).status_code == 400


def test_detections_list_has_no_per_row_queries(viewer_client, camera, django_assert_max_num_queries):
    for n in range(10):
        make_detection(camera, minutes=n)
    with django_assert_max_num_queries(3):
        assert viewer_client.get(DETECTIONS.format("cam1")).json()["count"] == 10
