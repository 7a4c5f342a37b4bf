"""Manual ANR retry of a persisted recording gap: which states may be retried, scope, audit."""

from datetime import timedelta

import pytest

from accounts.models import AuditLog
from recording.models import RecordingGap
from tests.recording.conftest import T0, make_gap


def retry_url(gap, camera_id=None):
    return f"/api/v1/cameras/{camera_id or gap.camera_id}/recording-gaps/{gap.pk}/retry"


@pytest.mark.parametrize("state", ["failed", "expired", "pending"])
def test_retry_puts_the_gap_back_in_the_queue(manager_client, camera, state):
    gap = make_gap(camera, T0, fill_state=state, fill_attempts=3, last_attempt_at=T0 + timedelta(hours=1))
    response = manager_client.post(retry_url(gap))
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["fill_state"], body["fill_attempts"], body["last_attempt_at"], body["filled_at"]) == (
        gap.pk, "pending", 0, None, None
    )
    gap.refresh_from_db()
    assert gap.fill_state == "pending" and gap.fill_attempts == 0
    row = AuditLog.objects.get(action="anr_retry_gap")
    assert (row.target_id, row.subject_camera_id, row.detail["previous_state"]) == (gap.pk, "cam1", state)


@pytest.mark.parametrize(
    ("state", "reason", "words"),
    [("not_applicable", "schedule_off", "deliberate hole"), ("filled", "camera_offline", "already filled")],
)
def test_deliberate_and_filled_gaps_cannot_be_retried(manager_client, camera, state, reason, words):
    gap = make_gap(camera, T0, reason=reason, fill_state=state)
    response = manager_client.post(retry_url(gap))
    assert response.status_code == 409 and words in response.json()["error"]
    assert RecordingGap.objects.get(pk=gap.pk).fill_state == state
    assert not AuditLog.objects.filter(action="anr_retry_gap").exists()


def test_a_gap_of_another_camera_is_not_found(manager_client, camera, other_camera):
    gap = make_gap(other_camera, T0, fill_state="failed")
    response = manager_client.post(retry_url(gap, camera_id="cam1"))
    assert response.status_code == 404 and response.json()["error"] == f"recording gap {gap.pk} not found"
    assert manager_client.post("/api/v1/cameras/cam1/recording-gaps/gap_nope/retry").status_code == 404
    assert manager_client.post(f"/api/v1/cameras/ghost/recording-gaps/{gap.pk}/retry").status_code == 404
    assert manager_client.post("/api/v1/cameras/cam1/recording-gaps/" + "x" * 5000 + "/retry").status_code == 404


def test_retry_needs_a_manager(viewer_client, camera):
    gap = make_gap(camera, T0, fill_state="failed")
    response = viewer_client.post(retry_url(gap))
    assert response.status_code == 403 and "registry:manage" in response.json()["error"]
    assert RecordingGap.objects.get(pk=gap.pk).fill_state == "failed"


def test_scoped_key_retries_only_on_its_camera(scoped_client, camera, other_camera):
    mine, theirs = make_gap(camera, T0, fill_state="failed"), make_gap(other_camera, T0, fill_state="failed")
    assert scoped_client.post(retry_url(mine)).status_code == 200
    response = scoped_client.post(retry_url(theirs))
    assert response.status_code == 403 and "not scoped to camera 'cam2'" in response.json()["error"]
    assert RecordingGap.objects.get(pk=theirs.pk).fill_state == "failed"


def test_anonymous_is_401(anon_client, camera):
    assert anon_client.post(retry_url(make_gap(camera, T0))).status_code == 401
