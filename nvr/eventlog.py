"""The one door to the event log for apps below `ai` (which owns the Event model).

Recording and cameras must not import `ai` (apps depend one way: accounts ← cameras ← recording ← ai ←
backups), yet the recorder logs `camera_offline`, `recorder_error` and `recording_gap`. The `ai` app
registers its writer here when Django starts; until then (or without `ai`) events go to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
_writer: Callable | None = None


def register_writer(writer: Callable) -> None:
    """Install the function that stores events: `writer(camera_id, event_type, severity, payload, now)`."""
    global _writer
    _writer = writer


def log_event(camera_id, event_type: str, severity: str = "info", payload: dict | None = None, now=None):
    """Append one event to the event log (see `ai.services.log_event` for the rules)."""
    if _writer is None:
        log.warning("event %s (%s) for %s not stored: no event writer registered", event_type, severity, camera_id)
        return None
    return _writer(camera_id, event_type, severity, payload, now)
