"""Live JPEGs: GET cameras/{id}/snapshot and POST cameras/{id}/snapshots against a real RTSP camera."""

from __future__ import annotations

import io
import time
from pathlib import Path

import av
import pytest
from django.conf import settings

from accounts.models import AuditLog
from recording.models import Snapshot
from tests.conftest import make_camera
from tests.peers.rtsp import free_ports, gst_camera  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def jpeg_size(data: bytes) -> tuple[int, int]:
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0))
        return frame.width, frame.height


def closed_port_url() -> str:
    (port,) = free_ports(1)
    return f"rtsp://127.0.0.1:{port}/h264"


@pytest.mark.slow
def test_live_snapshot_comes_from_the_camera(viewer_client, gst_camera):
    make_camera("gate", main_stream_url=gst_camera.url())
    started = time.monotonic()
    response = viewer_client.get("/api/v1/cameras/gate/snapshot", HTTP_ACCEPT="image/jpeg")
    assert response.status_code == 200, response.content[:300]
    assert time.monotonic() - started < 20
    assert response["Content-Type"] == "image/jpeg" and response["Cache-Control"] == "no-store"
    assert jpeg_size(response.content) == (320, 240)
    assert response["X-Taken-At"].endswith("Z")


@pytest.mark.slow
def test_the_sub_stream_is_preferred_when_configured(viewer_client, gst_camera):
    make_camera("gate", main_stream_url=closed_port_url(), sub_stream_url=gst_camera.url())
    assert viewer_client.get("/api/v1/cameras/gate/snapshot").status_code == 200


@pytest.mark.slow
def test_taking_a_snapshot_keeps_it(admin_client, gst_camera):
    make_camera("gate", main_stream_url=gst_camera.url())
    response = admin_client.post("/api/v1/cameras/gate/snapshots")
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    snapshot = Snapshot.objects.get(pk=body["id"])
    assert body["url"] == f"/api/v1/snapshots/{snapshot.pk}/image" and body["schedule_id"] is None
    path = Path(settings.NVR_SNAPSHOTS_DIR) / snapshot.path
    assert path.parent.name == "gate" and jpeg_size(path.read_bytes()) == (320, 240)
    image = admin_client.get(body["url"])
    assert b"".join(image.streaming_content) == path.read_bytes()
    assert AuditLog.objects.filter(action="take_snapshot", target_id=snapshot.pk).exists()


def test_a_camera_without_stream_url_is_400(viewer_client):
    make_camera("blank")
    response = viewer_client.get("/api/v1/cameras/blank/snapshot")
    assert response.status_code == 400
    assert response.json() == {"error": "camera has no stream URL", "code": "bad_request"}


def test_an_unreachable_camera_is_502_and_not_redialled_at_once(viewer_client):
    make_camera("dead", main_stream_url=closed_port_url().replace("rtsp://", "rtsp://admin:s3cret@"))
    first = viewer_client.get("/api/v1/cameras/dead/snapshot")
    assert first.status_code == 502 and first.json()["code"] == "camera_unreachable"
    assert "s3cret" not in first.content.decode()
    started = time.monotonic()
    second = viewer_client.get("/api/v1/cameras/dead/snapshot")
    assert second.status_code == 502 and "last attempt" in second.json()["error"]
    assert time.monotonic() - started < 0.5


def test_a_camera_at_a_forbidden_address_is_refused(viewer_client):
    make_camera("meta", main_stream_url="rtsp://169.254.169.254/stream")
    response = viewer_client.get("/api/v1/cameras/meta/snapshot")
    assert response.status_code == 400 and "not allowed" in response.json()["error"]


def test_a_failed_take_keeps_nothing(admin_client):
    make_camera("dead", main_stream_url=closed_port_url())
    assert admin_client.post("/api/v1/cameras/dead/snapshots").status_code == 502
    assert not Snapshot.objects.exists()
    folder = Path(settings.NVR_SNAPSHOTS_DIR) / "dead"
    assert not folder.exists() or not any(folder.iterdir())


def test_live_snapshot_needs_video_live(key_client):
    make_camera("gate", main_stream_url=closed_port_url())
    playback_only = key_client(["camera:read", "video:playback"])
    assert playback_only.get("/api/v1/cameras/gate/snapshot").status_code == 403
    assert playback_only.post("/api/v1/cameras/gate/snapshots").status_code == 403


def test_a_scoped_key_gets_no_live_snapshot_of_another_camera(scoped_client, other_camera):
    assert scoped_client.get("/api/v1/cameras/cam2/snapshot").status_code == 403
    assert scoped_client.post("/api/v1/cameras/cam2/snapshots").status_code == 403
