"""Camera-test fixtures: a camera full of secrets, and helpers to look for them in responses."""

from __future__ import annotations

import pytest

from tests.conftest import make_camera

PASSWORD = "s3cr3t-P@ss:word"
MAIN_URL = "rtsp://stream-user:main-url-secret@192.168.1.70:554/live/main"
SUB_URL = "rtsp://stream-user:sub-url-secret@192.168.1.70:554/live/sub"
ANR_TEMPLATE = "rtsp://replay-user:anr-secret@192.168.1.70:554/replay?start={start}&end={end}"
SECRET_MARKERS = (PASSWORD, "main-url-secret", "sub-url-secret", "anr-secret", "stream-user", "replay-user")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 makes every persona fixture cost half a second; hashing strength is not under test here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def secret_camera(db):
    return make_camera(
        "vault",
        name="Vault",
        vendor="hikvision",
        address="192.168.1.70",
        username="admin",
        password=PASSWORD,
        main_stream_url=MAIN_URL,
        sub_stream_url=SUB_URL,
        anr_replay_url_template=ANR_TEMPLATE,
    )


def assert_no_secrets(raw: bytes, *extra: str) -> None:
    """No secret, raw or JSON-escaped, appears anywhere in a response body."""
    text = raw.decode()
    for marker in (*SECRET_MARKERS, *extra):
        assert marker not in text, f"secret {marker!r} leaked"
        assert marker.replace("/", "\\/") not in text
