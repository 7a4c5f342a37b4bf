"""Live view on demand: web processes say "somebody watches this camera", the recorder connects for it.

A camera outside its recording schedule, or one that does not record at all, has no pipeline and so no
live tap. While a web process has viewers of such a camera it renews `CameraStatus.live_wanted_until`
every `RENEW_S`; the recorder's plan (`recording.recorder.plan.plan_camera(live_wanted=...)`) keeps the
camera connected, without recording, until the stamp lapses — about `WANTED_S` after the last viewer of
every web process has left. The renewal does not touch `updated_at`, so the status feed does not push it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from recording.models import CameraState, CameraStatus

RENEW_S = 4.0
WANTED_S = 12.0
# States in which the camera is not connected because nothing needs it: a viewer's wish connects it.
IDLE_STATES = frozenset({CameraState.IDLE_SCHEDULE, CameraState.DISABLED, CameraState.UNKNOWN})


def want_live(camera_id: str, now: datetime | None = None) -> bool:
    """Somebody watches `camera_id` live: keep it connected for the next `WANTED_S` (False: no such camera)."""
    until = (now or timezone.now()) + timedelta(seconds=WANTED_S)
    return bool(CameraStatus.objects.filter(camera_id=camera_id).update(live_wanted_until=until))


@dataclass(frozen=True)
class LiveState:
    """What a live viewer is told while the camera has no tap: why, in the recorder's own words."""

    reason: str
    message: str | None


def live_state(camera_id: str, now: datetime | None = None) -> LiveState:
    now = now or timezone.now()
    row = (CameraStatus.objects.filter(camera_id=camera_id)
           .values("state", "gap_reason", "last_error", "live_wanted_until", "camera__enabled").first())
    if row is None:
        return LiveState("not_connected", None)
    if not row["camera__enabled"]:
        return LiveState("disabled", None)
    wanted = row["live_wanted_until"] is not None and row["live_wanted_until"] > now
    if row["state"] in (CameraState.OFFLINE, CameraState.ERROR) and row["last_error"]:
        return LiveState(row["gap_reason"] or "stream_error", row["last_error"])
    if wanted and row["state"] in IDLE_STATES | {CameraState.CONNECTING}:
        return LiveState("connecting", "Connecting to the camera for live view…")
    return LiveState(row["gap_reason"] or "not_connected", None)
