"""Django admin for cameras: the API's validation and services, write-only secrets, delete like the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from accounts.models import AuditLog
from cameras.admin import CameraAdminForm
from cameras.api.serializers import NATIVE_ANPR_UNAVAILABLE
from cameras.models import Camera, CameraOnvif, PtzPreset
from cameras.stream_urls import StreamSource, record_url
from nvr import crypto
from recording.models import CameraStatus, RecordingGap, Segment, Snapshot
from tests.cameras.admin_forms import read_form, submit
from tests.cameras.conftest import ANR_TEMPLATE, MAIN_URL, PASSWORD, SUB_URL, assert_no_secrets
from tests.conftest import make_camera
from tests.recording.conftest import make_gap, make_segment, make_snapshot

ADD_URL = "/admin/cameras/camera/add/"
CHANGE_URL = "/admin/cameras/camera/{}/change/"
DELETE_URL = "/admin/cameras/camera/{}/delete/"
LIST_URL = "/admin/cameras/camera/"
SECRET_INPUTS = ("new_password", "new_main_stream_url", "new_sub_stream_url", "new_anr_replay_url_template")


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def form_of(client: Client, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    return read_form(page.content.decode())[0]


def errors_of(response) -> list[str]:
    return re.findall(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', response.content.decode())


def raw_column(camera_id: str, column: str) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM cameras_camera WHERE id = %s", [camera_id])
        return cursor.fetchone()[0]


# --- add ----------------------------------------------------------------------------------------

def test_add_form_offers_stream_urls_credentials_and_every_setting(staff, db):
    values, inputs = read_form(staff.get(ADD_URL).content.decode())
    for name in ("id", "name", "vendor", "address", "rtsp_port", "rtsp_transport", "username", *SECRET_INPUTS,
                 "record_stream", "record_mode", "segment_seconds", "retention_hours", "storage_quota_bytes",
                 "pre_roll_seconds", "post_roll_seconds", "record_audio", "mirror_enabled", "live_warm", "anr_enabled",
                 "native_events_enabled", "native_anpr_enabled", "capabilities", "enabled", "record_enabled", "priority"):
        assert name in inputs, name
    assert inputs["new_password"]["type"] == "password"
    assert not any(name.startswith("clear_") for name in inputs)  # nothing stored to clear yet
    # The API's bounds as input hints, and the defaults of a new camera filled in.
    assert (inputs["segment_seconds"]["min"], inputs["segment_seconds"]["max"]) == ("2", "3600")
    assert values["segment_seconds"] == "60" and values["record_mode"] == "continuous"


def test_camera_added_through_the_admin_form_gets_its_encrypted_url_and_a_record_url(staff, admin_user):
    values = form_of(staff, ADD_URL)
    data = submit(values, name="Gate A 01", new_main_stream_url=MAIN_URL, segment_seconds="10")
    response = staff.post(ADD_URL, data)
    assert response.status_code == 302, errors_of(response)
    camera = Camera.objects.get()
    assert camera.pk == "gate_a_01"  # the API's slug of the name
    assert camera.main_stream_url == MAIN_URL and camera.segment_seconds == 10
    stored = raw_column("gate_a_01", "main_stream_url")
    assert crypto.is_sealed(stored) and "main-url-secret" not in stored
    assert record_url(StreamSource.of(camera)) == MAIN_URL
    row = AuditLog.objects.get(action="create_camera")
    assert (row.target_id, row.actor, row.detail) == ("gate_a_01", admin_user.pk, {"name": "Gate A 01", "vendor": "generic"})
    page = staff.get(CHANGE_URL.format("gate_a_01"))
    assert b"rtsp://***@192.168.1.70:554/live/main" in page.content
    assert_no_secrets(page.content)


def test_vendor_camera_with_credentials_gets_a_record_url_from_its_address(staff, admin_client):
    values = form_of(staff, ADD_URL)
    data = submit(values, id="Door 7", name="Side door", vendor="hikvision", address="192.168.1.71",
                  username="admin", new_password=PASSWORD)
    assert staff.post(ADD_URL, data).status_code == 302
    camera = Camera.objects.get(pk="door_7")
    assert camera.password == PASSWORD and crypto.is_sealed(raw_column("door_7", "password"))
    body = admin_client.get("/api/v1/cameras/door_7").json()
    assert body["has_password"] is True
    assert body["record_url_masked"] == "rtsp://***@192.168.1.71:554/Streaming/Channels/101"


def test_a_taken_id_is_a_form_error(staff, camera):
    values = form_of(staff, ADD_URL)
    response = staff.post(ADD_URL, submit(values, id="CAM1", name="Another"))
    assert response.status_code == 200
    assert "camera id &#x27;cam1&#x27; already exists" in errors_of(response)
    assert Camera.objects.get().name == "Cam 1"


def test_numbers_are_clamped_like_the_api(staff, db):
    values = form_of(staff, ADD_URL)
    assert staff.post(ADD_URL, submit(values, name="Clamp", segment_seconds="1", storage_quota_bytes="-5")).status_code == 302
    camera = Camera.objects.get()
    assert (camera.segment_seconds, camera.storage_quota_bytes) == (2, None)


# --- change -------------------------------------------------------------------------------------

def test_changelist_and_change_form_never_show_secrets(staff, secret_camera):
    CameraOnvif.objects.create(camera=secret_camera, device_url="http://onvif-user:onvif-secret@192.168.1.70/onvif/device_service")
    PtzPreset.objects.create(camera=secret_camera, token="1", name="Home")
    listing = staff.get(LIST_URL)
    assert listing.status_code == 200 and b"vault" in listing.content
    assert_no_secrets(listing.content)
    page = staff.get(CHANGE_URL.format("vault"))
    assert page.status_code == 200
    assert_no_secrets(page.content)
    assert b"rtsp://***@192.168.1.70:554/live/main" in page.content
    assert b"rtsp://***@192.168.1.70:554/live/sub" in page.content
    assert b"Home" in page.content
    values, inputs = read_form(page.content.decode())
    assert all(values[name] == "" for name in SECRET_INPUTS)
    assert {"clear_password", "clear_main_stream_url", "clear_sub_stream_url", "clear_anr_replay_url_template"} <= set(inputs)
    onvif_page = staff.get(f"/admin/cameras/cameraonvif/{secret_camera.pk}/change/")
    assert onvif_page.status_code == 200
    assert b"onvif-secret" not in onvif_page.content


def test_blank_secret_inputs_keep_the_stored_values(staff, secret_camera):
    values = form_of(staff, CHANGE_URL.format("vault"))
    response = staff.post(CHANGE_URL.format("vault"), submit(values, name="Vault 2"))
    assert response.status_code == 302, errors_of(response)
    camera = Camera.objects.get(pk="vault")
    assert camera.name == "Vault 2" and camera.password == PASSWORD and camera.main_stream_url == MAIN_URL
    assert camera.sub_stream_url == SUB_URL and camera.anr_replay_url_template == ANR_TEMPLATE
    row = AuditLog.objects.get(action="update_camera")
    assert row.detail == {"changed": ["name"]}  # what PATCH /api/v1/cameras/vault writes


def test_new_and_cleared_secrets(staff, secret_camera):
    values = form_of(staff, CHANGE_URL.format("vault"))
    data = submit(values, new_password="brand-new", clear_main_stream_url="on", new_sub_stream_url="rtsp://10.0.0.5/sub",
                  clear_anr_replay_url_template="on")
    assert staff.post(CHANGE_URL.format("vault"), data).status_code == 302
    camera = Camera.objects.get(pk="vault")
    assert camera.password == "brand-new" and camera.main_stream_url is None
    assert camera.sub_stream_url == "rtsp://10.0.0.5/sub" and camera.anr_replay_url_template is None
    detail = AuditLog.objects.get(action="update_camera").detail
    assert detail == {"changed": ["anr_replay_url_template", "main_stream_url", "password", "sub_stream_url"]}
    assert "brand-new" not in str(detail)


def test_password_can_be_cleared(staff, secret_camera):
    values = form_of(staff, CHANGE_URL.format("vault"))
    assert staff.post(CHANGE_URL.format("vault"), submit(values, clear_password="on")).status_code == 302
    assert Camera.objects.get(pk="vault").password is None


@pytest.mark.parametrize(
    "form_field,api_field,value",
    [
        ("new_main_stream_url", "main_stream_url", "ftp://10.0.0.5/x"),
        ("new_sub_stream_url", "sub_stream_url", "rtsp://169.254.169.254/x"),
        ("new_anr_replay_url_template", "anr_replay_url_template", "rtsp://[fe80::1]/replay"),
        ("new_password", "password", "enc:v1:looks-sealed"),
        ("address", "address", "metadata.google.internal"),
        ("address", "address", "rtsp://10.0.0.5/"),
        ("rtsp_port", "rtsp_port", 70000),
        ("capabilities", "capabilities", [1, 2]),
        ("native_anpr_enabled", "native_anpr_enabled", True),
    ],
)
def test_admin_form_refuses_what_the_api_refuses_with_the_same_message(staff, admin_client, secret_camera, form_field, api_field, value):
    api = admin_client.patch("/api/v1/cameras/vault", {api_field: value}, format="json")
    assert api.status_code == 400
    api_messages = api.json()["fields"][api_field]
    values = form_of(staff, CHANGE_URL.format("vault"))
    posted = "on" if value is True else ("[1, 2]" if isinstance(value, list) else str(value))
    response = staff.post(CHANGE_URL.format("vault"), submit(values, **{form_field: posted}))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[form_field] == api_messages
    assert Camera.objects.get(pk="vault").updated_at == secret_camera.updated_at  # nothing saved


def test_native_anpr_cannot_be_switched_on_in_the_admin(staff, camera):
    values = form_of(staff, CHANGE_URL.format("cam1"))
    response = staff.post(CHANGE_URL.format("cam1"), submit(values, native_anpr_enabled="on"))
    assert response.status_code == 200 and not Camera.objects.get().native_anpr_enabled
    assert NATIVE_ANPR_UNAVAILABLE.replace("'", "&#x27;") in response.content.decode()


def test_clear_and_new_value_together_is_an_error(secret_camera):
    form = CameraAdminForm(data={"name": "Vault", "new_password": "x", "clear_password": "on"}, instance=secret_camera)
    assert not form.is_valid()
    assert "clear_password" in form.errors


def test_id_is_read_only_once_created(staff, camera):
    values = form_of(staff, CHANGE_URL.format("cam1"))
    assert "id" not in values
    response = staff.post(CHANGE_URL.format("cam1"), submit(values, id="renamed"))
    assert response.status_code == 302
    assert Camera.objects.filter(pk="cam1").exists() and not Camera.objects.filter(pk="renamed").exists()


def test_server_maintained_fields_are_read_only(staff, camera):
    values = form_of(staff, CHANGE_URL.format("cam1"))
    assert not {"codec", "fps_main", "resolution_main", "created_at_0"} & set(values)


def test_mirror_in_effect_needs_the_mirror_directory(staff, settings, tmp_path, db):
    make_camera("mirrored", mirror_enabled=True)
    settings.NVR_MIRROR_RECORDINGS_DIR = None
    off = staff.get(CHANGE_URL.format("mirrored")).content.decode()
    settings.NVR_MIRROR_RECORDINGS_DIR = tmp_path / "mirror"
    on = staff.get(CHANGE_URL.format("mirrored")).content.decode()
    pattern = r'field-mirror_in_effect.*?<img src="[^"]*icon-(yes|no)'
    assert re.search(pattern, off, re.S).group(1) == "no"
    assert re.search(pattern, on, re.S).group(1) == "yes"


def test_probe_tables_are_read_only(staff, camera):
    PtzPreset.objects.create(camera=camera, token="1")
    assert staff.get("/admin/cameras/ptzpreset/add/").status_code == 403
    assert staff.get("/admin/cameras/cameraonvif/add/").status_code == 403
    assert staff.get("/admin/cameras/ptzpreset/").status_code == 200


@pytest.mark.parametrize("query", ["vendor=hikvision", "record_mode__exact=event", "enabled__exact=1", "rtsp_transport__exact=udp",
                                   "mirror_enabled__exact=1", "live_warm__exact=0", "q=vault"])
def test_changelist_filters(staff, secret_camera, query):
    response = staff.get(f"{LIST_URL}?{query}")
    assert response.status_code == 200
    assert_no_secrets(response.content)


# --- delete -------------------------------------------------------------------------------------

def recorded_camera(settings, camera_id: str, *, locked: bool = False) -> dict:
    """A camera the recorder has touched: status, segments and a snapshot with files, a gap."""
    camera = make_camera(camera_id)
    CameraStatus.objects.create(camera=camera, state="recording", lease_holder="rec-a")
    start = timezone.now() - timedelta(minutes=5)
    segments = [make_segment(camera, start + timedelta(minutes=i), evidence_locked=locked and i == 0) for i in range(3)]
    make_gap(camera, start + timedelta(minutes=4))
    snapshot = make_snapshot(camera, start)
    files = [settings.NVR_RECORDINGS_DIR / s.path for s in segments] + [settings.NVR_SNAPSHOTS_DIR / snapshot.path]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"\x00" * 64)
    return {"camera": camera, "files": files}


def assert_gone(camera_id: str, files) -> None:
    assert not Camera.objects.filter(pk=camera_id).exists()
    for model in (CameraStatus, Segment, RecordingGap, Snapshot):
        assert not model.objects.filter(camera_id=camera_id).exists(), model
    assert not any(path.exists() for path in files)


def assert_untouched(camera_id: str, files) -> None:
    assert Camera.objects.filter(pk=camera_id).exists()
    assert CameraStatus.objects.filter(camera_id=camera_id).exists()
    assert Segment.objects.filter(camera_id=camera_id).count() == 3
    assert all(path.exists() for path in files)


def test_confirmation_page_summarises_what_goes_with_the_camera(staff, settings):
    recorded_camera(settings, "cam1")
    page = staff.get(DELETE_URL.format("cam1"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "permission" not in text and "Segments: 3" in text and "Camera statuses: 1" in text


def test_admin_deletes_a_recorded_camera_like_the_api(staff, admin_user, settings, django_capture_on_commit_callbacks):
    mine = recorded_camera(settings, "cam1")
    theirs = recorded_camera(settings, "cam2")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(DELETE_URL.format("cam1"), {"post": "yes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_gone("cam1", mine["files"])
    assert not (settings.NVR_RECORDINGS_DIR / "cam1").exists()
    assert_untouched("cam2", theirs["files"])
    row = AuditLog.objects.get(action="delete_camera")
    assert (row.target_id, row.actor) == ("cam1", admin_user.pk)


def test_bulk_delete_action_deletes_recorded_cameras(staff, settings, django_capture_on_commit_callbacks):
    first, second = recorded_camera(settings, "cam1"), recorded_camera(settings, "cam2")
    keep = recorded_camera(settings, "cam3")
    action = {"action": "delete_selected", "_selected_action": ["cam1", "cam2"]}
    confirm = staff.post(LIST_URL, action)
    assert confirm.status_code == 200 and b"permission" not in confirm.content and b"Segments: 6" in confirm.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(LIST_URL, {**action, "post": "yes"})
    assert response.status_code == 302
    assert_gone("cam1", first["files"])
    assert_gone("cam2", second["files"])
    assert_untouched("cam3", keep["files"])
    assert set(AuditLog.objects.filter(action="delete_camera").values_list("target_id", flat=True)) == {"cam1", "cam2"}


def test_evidence_lock_refuses_the_delete_with_a_message(staff, settings, django_capture_on_commit_callbacks):
    locked = recorded_camera(settings, "cam1", locked=True)
    page = staff.get(DELETE_URL.format("cam1"))
    assert page.status_code == 200 and b"evidence-locked" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(DELETE_URL.format("cam1"), {"post": "yes"})
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("evidence-locked" in m and "unlock" in m for m in messages), messages
    assert_untouched("cam1", locked["files"])
    assert not AuditLog.objects.filter(action="delete_camera").exists()


def test_evidence_lock_refuses_the_bulk_delete_and_deletes_nothing(staff, settings, django_capture_on_commit_callbacks):
    locked, free = recorded_camera(settings, "cam1", locked=True), recorded_camera(settings, "cam2")
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(LIST_URL, {"action": "delete_selected", "_selected_action": ["cam1", "cam2"], "post": "yes"})
    assert response.status_code == 200 and b"evidence-locked" in response.content
    assert_untouched("cam1", locked["files"])
    assert_untouched("cam2", free["files"])
    assert not AuditLog.objects.filter(action="delete_camera").exists()
