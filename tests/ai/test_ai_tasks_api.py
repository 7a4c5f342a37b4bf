"""Camera AI tasks: list, idempotent create, update, delete, roles, scope and audit."""

from __future__ import annotations

import pytest

from accounts.models import AuditLog
from ai.models import AiTask
from tests.ai.conftest import make_task
from tests.conftest import make_camera

pytestmark = pytest.mark.django_db

URL = "/api/v1/cameras/{}/ai-tasks"
DETAIL = "/api/v1/ai-tasks/{}"


def test_create_applies_reference_defaults(manager_client, camera, settings):
    settings.NVR_DEFAULT_AI_FPS = 5
    settings.NVR_DEFAULT_AI_WIDTH = 1280
    response = manager_client.post(URL.format("cam1"), {"task_type": "detection"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["id"].startswith("ai_") and len(body["id"]) == 35
    assert body | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None, "camera_id": "cam1", "task_type": "detection", "enabled": True, "stream_profile": "sub",
        "fps": 5.0, "width": 1280, "config": {}, "created_at": None, "updated_at": None,
    }
    assert body["created_at"].endswith("Z")


def test_create_clamps_fps_and_width(manager_client, camera):
    response = manager_client.post(URL.format("cam1"), {"task_type": "a", "fps": 0.001, "width": 10**30}, format="json")
    assert (response.json()["fps"], response.json()["width"]) == (0.1, 3840)
    response = manager_client.post(URL.format("cam1"), {"task_type": "b", "fps": 1e300, "width": -5}, format="json")
    assert (response.json()["fps"], response.json()["width"]) == (30.0, 160)


def test_create_is_idempotent_on_camera_type_and_profile(manager_client, camera):
    first = manager_client.post(URL.format("cam1"), {"task_type": "anpr", "fps": 2}, format="json")
    again = manager_client.post(URL.format("cam1"), {"task_type": "anpr", "fps": 9, "enabled": False}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()  # returned unchanged, other body fields ignored
    other_profile = manager_client.post(URL.format("cam1"), {"task_type": "anpr", "stream_profile": "main"}, format="json")
    assert other_profile.status_code == 201
    assert AiTask.objects.count() == 2
    assert AuditLog.objects.filter(action="create_ai_task").count() == 2


def test_create_writes_an_audit_row(manager_client, manager_user, camera):
    task_id = manager_client.post(URL.format("cam1"), {"task_type": "detection"}, format="json").json()["id"]
    row = AuditLog.objects.get(action="create_ai_task")
    assert (row.actor, row.target_type, row.target_id, row.subject_camera_id) == (manager_user.pk, "ai_task", task_id, "cam1")
    assert row.detail == {"camera_id": "cam1", "task_type": "detection", "stream_profile": "sub"}


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "task_type"),
        ({"task_type": ""}, "task_type"),
        ({"task_type": "   "}, "task_type"),
        ({"task_type": 5}, "task_type"),
        ({"task_type": "x" * 65}, "task_type"),
        ({"task_type": "d", "stream_profile": "hd"}, "stream_profile"),
        ({"task_type": "d", "fps": "fast"}, "fps"),
        ({"task_type": "d", "fps": True}, "fps"),
        ({"task_type": "d", "width": 1.5}, "width"),
        ({"task_type": "d", "enabled": "yes"}, "enabled"),
        ({"task_type": "d", "config": []}, "config"),
        ({"task_type": "d", "config": {"k": "x" * 70000}}, "config"),
    ],
)
def test_create_rejects_bad_input_with_the_envelope(manager_client, camera, body, field):
    response = manager_client.post(URL.format("cam1"), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"error", "code", "fields"} and field in response.json()["fields"]
    assert not AiTask.objects.exists() and not AuditLog.objects.exists()


def test_create_rejects_non_object_bodies(manager_client, camera):
    for body in ([1, 2], "text", 5, None):
        assert manager_client.post(URL.format("cam1"), body, format="json").status_code == 400
    response = manager_client.post(URL.format("cam1"), "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"]


def test_create_on_missing_camera_is_404(manager_client, db):
    response = manager_client.post(URL.format("nope"), {"task_type": "d"}, format="json")
    assert response.status_code == 404 and response.json()["error"] == "camera nope not found"


def test_list_shows_disabled_tasks_oldest_first(viewer_client, camera, other_camera):
    first = make_task(camera, "detection")
    second = make_task(camera, "anpr", enabled=False)
    make_task(other_camera, "detection")
    body = viewer_client.get(URL.format("cam1")).json()
    assert body["count"] == 2 and [t["id"] for t in body["results"]] == [first.pk, second.pk]


def test_list_has_no_per_row_queries(viewer_client, camera, django_assert_max_num_queries):
    for n in range(8):
        make_task(camera, f"type{n}")
    with django_assert_max_num_queries(3):
        assert viewer_client.get(URL.format("cam1")).json()["count"] == 8


def test_viewer_cannot_create_update_or_delete(viewer_client, camera):
    task = make_task(camera)
    assert viewer_client.post(URL.format("cam1"), {"task_type": "x"}, format="json").status_code == 403
    response = viewer_client.patch(DETAIL.format(task.pk), {"enabled": False}, format="json")
    assert response.status_code == 403 and "registry:manage" in response.json()["error"]
    assert viewer_client.delete(DETAIL.format(task.pk)).status_code == 403
    assert AiTask.objects.get().enabled


