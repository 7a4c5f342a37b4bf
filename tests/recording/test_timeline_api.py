"""Timeline and computed gaps: merged ranges, holes with reasons, windows, bad input, scope, queries."""

from datetime import timedelta

import pytest
import time_machine
from drf_spectacular.generators import SchemaGenerator

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from recording.models import CameraStatus, Segment
from tests.conftest import client_for_key, make_camera
from tests.recording.conftest import T0, make_gap, make_segment

TIMELINE = "/api/v1/cameras/cam1/timeline"
GAPS = "/api/v1/cameras/cam1/gaps"
S = timedelta(seconds=1)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(start_seconds, end_seconds):
    return {"from": iso(T0 + start_seconds * S), "to": iso(T0 + end_seconds * S)}


@pytest.fixture
def footage(camera, other_camera):
    """cam1: 0–60 and 61–120 (1 s apart: one range), 180–240, 300–360; a persisted gap for 120–180."""
    for start in (0, 61, 180, 300):
        make_segment(camera, T0 + start * S, seconds=60 if start != 61 else 59)
    make_segment(other_camera, T0 + 120 * S)  # another camera's footage never fills cam1's holes
    return make_gap(camera, T0 + 120 * S, seconds=60, reason="camera_offline", fill_state="failed")


# --- timeline --------------------------------------------------------------------------------------

def test_timeline_merges_close_segments_and_explains_holes(viewer_client, footage):
    body = viewer_client.get(TIMELINE, window(-30, 400)).json()
    assert (body["camera_id"], body["from"], body["to"]) == ("cam1", "2026-06-15T11:59:30Z", "2026-06-15T12:06:40Z")
    assert [(r["start"], r["end"], r["seconds"]) for r in body["ranges"]] == [
        ("2026-06-15T12:00:00Z", "2026-06-15T12:02:00Z", 120.0),
        ("2026-06-15T12:03:00Z", "2026-06-15T12:04:00Z", 60.0),
        ("2026-06-15T12:05:00Z", "2026-06-15T12:06:00Z", 60.0),
    ]
    assert body["recorded_seconds"] == 240.0 and body["segment_count"] == 4
    # Before the camera's first segment nothing was recorded yet: that is no gap.
    assert body["not_recorded_yet"] == {"start": "2026-06-15T11:59:30Z", "end": "2026-06-15T12:00:00Z", "seconds": 30.0}
    assert body["in_progress"] is None  # a past window
    assert body["gaps"] == [
        {"start": "2026-06-15T12:02:00Z", "end": "2026-06-15T12:03:00Z", "seconds": 60.0, "reason": "camera_offline",
         "fill_state": "failed", "gap_id": footage.pk},
        {"start": "2026-06-15T12:04:00Z", "end": "2026-06-15T12:05:00Z", "seconds": 60.0, "reason": None, "fill_state": None, "gap_id": None},
        {"start": "2026-06-15T12:06:00Z", "end": "2026-06-15T12:06:40Z", "seconds": 40.0, "reason": None, "fill_state": None, "gap_id": None},
    ]


def test_ranges_and_holes_are_clipped_to_the_window(viewer_client, footage):
    body = viewer_client.get(TIMELINE, window(30, 200)).json()
    assert [(r["start"], r["end"]) for r in body["ranges"]] == [
        ("2026-06-15T12:00:30Z", "2026-06-15T12:02:00Z"),
        ("2026-06-15T12:03:00Z", "2026-06-15T12:03:20Z"),
    ]
    assert body["segment_count"] == 3 and body["recorded_seconds"] == 110.0
    assert [g["gap_id"] for g in body["gaps"]] == [footage.pk]


def test_the_hole_the_camera_is_in_now_takes_the_status_reason(viewer_client, footage):
    CameraStatus.objects.create(camera=footage.camera, state="idle_schedule", gap_reason="schedule_off")
    with time_machine.travel(T0 + 600 * S, tick=False):
        body = viewer_client.get(TIMELINE).json()  # default window: the last 24 h up to now
    assert (body["from"], body["to"]) == ("2026-06-14T12:10:00Z", "2026-06-15T12:10:00Z")
    trailing = body["gaps"][-1]
    assert (trailing["start"], trailing["end"], trailing["reason"], trailing["gap_id"]) == (
        "2026-06-15T12:06:00Z", "2026-06-15T12:10:00Z", "schedule_off", None
    )
    # The day before the first segment: not recorded yet, not a gap of unknown reason.
    assert body["not_recorded_yet"]["end"] == "2026-06-15T12:00:00Z" and body["gaps"][0]["gap_id"] == footage.pk


