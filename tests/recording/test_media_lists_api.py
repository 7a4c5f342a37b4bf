"""Read-only lists of segments, recording gaps and snapshots: ranges, filters, no paths, scope, queries."""

from datetime import timedelta

import pytest

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from recording.api.serializers import segment_url, snapshot_url
from tests.conftest import client_for_key
from tests.recording.conftest import T0, make_gap, make_segment, make_snapshot, make_snapshot_schedule

SEGMENTS = "/api/v1/cameras/cam1/segments"
GAPS = "/api/v1/cameras/cam1/recording-gaps"
SNAPSHOTS = "/api/v1/cameras/cam1/snapshots"
MINUTE = timedelta(minutes=1)


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def segments(camera, other_camera):
    """Ten one-minute segments of cam1 from T0, one of cam2."""
    rows = [make_segment(camera, T0 + i * MINUTE) for i in range(10)]
    make_segment(other_camera, T0)
    return rows


# --- segments --------------------------------------------------------------------------------------

def test_segment_view_has_url_and_locked_but_never_the_path(viewer_client, camera):
    segment = make_segment(camera, T0, read_locks=2, codec="h264", width=1920, height=1080, fps=25.0, has_audio=True)
    row = viewer_client.get(SEGMENTS).json()["results"][0]
    assert "path" not in row and "read_locks" not in row and segment.path not in str(row)
    assert row["url"] == f"/api/v1/segments/{segment.pk}/media" == segment_url(segment)
    assert row["locked"] is True and row["evidence_locked"] is False and row["source"] == "recorder"
    assert (row["start_time"], row["end_time"], row["codec"], row["width"]) == ("2026-06-15T12:00:00Z", "2026-06-15T12:01:00Z", "h264", 1920)


def test_without_range_the_newest_segments_are_returned_oldest_first(viewer_client, segments):
    body = viewer_client.get(SEGMENTS, {"limit": 3}).json()
    assert body["count"] == 10
    assert [r["id"] for r in body["results"]] == [s.pk for s in segments[7:]]
    older = viewer_client.get(SEGMENTS, {"limit": 3, "offset": 3}).json()
    assert [r["id"] for r in older["results"]] == [s.pk for s in segments[4:7]]


def test_range_returns_overlapping_segments_ascending(viewer_client, segments):
    # [12:02:30, 12:04:00) overlaps the 12:02, 12:03 segments; 12:04 starts at `to` (excluded).
    body = viewer_client.get(SEGMENTS, {"from": iso(T0 + 2.5 * MINUTE), "to": iso(T0 + 4 * MINUTE)}).json()
    assert [r["id"] for r in body["results"]] == [segments[2].pk, segments[3].pk]


def test_open_ended_ranges(viewer_client, segments):
    after = viewer_client.get(SEGMENTS, {"from": iso(T0 + 8 * MINUTE)}).json()["results"]
    assert [r["id"] for r in after] == [segments[8].pk, segments[9].pk]  # 12:07 segment ends exactly at `from`
    before = viewer_client.get(SEGMENTS, {"to": iso(T0 + 2 * MINUTE), "limit": 5}).json()["results"]
    assert [r["id"] for r in before] == [segments[0].pk, segments[1].pk]