def test_anonymous_gets_401(anon_client, camera):
    task = make_task(camera)
    assert anon_client.get(URL.format("cam1")).status_code == 401
    assert anon_client.post(URL.format("cam1"), {"task_type": "x"}, format="json").status_code == 401
    assert anon_client.patch(DETAIL.format(task.pk), {}, format="json").status_code == 401
    assert anon_client.delete(DETAIL.format(task.pk)).status_code == 401


def test_patch_updates_clamps_and_audits(manager_client, camera):
    task = make_task(camera)
    response = manager_client.patch(DETAIL.format(task.pk), {"fps": 100, "enabled": False, "config": {"model": "yolo"}}, format="json")
    assert response.status_code == 200
    assert (response.json()["fps"], response.json()["enabled"], response.json()["config"]) == (30.0, False, {"model": "yolo"})
    task.refresh_from_db()
    assert (task.fps, task.enabled) == (30.0, False)
    row = AuditLog.objects.get(action="update_ai_task")
    assert row.detail == {"camera_id": "cam1", "fields": ["enabled", "fps", "config"]} and row.target_id == task.pk


def test_patch_rejects_null_and_bad_values(manager_client, camera):
    task = make_task(camera)
    for body in ({"task_type": None}, {"task_type": ""}, {"stream_profile": "x"}, {"enabled": 1}, {"config": "x"}):
        assert manager_client.patch(DETAIL.format(task.pk), body, format="json").status_code == 400
    assert not AuditLog.objects.exists()


def test_patch_into_an_existing_type_and_profile_is_a_conflict(manager_client, camera):
    make_task(camera, "anpr")
    task = make_task(camera, "detection")
    response = manager_client.patch(DETAIL.format(task.pk), {"task_type": "anpr"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "conflict"


def test_put_is_not_allowed(manager_client, camera):
    task = make_task(camera)
    assert manager_client.put(DETAIL.format(task.pk), {"task_type": "x"}, format="json").status_code == 405


def test_missing_task_is_404_with_reference_message(manager_client, db):
    for method in (manager_client.patch, manager_client.delete):
        response = method(DETAIL.format("ai_" + "0" * 32), {}, format="json")
        assert response.status_code == 404 and response.json()["error"] == f"ai task ai_{'0' * 32} not found"


def test_delete_removes_task_and_audits(manager_client, camera):
    task = make_task(camera)
    assert manager_client.delete(DETAIL.format(task.pk)).status_code == 204
    assert not AiTask.objects.exists()
    row = AuditLog.objects.get(action="delete_ai_task")
    assert row.detail == {"camera_id": "cam1", "task_type": "detection", "stream_profile": "sub"}


def test_scoped_key_with_ai_tasks_sees_only_its_camera(scoped_client, camera, other_camera):
    mine = make_task(camera)
    make_task(other_camera)
    body = scoped_client.get(URL.format("cam1")).json()
    assert [t["id"] for t in body["results"]] == [mine.pk]
    response = scoped_client.get(URL.format("cam2"))
    assert response.status_code == 403 and "not scoped to camera 'cam2'" in response.json()["error"]


def test_scoped_key_gets_403_not_404_outside_its_cameras(scoped_client, camera, other_camera):
    theirs = make_task(other_camera)
    missing = "ai_" + "f" * 32
    assert scoped_client.get(URL.format("ghost")).status_code == 403  # scope before existence
    assert scoped_client.post(URL.format("cam2"), {"task_type": "x"}, format="json").status_code == 403
    for task_id in (theirs.pk, missing):
        patch = scoped_client.patch(DETAIL.format(task_id), {"enabled": False}, format="json")
        delete = scoped_client.delete(DETAIL.format(task_id))
        assert (patch.status_code, delete.status_code) == (403, 403)
        assert patch.json()["error"] == delete.json()["error"].replace("destroy", "partial_update")
    assert AiTask.objects.get().enabled


def test_scoped_key_manages_tasks_of_its_own_camera(scoped_client, camera):
    created = scoped_client.post(URL.format("cam1"), {"task_type": "detection"}, format="json")
    assert created.status_code == 201
    task_id = created.json()["id"]
    assert scoped_client.patch(DETAIL.format(task_id), {"width": 640}, format="json").json()["width"] == 640
    assert scoped_client.delete(DETAIL.format(task_id)).status_code == 204


def test_nul_in_path_never_reaches_the_database(manager_client, db):
    assert manager_client.get("/api/v1/cameras/a%00b/ai-tasks").status_code in (400, 404)
    assert manager_client.delete("/api/v1/ai-tasks/ai_%00").status_code in (400, 404)


def test_deleting_the_camera_deletes_its_tasks(camera):
    make_task(camera)
    camera.delete()
    assert not AiTask.objects.exists()


def test_tasks_of_other_cameras_are_independent(manager_client, camera):
    make_camera("cam3")
    assert manager_client.post(URL.format("cam1"), {"task_type": "d"}, format="json").status_code == 201
    assert manager_client.post(URL.format("cam3"), {"task_type": "d"}, format="json").status_code == 201


@pytest.mark.parametrize("body", [{"task_type": "a\x00b"}, {"task_type": "d", "config": {"k": "a\x00"}}])
def test_nul_characters_are_refused_before_validation(manager_client, camera, body):
    response = manager_client.post(URL.format("cam1"), body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"
    assert not AiTask.objects.exists()