def test_a_past_window_does_not_borrow_the_current_reason(viewer_client, footage):
    CameraStatus.objects.create(camera=footage.camera, state="offline", gap_reason="camera_offline")
    with time_machine.travel(T0 + 3600 * S, tick=False):
        body = viewer_client.get(TIMELINE, window(0, 300)).json()
    assert body["gaps"][-1]["start"] == "2026-06-15T12:04:00Z" and body["gaps"][-1]["reason"] is None


def test_timeline_of_a_camera_without_footage_is_not_recorded_yet(viewer_client, camera):
    body = viewer_client.get(TIMELINE, window(0, 60)).json()
    assert body["ranges"] == [] and body["recorded_seconds"] == 0 and body["segment_count"] == 0
    assert body["not_recorded_yet"] == {"start": "2026-06-15T12:00:00Z", "end": "2026-06-15T12:01:00Z", "seconds": 60.0}
    assert body["gaps"] == [] and body["in_progress"] is None


def test_only_from_runs_to_now(viewer_client, footage):
    with time_machine.travel(T0 + 400 * S, tick=False):
        body = viewer_client.get(TIMELINE, {"from": iso(T0)}).json()
    assert body["to"] == "2026-06-15T12:06:40Z" and len(body["ranges"]) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"from": "yesterday"},
        {"to": "2026-06-15T12:00:00"},  # no offset
        {"from": iso(T0 + S), "to": iso(T0)},
        {"from": iso(T0), "to": iso(T0 + timedelta(days=31, seconds=1))},
        {"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"},
        {"to": "0001-01-01T00:00:00Z"},
        {"from": "9999-12-31T23:59:59Z"},  # after `to`, which defaults to now
        {"from": "2026-06-15T12:00:00+99:00"},
    ],
)
def test_bad_windows_are_400(viewer_client, camera, params):
    for url in (TIMELINE, GAPS):
        response = viewer_client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert response.json()["code"] == "validation_error"


def test_the_far_future_is_a_window_like_any_other(viewer_client, camera):
    body = viewer_client.get(TIMELINE, {"from": "9999-12-30T00:00:00Z", "to": "9999-12-31T23:59:59Z"}).json()
    assert body["ranges"] == [] and body["gaps"] == [] and body["not_recorded_yet"]["seconds"] > 0
    assert viewer_client.get(GAPS, {"from": "1970-01-01T00:00:00Z", "to": "1970-01-31T00:00:00Z"}).json()["gap_count"] == 1


def test_a_month_window_takes_a_fixed_number_of_queries(admin_client, camera, django_assert_max_num_queries):
    # A day of one-minute segments with a hole every hour, and a persisted gap for each hole.
    rows = []
    for minute in range(24 * 60):
        if minute % 60 == 59:
            make_gap(camera, T0 + minute * 60 * S, seconds=60)
            continue
        start = T0 + minute * 60 * S
        rows.append(Segment(camera=camera, path=f"cam1/{minute}.mp4", start_time=start, end_time=start + 60 * S, duration_s=60))
    Segment.objects.bulk_create(rows)
    CameraStatus.objects.create(camera=camera, state="recording")
    params = {"from": iso(T0 - timedelta(days=30)), "to": iso(T0 + timedelta(days=1))}
    with django_assert_max_num_queries(4):
        body = admin_client.get(TIMELINE, params).json()
    assert body["segment_count"] == 24 * 59 and len(body["ranges"]) == 24
    assert [g["reason"] for g in body["gaps"]] == ["camera_offline"] * 24
    assert body["not_recorded_yet"]["end"] == "2026-06-15T12:00:00Z"  # the month before: not recorded yet
    with django_assert_max_num_queries(2):
        assert admin_client.get(GAPS, params).json()["gap_count"] == 25


# --- day one and the live edge --------------------------------------------------------------------

NOW = T0 + 3600 * S


@pytest.fixture
def veteran(db):
    """cam1, added a month before T0, recording in 60 s segments."""
    return make_camera("cam1", created_at=T0 - timedelta(days=30), segment_seconds=60)


def recording_status(camera, **fields):
    fields.setdefault("last_packet_at", NOW - 2 * S)
    fields.setdefault("last_started_at", camera.created_at + 2 * S)
    return CameraStatus.objects.create(camera=camera, state="recording", **fields)


