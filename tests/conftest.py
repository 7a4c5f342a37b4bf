"""Shared personas (admin, manager, viewer, camera-scoped key) and factories."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from accounts.models import User
from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from cameras.models import Camera
from nvr import crypto

PASSWORD = "correct horse battery"

# No per-example deadline (a shared 2-core CI machine makes timings meaningless); in CI the
# examples are derandomized so a red run is reproducible, locally they explore freely.
hypothesis_settings.register_profile("nvr", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.register_profile("nvr-ci", parent=hypothesis_settings.get_profile("nvr"), derandomize=True,
                                     print_blob=True)
hypothesis_settings.load_profile("nvr-ci" if os.environ.get("CI") else "nvr")


@pytest.fixture(autouse=True)
def _isolated_data_dirs(settings, tmp_path):
    """Every test writes media under its own temporary directory."""
    settings.NVR_DATA_DIR = tmp_path
    settings.NVR_RECORDINGS_DIR = tmp_path / "recordings"
    settings.NVR_SNAPSHOTS_DIR = tmp_path / "snapshots"
    settings.NVR_EXPORTS_DIR = tmp_path / "exports"
    settings.NVR_CLIPS_DIR = tmp_path / "clips"
    settings.NVR_FIELD_KEY_PATH = tmp_path / "field.key"
    # argon2 costs ~0.5 s per user; tests that check the production hasher set it back explicitly
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    crypto.forget_keys()
    yield
    crypto.forget_keys()


def make_user(username: str, role: str, password: str = PASSWORD, **extra) -> User:
    return User.objects.create_user(username=username, password=password, role=role, **extra)


def make_camera(camera_id: str = "cam1", **fields) -> Camera:
    fields.setdefault("name", camera_id.replace("_", " ").title())
    return Camera.objects.create(id=camera_id, **fields)


def client_for_user(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=for_user(user))
    return client


def client_for_key(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=raw_key)
    return client


@pytest.fixture
def admin_user(db):
    return make_user("root", "admin")


@pytest.fixture
def manager_user(db):
    return make_user("manny", "manager")


@pytest.fixture
def viewer_user(db):
    return make_user("vera", "viewer")


@pytest.fixture
def admin_client(admin_user):
    return client_for_user(admin_user)


@pytest.fixture
def manager_client(manager_user):
    return client_for_user(manager_user)


@pytest.fixture
def viewer_client(viewer_user):
    return client_for_user(viewer_user)


@pytest.fixture
def anon_client():
    return APIClient()


@pytest.fixture
def camera(db):
    return make_camera("cam1", name="Cam 1")


@pytest.fixture
def other_camera(db):
    return make_camera("cam2", name="Cam 2")


@pytest.fixture
def admin_key(admin_user):
    _, raw = create_api_key(for_user(admin_user), name="admin key", grant=Grant("admin", None, "all", []))
    return raw


@pytest.fixture
def scoped_key(admin_user, camera, other_camera):
    """A key limited to cam1 that can read cameras, manage them and play video."""
    grant = Grant(
        "integration",
        ["camera:read", "video:playback", "video:live", "registry:manage", "ai:tasks"],
        "cameras",
        ["cam1"],
        confirm_privileged=True,
    )
    _, raw = create_api_key(for_user(admin_user), name="scoped", grant=grant)
    return raw


@pytest.fixture
def scoped_client(scoped_key):
    return client_for_key(scoped_key)


@pytest.fixture
def admin_key_client(admin_key):
    return client_for_key(admin_key)
