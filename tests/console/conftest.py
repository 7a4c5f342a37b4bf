"""Console test fixtures: the running footage system (daphne, recorder, simulated camera) for browser tests."""

from __future__ import annotations

import pytest

from tests.console.footage_system import footage_system
from tests.peers.browser import require_chromium


@pytest.fixture
def system(tmp_path):
    require_chromium()
    with footage_system(tmp_path) as running:
        yield running