def test_a_camera_added_a_minute_ago_has_no_invented_gap(viewer_client, db):
    camera = make_camera("cam1", created_at=NOW - 60 * S, segment_seconds=10)
    recording_status(camera)
    for offset in (55, 45, 35, 25, 15):  # 10 s segments since it connected; the one being written is not indexed yet
        make_segment(camera, NOW - offset * S, seconds=10)
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()  # the last 24 h
    assert body["not_recorded_yet"] == {"start": "2026-06-14T13:00:00Z", "end": "2026-06-15T12:59:05Z", "seconds": 86345.0}
    assert [(r["start"], r["end"]) for r in body["ranges"]] == [("2026-06-15T12:59:05Z", "2026-06-15T12:59:55Z")]
    assert body["in_progress"] == {"start": "2026-06-15T12:59:55Z", "end": "2026-06-15T13:00:00Z", "seconds": 5.0}
    assert body["gaps"] == []


def test_a_camera_writing_its_first_segment_is_not_recorded_yet_then_in_progress(viewer_client, db):
    camera = make_camera("cam1", created_at=NOW - 40 * S, segment_seconds=60)
    recording_status(camera, last_started_at=NOW - 38 * S)
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
    assert body["ranges"] == [] and body["gaps"] == []
    assert body["not_recorded_yet"]["end"] == "2026-06-15T12:59:22Z"  # until its ingest run started
    assert body["in_progress"] == {"start": "2026-06-15T12:59:22Z", "end": "2026-06-15T13:00:00Z", "seconds": 38.0}


def test_a_new_camera_still_connecting_is_not_recorded_yet(viewer_client, db):
    camera = make_camera("cam1", created_at=NOW - 20 * S)
    CameraStatus.objects.create(camera=camera, state="connecting")
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
    assert body["gaps"] == [] and body["in_progress"] is None
    assert body["not_recorded_yet"]["end"] == "2026-06-15T13:00:00Z"


def test_a_new_camera_that_fails_shows_why_since_it_was_added(viewer_client, db):
    camera = make_camera("cam1", created_at=NOW - 600 * S)
    CameraStatus.objects.create(camera=camera, state="error", gap_reason="auth_failed")
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
        past = viewer_client.get(TIMELINE, {"from": iso(NOW - 300 * S), "to": iso(NOW - 120 * S)}).json()
    assert body["not_recorded_yet"]["end"] == "2026-06-15T12:50:00Z"
    assert [(g["start"], g["end"], g["reason"]) for g in body["gaps"]] == [("2026-06-15T12:50:00Z", "2026-06-15T13:00:00Z", "auth_failed")]
    assert past["gaps"] == [] and past["not_recorded_yet"]["seconds"] == 180.0  # a past window does not borrow the reason


def test_the_live_edge_of_a_recording_camera_is_in_progress_not_a_gap(viewer_client, veteran):
    recording_status(veteran)
    make_segment(veteran, NOW - 3000 * S, seconds=2940)  # ends 60 s ago: the camera records in 60 s segments
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
        late = viewer_client.get(TIMELINE, {"from": iso(NOW - 600 * S), "to": iso(NOW - 3 * S)}).json()  # a client's "now" lags
    assert body["gaps"] == []
    assert body["in_progress"] == {"start": "2026-06-15T12:59:00Z", "end": "2026-06-15T13:00:00Z", "seconds": 60.0}
    assert late["gaps"] == [] and late["in_progress"]["end"] == "2026-06-15T12:59:57Z"


@pytest.mark.parametrize(
    "status",
    [
        {"state": "recording", "last_packet_at": NOW - 120 * S},  # the recorder stopped reporting packets
        {"state": "offline", "gap_reason": "camera_offline", "last_packet_at": NOW - 2 * S},
        {"state": "idle_schedule", "gap_reason": "schedule_off"},
    ],
)
def test_a_trailing_hole_while_not_recording_keeps_the_current_reason(viewer_client, veteran, status):
    CameraStatus.objects.create(camera=veteran, **status)
    make_segment(veteran, NOW - 3000 * S, seconds=2940)
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
    assert body["in_progress"] is None
    assert [(g["start"], g["end"], g["reason"]) for g in body["gaps"]] == [
        ("2026-06-15T12:59:00Z", "2026-06-15T13:00:00Z", status.get("gap_reason"))
    ]


