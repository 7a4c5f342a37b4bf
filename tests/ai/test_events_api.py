"""The event log: filters, severity validation, scope filtering, limits and the type catalogue."""

from __future__ import annotations

import pytest

from ai.event_catalogue import BUILTIN_EVENT_TYPES, OBSERVED_DESCRIPTION
from ai.models import Event
from tests.ai.conftest import make_event

pytestmark = pytest.mark.django_db

URL = "/api/v1/events"
TYPES = "/api/v1/events/types"


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_events_are_newest_first_with_prefixed_ids(viewer_client, camera):
    old = make_event("cam1", minutes=0, payload={"ran_seconds": 3})
    new = make_event(None, "disk_pressure", minutes=1, severity="critical")
    body = viewer_client.get(URL).json()
    assert [r["id"] for r in body["results"]] == [new.pk, old.pk]
    assert old.pk.startswith("evt_") and len(old.pk) == 36
    assert body["results"][1] == {
        "id": old.pk, "camera_id": "cam1", "event_type": "camera_offline", "severity": "warning",
        "timestamp": "2026-06-13T12:00:00Z", "payload": {"ran_seconds": 3}, "created_at": "2026-06-13T12:00:00Z",
    }


def test_event_filters(viewer_client, db):
    a = make_event("cam1", "camera_offline", minutes=0, severity="warning")
    b = make_event("cam2", "zone_enter", minutes=10, severity="info")
    c = make_event(None, "raid_degraded", minutes=20, severity="critical")
    assert ids(viewer_client.get(URL, {"camera_id": "cam1"})) == [a.pk]
    assert ids(viewer_client.get(URL, {"event_type": "zone_enter"})) == [b.pk]
    assert ids(viewer_client.get(URL, {"severity": "critical"})) == [c.pk]
    assert ids(viewer_client.get(URL, {"from": "2026-06-13T12:05:00Z"})) == [c.pk, b.pk]
    assert ids(viewer_client.get(URL, {"to": "2026-06-13T12:05:00Z"})) == [a.pk]


@pytest.mark.parametrize(
    "params",
    [{"severity": "fatal"}, {"from": "now"}, {"limit": 2001}, {"limit": -1}, {"offset": "x"}, {"camera_id": "c\x00"},
     {"event_type": "e" * 257}],
)
def test_bad_event_queries_are_400(viewer_client, db, params):
    response = viewer_client.get(URL, params)
    assert response.status_code == 400 and {"error", "code"} <= set(response.json())


def test_event_limit_default_200_and_max_2000(viewer_client, db):
    Event.objects.bulk_create(Event(camera_id="cam1", event_type="x") for _ in range(201))
    assert len(viewer_client.get(URL).json()["results"]) == 200
    assert len(viewer_client.get(URL, {"limit": 2000}).json()["results"]) == 201


def test_events_of_deleted_cameras_remain(viewer_client, camera):
    make_event("cam1")
    camera.delete()
    assert viewer_client.get(URL).json()["count"] == 1


def test_scoped_reader_sees_only_its_cameras_and_no_box_events(scoped_events_reader, db):
    mine = make_event("cam1", minutes=0)
    make_event("cam2", minutes=1)
    make_event(None, "raid_degraded", minutes=2)
    assert ids(scoped_events_reader.get(URL)) == [mine.pk]
    response = scoped_events_reader.get(URL, {"camera_id": "cam2"})
    assert response.status_code == 403 and "cam2" in response.json()["error"]


def test_scoped_key_without_events_read_is_refused(scoped_client):
    assert scoped_client.get(URL).status_code == 403
    assert scoped_client.get(TYPES).status_code == 403


def test_anonymous_is_401(anon_client, db):
    assert anon_client.get(URL).status_code == 401
    assert anon_client.get(TYPES).status_code == 401


def test_events_are_read_only(admin_client, db):
    assert admin_client.post(URL, {"event_type": "x"}, format="json").status_code == 405


def test_event_list_has_no_per_row_queries(viewer_client, db, django_assert_max_num_queries):
    for n in range(10):
        make_event(f"cam{n}", minutes=n)
    with django_assert_max_num_queries(3):
        assert viewer_client.get(URL).json()["count"] == 10


def test_types_list_builtins_then_observed(viewer_client, db):
    make_event("cam1", "person_loitering")
    make_event("cam1", "camera_offline")
    make_event("cam1", "anpr_hit")
    rows = viewer_client.get(TYPES).json()
    names = [r["event_type"] for r in rows]
    assert names[: len(BUILTIN_EVENT_TYPES)] == list(BUILTIN_EVENT_TYPES)
    assert names[len(BUILTIN_EVENT_TYPES):] == ["anpr_hit", "person_loitering"]
    assert rows[-1] == {"event_type": "person_loitering", "description": OBSERVED_DESCRIPTION}
    assert all(r["description"] for r in rows)


def test_types_cap_observed_at_500(viewer_client, db, django_assert_max_num_queries):
    Event.objects.bulk_create(Event(camera_id="cam1", event_type=f"custom_{n:04d}") for n in range(600))
    with django_assert_max_num_queries(2):
        rows = viewer_client.get(TYPES).json()
    assert len(rows) == len(BUILTIN_EVENT_TYPES) + 500
