"""API keys with exactly the capabilities (and camera scope) a stills or clips test needs."""

from __future__ import annotations

import pytest

from accounts.principal import for_user
from accounts.services import Grant, create_api_key
from tests.conftest import client_for_key


@pytest.fixture
def key_client(admin_user):
    """`key_client(["video:live"], cameras=["cam1"])` → an APIClient holding such a key."""

    def make(capabilities: list[str], cameras: list[str] | None = None):
        grant = Grant("integration", capabilities, "cameras" if cameras else "all", list(cameras or []),
                      confirm_privileged=True)
        _, raw = create_api_key(for_user(admin_user), name=f"key {len(capabilities)} {cameras}", grant=grant)
        return client_for_key(raw)

    return make