def test_after_a_reconnect_only_the_segment_being_written_is_in_progress(viewer_client, veteran):
    # Back for a few seconds after a 10-minute outage: the outage is a gap (its reason is persisted when
    # the first new segment closes), only the last segment length (+ 30 s) can be the one being written.
    recording_status(veteran)
    make_segment(veteran, NOW - 1200 * S, seconds=600)
    with time_machine.travel(NOW, tick=False):
        body = viewer_client.get(TIMELINE).json()
    assert body["in_progress"]["start"] == "2026-06-15T12:58:30Z"
    assert [(g["start"], g["end"]) for g in body["gaps"]] == [("2026-06-15T12:50:00Z", "2026-06-15T12:58:30Z")]


def test_the_live_window_takes_a_fixed_number_of_queries(admin_client, veteran, django_assert_max_num_queries):
    recording_status(veteran)
    for minute in range(0, 50, 5):
        make_segment(veteran, NOW - (60 - minute) * 60 * S, seconds=120)  # a hole every 5 minutes
        make_gap(veteran, NOW - (58 - minute) * 60 * S, seconds=180)
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(4):
        body = admin_client.get(TIMELINE).json()
    assert len(body["gaps"]) == 10 and body["in_progress"] is not None and body["not_recorded_yet"] is not None


def test_the_schema_describes_not_recorded_yet_and_in_progress():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    timeline = schema["components"]["schemas"]["CameraTimeline"]
    for name in ("not_recorded_yet", "in_progress"):
        field = timeline["properties"][name]
        assert field.get("nullable") is True and field["allOf"] == [{"$ref": "#/components/schemas/CoverageSpan"}], field
        assert field["description"] and name in timeline["required"]


# --- computed gaps ---------------------------------------------------------------------------------

def test_gaps_lists_holes_over_two_seconds_with_edges(viewer_client, footage):
    body = viewer_client.get(GAPS, window(-30, 400)).json()
    assert set(body) == {"camera_id", "from", "to", "gaps", "gap_count", "total_gap_seconds"}
    assert [(g["start"], g["end"], g["seconds"]) for g in body["gaps"]] == [
        ("2026-06-15T11:59:30Z", "2026-06-15T12:00:00Z", 30.0),
        ("2026-06-15T12:02:00Z", "2026-06-15T12:03:00Z", 60.0),
        ("2026-06-15T12:04:00Z", "2026-06-15T12:05:00Z", 60.0),
        ("2026-06-15T12:06:00Z", "2026-06-15T12:06:40Z", 40.0),
    ]
    assert body["gap_count"] == 4 and body["total_gap_seconds"] == 190.0


def test_slivers_of_two_seconds_are_not_gaps(viewer_client, camera):
    make_segment(camera, T0 + 2 * S, seconds=30)
    make_segment(camera, T0 + 34 * S, seconds=24)  # 2 s after the previous; ends 2 s before `to`
    assert viewer_client.get(GAPS, window(0, 60)).json()["gaps"] == []
    make_segment(camera, T0 + 70 * S, seconds=10)
    assert [g["seconds"] for g in viewer_client.get(GAPS, window(0, 100)).json()["gaps"]] == [12.0, 20.0]


# --- access ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [TIMELINE, GAPS])
def test_coverage_needs_video_playback(admin_user, camera, url):
    _, raw = create_api_key(for_user(admin_user), name="reader", grant=Grant("integration", ["camera:read"], "all", []))
    response = client_for_key(raw).get(url)
    assert response.status_code == 403 and "video:playback" in response.json()["error"]


@pytest.mark.parametrize("suffix", ["timeline", "gaps"])
def test_scoped_key_reads_only_its_camera(scoped_client, footage, suffix):
    assert scoped_client.get(f"/api/v1/cameras/cam1/{suffix}", window(0, 60)).status_code == 200
    response = scoped_client.get(f"/api/v1/cameras/cam2/{suffix}")
    assert response.status_code == 403 and "not scoped to camera 'cam2'" in response.json()["error"]
    assert scoped_client.get(f"/api/v1/cameras/ghost/{suffix}").status_code == 403  # no existence oracle


def test_unknown_camera_and_anonymous(viewer_client, anon_client, db):
    response = viewer_client.get("/api/v1/cameras/ghost/timeline")
    assert response.status_code == 404 and response.json() == {"error": "camera ghost not found", "code": "not_found"}
    assert anon_client.get(TIMELINE).status_code == 401
    assert anon_client.get(GAPS).status_code == 401
