"""Manual and programmatic record triggers: the window only ever grows, refusals, scope, audit."""

from datetime import timedelta

import pytest
import time_machine

from accounts.models import AuditLog
from cameras.models import Camera
from recording import services
from recording.models import CameraStatus
from tests.conftest import make_camera
from tests.recording.conftest import T0

URL = "/api/v1/cameras/cam1/record-trigger"
S = timedelta(seconds=1)


@pytest.fixture
def event_camera(db):
    return make_camera("cam1", record_mode="event", pre_roll_seconds=5, post_roll_seconds=30)


def test_trigger_opens_a_window_of_post_roll(manager_client, event_camera):
    CameraStatus.objects.create(camera=event_camera, state="idle_event")
    with time_machine.travel(T0, tick=False):
        response = manager_client.post(URL)
    assert response.status_code == 200
    assert response.json() == {
        "camera_id": "cam1", "triggered": True, "window_end": "2026-06-15T12:00:30Z",
        "pre_roll_seconds": 5, "post_roll_seconds": 30,
    }
    assert CameraStatus.objects.get(camera=event_camera).trigger_until == T0 + 30 * S
    row = AuditLog.objects.get(action="record_trigger")
    assert (row.target_type, row.target_id, row.detail["window_end"]) == ("camera", "cam1", "2026-06-15T12:00:30+00:00")


def test_trigger_creates_a_missing_status_row(manager_client, event_camera):
    with time_machine.travel(T0, tick=False):
        assert manager_client.post(URL).status_code == 200
    status = CameraStatus.objects.get(camera=event_camera)
    assert (status.state, status.trigger_until) == ("unknown", T0 + 30 * S)


def test_a_later_trigger_extends_and_an_earlier_one_never_shortens(event_camera):
    assert services.trigger_recording(event_camera, now=T0)["window_end"] == T0 + 30 * S
    assert services.trigger_recording(event_camera, now=T0 + 10 * S)["window_end"] == T0 + 40 * S
    # a shorter post-roll (camera edited meanwhile) or a late-arriving older event keep the window
    event_camera.post_roll_seconds = 5
    assert services.trigger_recording(event_camera, now=T0 + 20 * S)["window_end"] == T0 + 40 * S
    assert services.trigger_recording(event_camera, now=T0)["window_end"] == T0 + 40 * S
    assert CameraStatus.objects.get(camera=event_camera).trigger_until == T0 + 40 * S


def test_zone_triggers_can_skip_the_audit_row(event_camera):
    services.trigger_recording(event_camera, now=T0, audited=False)
    services.trigger_recording(event_camera, now=T0 + S)
    assert AuditLog.objects.filter(action="record_trigger").count() == 1
    assert AuditLog.objects.get(action="record_trigger").actor == "system"


def test_scheduled_event_cameras_take_triggers(manager_client, db):
    make_camera("cam1", record_mode="scheduled_event")
    assert manager_client.post(URL).status_code == 200


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"record_mode": "continuous"}, "triggers need 'event' or 'scheduled_event'"),
        ({"record_mode": "scheduled"}, "triggers need"),
        ({"record_mode": "event", "enabled": False}, "is not recording"),
        ({"record_mode": "event", "record_enabled": False}, "is not recording"),
    ],
)
def test_cameras_that_cannot_take_a_trigger_are_400(manager_client, db, fields, words):
    make_camera("cam1", **fields)
    response = manager_client.post(URL)
    assert response.status_code == 400
    assert response.json()["code"] == "trigger_refused" and words in response.json()["error"]
    assert not CameraStatus.objects.filter(trigger_until__isnull=False).exists()
    assert not AuditLog.objects.filter(action="record_trigger").exists()


def test_no_trigger_while_the_recorder_is_disabled(manager_client, event_camera, settings):
    settings.NVR_RECORDER_ENABLED = False
    response = manager_client.post(URL)
    assert response.status_code == 400 and "NVR_RECORDER_ENABLED" in response.json()["error"]


def test_post_roll_is_clamped_to_an_hour(event_camera):
    event_camera.post_roll_seconds = 100_000
    assert services.trigger_recording(event_camera, now=T0)["window_end"] == T0 + 3600 * S


def test_trigger_needs_a_manager(viewer_client, event_camera):
    response = viewer_client.post(URL)
    assert response.status_code == 403 and "registry:manage" in response.json()["error"]
    assert not CameraStatus.objects.filter(trigger_until__isnull=False).exists()


def test_scoped_key_triggers_only_its_camera(scoped_client, camera, other_camera):
    Camera.objects.filter(pk__in=["cam1", "cam2"]).update(record_mode="event")
    assert scoped_client.post(URL).status_code == 200
    response = scoped_client.post("/api/v1/cameras/cam2/record-trigger")
    assert response.status_code == 403 and "not scoped to camera 'cam2'" in response.json()["error"]


def test_unknown_camera_and_anonymous(manager_client, anon_client, db):
    response = manager_client.post("/api/v1/cameras/ghost/record-trigger")
    assert response.status_code == 404 and response.json()["error"] == "camera ghost not found"
    assert anon_client.post(URL).status_code == 401
