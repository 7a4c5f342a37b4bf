"""Evidence holds and incident tags on segments, and the incident roll-up: bodies, scope, audit, queries."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from rest_framework.exceptions import NotFound

from accounts.models import AuditLog
from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from recording import services
from recording.models import Segment
from tests.conftest import client_for_key
from tests.recording.conftest import T0, make_segment

MINUTE = timedelta(minutes=1)


def lock_url(segment):
    return f"/api/v1/segments/{segment.pk}/evidence-lock"


def tag_url(segment):
    return f"/api/v1/segments/{segment.pk}/incident"


@pytest.fixture
def segment(camera):
    return make_segment(camera, T0)


# --- evidence lock ---------------------------------------------------------------------------------

def test_lock_holds_the_segment_and_tags_it(manager_client, segment):
    response = manager_client.post(lock_url(segment), {"incident_id": "  case-7  "}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["evidence_locked"], body["incident_id"]) == (segment.pk, True, "case-7")
    assert "path" not in body and body["url"] == f"/api/v1/segments/{segment.pk}/media"
    stored = Segment.objects.get(pk=segment.pk)
    assert stored.evidence_locked and stored.incident_id == "case-7"
    row = AuditLog.objects.get(action="evidence_lock_segment")
    assert (row.target_type, row.target_id, row.subject_camera_id, row.detail["incident_id"]) == ("segment", segment.pk, "cam1", "case-7")


@pytest.mark.parametrize("body", [None, {}, {"incident_id": None}, {"incident_id": "   "}])
def test_lock_without_an_incident_keeps_the_existing_tag(manager_client, camera, body):
    segment = make_segment(camera, T0, incident_id="case-1")
    response = manager_client.post(lock_url(segment), body, format="json")
    assert response.status_code == 200
    assert (response.json()["evidence_locked"], response.json()["incident_id"]) == (True, "case-1")


def test_unlock_releases_the_hold_and_keeps_the_tag(manager_client, camera):
    segment = make_segment(camera, T0, evidence_locked=True, incident_id="case-1")
    response = manager_client.delete(lock_url(segment))
    assert response.status_code == 200
    assert (response.json()["evidence_locked"], response.json()["incident_id"]) == (False, "case-1")
    assert not Segment.objects.get(pk=segment.pk).evidence_locked
    assert AuditLog.objects.filter(action="evidence_unlock_segment", target_id=segment.pk).exists()


def test_a_locked_segment_blocks_deleting_its_camera(admin_client, segment):
    assert admin_client.post(lock_url(segment)).status_code == 200
    response = admin_client.delete("/api/v1/cameras/cam1")
    assert response.status_code == 409 and "evidence-locked" in response.json()["error"]
    admin_client.delete(lock_url(segment))
    assert admin_client.delete("/api/v1/cameras/cam1").status_code == 204


def test_locking_leaves_reader_counts_alone(segment):
    stale = Segment.objects.get(pk=segment.pk)
    Segment.objects.filter(pk=segment.pk).update(read_locks=2)  # a reader opened the file meanwhile
    services.lock_segment_evidence(None, stale, "case-2")
    stored = Segment.objects.get(pk=segment.pk)
    assert (stored.read_locks, stored.evidence_locked, stored.incident_id) == (2, True, "case-2")


def test_a_segment_removed_meanwhile_is_not_found(segment):
    stale = Segment.objects.get(pk=segment.pk)
    segment.delete()
    with pytest.raises(NotFound):
        services.tag_segment_incident(None, stale, "case-3")
    assert not AuditLog.objects.filter(action="tag_segment_incident").exists()


# --- incident tag ----------------------------------------------------------------------------------

def test_patch_sets_and_null_clears_the_tag(manager_client, segment):
    response = manager_client.patch(tag_url(segment), {"incident_id": "burglary 2026/06"}, format="json")
    assert response.status_code == 200 and response.json()["incident_id"] == "burglary 2026/06"
    response = manager_client.patch(tag_url(segment), {"incident_id": None}, format="json")
    assert response.status_code == 200 and response.json()["incident_id"] is None
    assert Segment.objects.get(pk=segment.pk).incident_id is None
    assert AuditLog.objects.filter(action="tag_segment_incident").count() == 2


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"incident_id": ""},
        {"incident_id": "   "},
        {"incident_id": "x" * 201},
        {"incident_id": "case\n7"},
        {"incident_id": "case\x1b7"},
        {"incident_id": "case\u202e7"},  # a bidi override would disguise the tag
        {"incident_id": 7},
        {"incident_id": ["a"]},
        {"incident_id": True},
    ],
)
def test_bad_incident_ids_are_400(manager_client, segment, body):
    response = manager_client.patch(tag_url(segment), body, format="json")
    assert response.status_code == 400 and "incident_id" in response.json()["fields"]
    assert Segment.objects.get(pk=segment.pk).incident_id is None


@pytest.mark.parametrize("incident_id", ["x" * 201, "case\x1b7", 7, ["a"], {"a": 1}])
def test_lock_validates_the_incident_id_too(manager_client, segment, incident_id):
    response = manager_client.post(lock_url(segment), {"incident_id": incident_id}, format="json")
    assert response.status_code == 400 and "incident_id" in response.json()["fields"]
    assert not Segment.objects.get(pk=segment.pk).evidence_locked


def test_two_hundred_characters_are_fine(manager_client, segment):
    assert manager_client.patch(tag_url(segment), {"incident_id": "é" * 200}, format="json").json()["incident_id"] == "é" * 200


@pytest.mark.parametrize("raw", ["{nope", '{"incident_id": "case\\u00007"}'])
def test_malformed_json_and_nul_are_400(manager_client, segment, raw):
    response = manager_client.generic("PATCH", tag_url(segment), raw, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


# --- access to segment routes ----------------------------------------------------------------------

def test_viewer_cannot_lock_or_tag(viewer_client, segment):
    for response in (
        viewer_client.post(lock_url(segment)),
        viewer_client.delete(lock_url(segment)),
        viewer_client.patch(tag_url(segment), {"incident_id": "x"}, format="json"),
    ):
        assert response.status_code == 403 and "registry:manage" in response.json()["error"]
    assert not Segment.objects.get(pk=segment.pk).evidence_locked


def test_unknown_segment_is_404(manager_client, db):
    response = manager_client.post("/api/v1/segments/seg_missing/evidence-lock")
    assert response.status_code == 404 and response.json()["error"] == "segment seg_missing not found"
    assert manager_client.patch("/api/v1/segments/seg_missing/incident", {"incident_id": None}, format="json").status_code == 404


def test_scoped_key_cannot_tell_other_cameras_segments_from_missing_ones(scoped_client, segment, other_camera):
    theirs = make_segment(other_camera, T0)
    assert scoped_client.post(lock_url(segment)).status_code == 200
    for url in (lock_url(theirs), "/api/v1/segments/seg_missing/evidence-lock"):
        response = scoped_client.post(url)
        assert response.status_code == 403 and "not scoped to the camera of segment" in response.json()["error"]
    assert scoped_client.patch(tag_url(theirs), {"incident_id": "x"}, format="json").status_code == 403
    assert not Segment.objects.get(pk=theirs.pk).evidence_locked


def test_anonymous_is_401(anon_client, segment):
    assert anon_client.post(lock_url(segment)).status_code == 401
    assert anon_client.get("/api/v1/incidents").status_code == 401


# --- incidents -------------------------------------------------------------------------------------

@pytest.fixture
def incidents(camera, other_camera):
    """case-a: two cam1 segments (older); case-b: one cam1 and one cam2 segment (newer); one untagged."""
    make_segment(camera, T0, incident_id="case-a", size_bytes=100)
    make_segment(camera, T0 + MINUTE, incident_id="case-a", size_bytes=200)
    make_segment(camera, T0 + 5 * MINUTE, incident_id="case-b", size_bytes=10)
    make_segment(other_camera, T0 + 9 * MINUTE, incident_id="case-b", size_bytes=20)
    make_segment(camera, T0 + 20 * MINUTE)


def test_incidents_roll_up_tagged_segments_newest_first(viewer_client, incidents):
    body = viewer_client.get("/api/v1/incidents").json()
    assert body["count"] == 2
    assert body["results"] == [
        {"incident_id": "case-b", "segment_count": 2, "total_bytes": 30,
         "oldest_start": "2026-06-15T12:05:00Z", "newest_end": "2026-06-15T12:10:00Z"},
        {"incident_id": "case-a", "segment_count": 2, "total_bytes": 300,
         "oldest_start": "2026-06-15T12:00:00Z", "newest_end": "2026-06-15T12:02:00Z"},
    ]


def test_incident_list_limits_and_queries(admin_client, incidents, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert len(admin_client.get("/api/v1/incidents", {"limit": 1}).json()["results"]) == 1
    assert admin_client.get("/api/v1/incidents", {"limit": 1001}).status_code == 400


def test_incidents_need_events_read(admin_user, incidents):
    grant = Grant("integration", ["camera:read", "video:playback"], "all", [])
    _, raw = create_api_key(for_user(admin_user), name="player", grant=grant)
    response = client_for_key(raw).get("/api/v1/incidents")
    assert response.status_code == 403 and "events:read" in response.json()["error"]


def test_incident_segments_are_oldest_first(viewer_client, incidents):
    body = viewer_client.get("/api/v1/incidents/case-b/segments").json()
    assert [(r["camera_id"], r["start_time"]) for r in body["results"]] == [
        ("cam1", "2026-06-15T12:05:00Z"), ("cam2", "2026-06-15T12:09:00Z"),
    ]
    assert "path" not in body["results"][0]
    assert viewer_client.get("/api/v1/incidents/case-zzz/segments").json()["count"] == 0


def test_incident_segments_are_scope_filtered(scoped_client, incidents):
    body = scoped_client.get("/api/v1/incidents/case-b/segments").json()
    assert [r["camera_id"] for r in body["results"]] == ["cam1"]


def test_incident_ids_with_slashes_and_spaces_are_addressable(viewer_client, camera):
    make_segment(camera, T0, incident_id="burglary 2026/06")
    body = viewer_client.get("/api/v1/incidents/" + quote("burglary 2026/06", safe="") + "/segments").json()
    assert body["count"] == 1
    assert viewer_client.get("/api/v1/incidents/burglary 2026/06/segments").json()["count"] == 1


@pytest.mark.parametrize("incident", ["%01", "x" * 201, "%20%20"])
def test_bad_incident_paths_are_400(viewer_client, db, incident):
    response = viewer_client.get(f"/api/v1/incidents/{incident}/segments")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_incident_segments_need_video_playback_and_have_no_per_row_queries(admin_user, admin_client, incidents, django_assert_max_num_queries):
    _, raw = create_api_key(for_user(admin_user), name="reader", grant=Grant("integration", ["camera:read"], "all", []))
    assert client_for_key(raw).get("/api/v1/incidents/case-a/segments").status_code == 403
    with django_assert_max_num_queries(2):
        assert admin_client.get("/api/v1/incidents/case-a/segments").json()["count"] == 2
    assert admin_client.get("/api/v1/incidents/case-a/segments", {"limit": 5001}).status_code == 400
