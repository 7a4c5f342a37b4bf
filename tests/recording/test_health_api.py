"""Camera health endpoints: status rows, unknown without a row, disabled cameras, masking, scope."""

from cameras.models import Camera
from recording.models import CameraStatus
from recording.services import ensure_camera_status, status_view_for
from tests.conftest import make_camera
from tests.recording.conftest import T0

LIST = "/api/v1/health/cameras"


def test_list_reports_stored_unknown_and_disabled_states(viewer_client, camera, other_camera):
    CameraStatus.objects.create(camera=camera, state="recording", segments_written=7, last_segment_at=T0, lease_holder="rec-a")
    off = make_camera("cam3", enabled=False)
    CameraStatus.objects.create(camera=off, state="recording")
    response = viewer_client.get(LIST)
    assert response.status_code == 200
    rows = {row["camera_id"]: row for row in response.json()["results"]}
    assert {c: r["state"] for c, r in rows.items()} == {"cam1": "recording", "cam2": "unknown", "cam3": "disabled"}
    assert rows["cam1"]["segments_written"] == 7 and rows["cam1"]["last_segment_at"] == "2026-06-15T12:00:00Z"
    assert rows["cam1"]["lease_holder"] == "rec-a"
    assert rows["cam2"]["reconnect_count"] == 0 and rows["cam2"]["updated_at"] is None


def test_status_view_has_every_field_and_no_path(admin_client, camera):
    CameraStatus.objects.create(camera=camera, state="idle_schedule", status_note="audio codec opus dropped")
    body = admin_client.get("/api/v1/cameras/cam1/health").json()
    assert set(body) == {
        "camera_id", "state", "last_segment_at", "last_started_at", "reconnect_count", "segments_written",
        "fps_observed", "bitrate_kbps", "last_error", "recorder_pid", "frames_per_second", "last_packet_at",
        "gap_reason", "trigger_until", "bytes_written",
        "lease_holder", "lease_expires_at", "clock_skew_seconds", "status_note", "updated_at",
    }
    assert body["state"] == "idle_schedule" and body["status_note"] == "audio codec opus dropped"


def test_last_error_is_reported_masked(admin_client, camera):
    status = CameraStatus(camera=camera, state="offline")
    status.set_error("ingest failed for rtsp://admin:s3cret@10.1.1.1/stream")
    status.save()
    body = admin_client.get("/api/v1/cameras/cam1/health").json()
    assert body["last_error"] == "ingest failed for rtsp://***@10.1.1.1/stream"
    assert "s3cret" not in admin_client.get(LIST).content.decode()


def test_single_camera_health_without_status_row_is_unknown(viewer_client, camera):
    response = viewer_client.get("/api/v1/cameras/cam1/health")
    assert response.status_code == 200
    assert response.json()["state"] == "unknown"


def test_single_camera_health_of_disabled_camera_is_disabled(viewer_client, db):
    ensure_camera_status(make_camera("cam9", enabled=False))
    assert viewer_client.get("/api/v1/cameras/cam9/health").json()["state"] == "disabled"


def test_unknown_camera_health_is_404(viewer_client, db):
    response = viewer_client.get("/api/v1/cameras/ghost/health")
    assert response.status_code == 404 and response.json()["error"] == "camera ghost not found"


def test_scoped_key_sees_only_its_cameras(scoped_client, camera, other_camera):
    body = scoped_client.get(LIST).json()
    assert [row["camera_id"] for row in body["results"]] == ["cam1"] and body["count"] == 1
    assert scoped_client.get("/api/v1/cameras/cam2/health").status_code == 403
    assert scoped_client.get("/api/v1/cameras/cam1/health").status_code == 200


def test_anonymous_is_401(anon_client, camera):
    assert anon_client.get(LIST).status_code == 401
    assert anon_client.get("/api/v1/cameras/cam1/health").status_code == 401


def test_health_list_is_one_query_plus_count(admin_client, db, django_assert_max_num_queries):
    for index in range(6):
        cam = make_camera(f"cam{index}")
        if index % 2:
            CameraStatus.objects.create(camera=cam, state="recording")
    with django_assert_max_num_queries(2):
        body = admin_client.get(LIST).json()
    assert body["count"] == 6 and [r["state"] for r in body["results"]] == ["unknown", "recording"] * 3


def test_health_list_paginates_strictly(admin_client, camera, other_camera):
    body = admin_client.get(LIST, {"limit": 1, "offset": 1}).json()
    assert [row["camera_id"] for row in body["results"]] == ["cam2"] and body["count"] == 2
    assert admin_client.get(LIST, {"limit": 0}).status_code == 400
    assert admin_client.get(LIST, {"limit": 5001}).status_code == 400


def test_ensure_camera_status_creates_an_unknown_row_once(camera):
    first = ensure_camera_status(camera)
    assert first.state == "unknown" and ensure_camera_status(camera).pk == first.pk
    assert status_view_for(Camera.objects.select_related("status").get(pk="cam1"))["state"] == "unknown"