@pytest.mark.parametrize(
    "params",
    [{"from": "yesterday"}, {"to": "2026-06-15T12:00:00"}, {"from": iso(T0 + MINUTE), "to": iso(T0)}, {"limit": 5001}, {"limit": "x"}, {"offset": -1}],
)
def test_bad_segment_queries_are_400(viewer_client, camera, params):
    response = viewer_client.get(SEGMENTS, params)
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_segment_list_has_no_per_row_queries(admin_client, segments, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(admin_client.get(SEGMENTS).json()["results"]) == 10


def test_segments_need_video_playback(admin_user, camera):
    _, raw = create_api_key(for_user(admin_user), name="reader", grant=Grant("integration", ["camera:read"], "all", []))
    response = client_for_key(raw).get(SEGMENTS)
    assert response.status_code == 403 and "video:playback" in response.json()["error"]


def test_scoped_key_lists_only_its_camera(scoped_client, segments):
    assert scoped_client.get(SEGMENTS).json()["count"] == 10
    assert scoped_client.get("/api/v1/cameras/cam2/segments").status_code == 403
    assert scoped_client.get("/api/v1/cameras/cam2/recording-gaps").status_code == 403
    assert scoped_client.get("/api/v1/cameras/cam2/snapshots").status_code == 403


def test_unknown_camera_and_anonymous(viewer_client, anon_client, db):
    assert viewer_client.get("/api/v1/cameras/ghost/segments").status_code == 404
    assert anon_client.get("/api/v1/cameras/ghost/segments").status_code == 401


# --- recording gaps --------------------------------------------------------------------------------

@pytest.fixture
def gaps(camera, other_camera):
    rows = [
        make_gap(camera, T0, reason="camera_offline"),
        make_gap(camera, T0 + 10 * MINUTE, reason="schedule_off", fill_state="not_applicable"),
        make_gap(camera, T0 + 20 * MINUTE, reason="stream_error", fill_state="filled"),
        make_gap(camera, T0 + 30 * MINUTE, reason="camera_offline", fill_state="expired"),
    ]
    make_gap(other_camera, T0)
    return rows


def test_gaps_are_newest_first_with_every_field(viewer_client, gaps):
    body = viewer_client.get(GAPS).json()
    assert [r["id"] for r in body["results"]] == [g.pk for g in reversed(gaps)]
    assert set(body["results"][0]) == {
        "id", "camera_id", "gap_start", "gap_end", "gap_seconds", "reason", "fill_state", "fill_attempts",
        "last_attempt_at", "filled_at", "created_at",
    }


def test_gaps_filter_by_state_reason_and_range(viewer_client, gaps):
    assert [r["id"] for r in viewer_client.get(GAPS, {"state": "pending"}).json()["results"]] == [gaps[0].pk]
    assert [r["id"] for r in viewer_client.get(GAPS, {"reason": "camera_offline"}).json()["results"]] == [gaps[3].pk, gaps[0].pk]
    ranged = viewer_client.get(GAPS, {"from": iso(T0 + 5 * MINUTE), "to": iso(T0 + 25 * MINUTE)}).json()["results"]
    assert [r["id"] for r in ranged] == [gaps[2].pk, gaps[1].pk]


@pytest.mark.parametrize("params", [{"state": "bogus"}, {"reason": "aliens"}, {"state": "PENDING"}, {"limit": 0}])
def test_bad_gap_filters_are_400(viewer_client, camera, params):
    response = viewer_client.get(GAPS, params)
    assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_gap_list_has_no_per_row_queries(admin_client, gaps, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(admin_client.get(GAPS).json()["results"]) == 4


# --- snapshots -------------------------------------------------------------------------------------

@pytest.fixture
def snapshots(camera, other_camera):
    schedule = make_snapshot_schedule(camera)
    rows = [make_snapshot(camera, T0 + i * MINUTE, schedule=schedule) for i in range(5)]
    make_snapshot(other_camera, T0)
    return rows


def test_snapshots_are_newest_first_with_url_and_no_path(viewer_client, snapshots):
    body = viewer_client.get(SNAPSHOTS).json()
    assert [r["id"] for r in body["results"]] == [s.pk for s in reversed(snapshots)]
    row = body["results"][0]
    assert set(row) == {"id", "camera_id", "schedule_id", "taken_at", "size_bytes", "url", "created_at"}
    assert row["url"] == f"/api/v1/snapshots/{snapshots[-1].pk}/image" == snapshot_url(snapshots[-1])
    assert row["schedule_id"] == snapshots[-1].schedule_id


def test_snapshot_range_is_inclusive(viewer_client, snapshots):
    body = viewer_client.get(SNAPSHOTS, {"from": iso(T0 + MINUTE), "to": iso(T0 + 3 * MINUTE)}).json()
    assert [r["id"] for r in body["results"]] == [snapshots[3].pk, snapshots[2].pk, snapshots[1].pk]


def test_snapshot_of_a_deleted_schedule_has_null_schedule_id(viewer_client, snapshots):
    snapshots[0].schedule.delete()
    assert {r["schedule_id"] for r in viewer_client.get(SNAPSHOTS).json()["results"]} == {None}


def test_snapshot_list_has_no_per_row_queries(admin_client, snapshots, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(admin_client.get(SNAPSHOTS).json()["results"]) == 5


def test_snapshot_limits(viewer_client, snapshots):
    assert len(viewer_client.get(SNAPSHOTS, {"limit": 2}).json()["results"]) == 2
    assert viewer_client.get(SNAPSHOTS, {"limit": 5001}).status_code == 400
    assert viewer_client.get(SNAPSHOTS, {"from": "nope"}).status_code == 400
