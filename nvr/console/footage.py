"""Data for the footage pages of the console: the live grid's tiles and one camera's page.

Plain querysets and small pure helpers; the templates and the page scripts get everything they need
from here (the JS reads one JSON blob per page, so labels and capability flags have one source).
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.urls import reverse

from accounts import capabilities as caps
from accounts import scoping
from accounts.principal import Principal
from cameras.models import SECRET_FIELDS, Camera
from recording.models import CameraState, GapReason, Segment, Snapshot

API = "/api/v1"

# What an operator reads for each reason a camera is not recording (tile messages, timeline legend).
REASON_TEXT = {
    GapReason.CAMERA_OFFLINE: "camera unreachable",
    GapReason.AUTH_FAILED: "camera refused the credentials",
    GapReason.STREAM_ERROR: "stream error",
    GapReason.RECORDER_DOWN: "recorder not running",
    GapReason.DISK_FULL: "disk full",
    GapReason.SCHEDULE_OFF: "outside the recording schedule",
    GapReason.EVENT_IDLE: "waiting for an event",
    GapReason.DISABLED: "camera disabled",
}
# The timeline legend's words for what is not a gap reason (the API's `not_recorded_yet` and `in_progress`).
TIMELINE_TEXT = {
    "recorded": "recorded",
    "in_progress": "recording now (being saved)",
    "not_recorded_yet": "not recorded yet",
    "unknown": "no recording (reason unknown)",
}
# States in which the live view cannot show anything (the tile says why instead).
DARK_STATES = frozenset({CameraState.OFFLINE, CameraState.ERROR, CameraState.DISABLED})


def codec_family(value: str | None) -> str | None:
    """"h264" or "hevc" for the spellings cameras and PyAV use ("H.265", "hevc", "avc1"…), else None."""
    text = (value or "").lower().replace(".", "").replace("-", "").replace(" ", "")
    if "265" in text or "hevc" in text or "hvc1" in text or "hev1" in text:
        return "hevc"
    if "264" in text or "avc" in text:
        return "h264"
    return None


def capability_flags(principal: Principal) -> dict[str, bool]:
    """Which parts of the footage pages this caller may use (hidden otherwise, and refused by the API)."""
    return {
        "live": principal.can(caps.VIDEO_LIVE),
        "playback": principal.can(caps.VIDEO_PLAYBACK),
        "export": principal.can(caps.VIDEO_EXPORT),
        "events": principal.can(caps.EVENTS_READ),
    }


def camera_state(camera: Camera) -> str:
    """The state to show: a disabled camera is "disabled" whatever its last status row says."""
    if not camera.enabled:
        return CameraState.DISABLED
    status = getattr(camera, "status", None)
    return status.state if status else CameraState.UNKNOWN


def offline_message(state: str, gap_reason: str | None, note: str = "", error: str | None = None) -> str:
    """One line for a camera that cannot be watched live, as static/console/status-text.js words it.

    `error` is the recorder's own sentence (`recording.failures`): "error: the stream could not be read: …".
    """
    reason = REASON_TEXT.get(gap_reason) if gap_reason else None
    if state == CameraState.DISABLED:
        return "disabled: " + (reason or "camera turned off")
    return f"{state}: " + (error or reason or note or "no reason reported")


def _annotated_cameras(principal: Principal):
    latest_segment = Segment.objects.filter(camera_id=OuterRef("pk")).order_by("-start_time")
    latest_snapshot = Snapshot.objects.filter(camera_id=OuterRef("pk")).order_by("-taken_at")
    # A page shows no secret: the encrypted columns are not read (nothing is decrypted to render it).
    cameras = Camera.objects.select_related("status").defer(*SECRET_FIELDS).annotate(
        latest_codec=Subquery(latest_segment.values("codec")[:1]),
        latest_snapshot_id=Subquery(latest_snapshot.values("id")[:1]),
    )
    return scoping.filter_queryset(cameras, principal, "id")


def _tile(camera: Camera, flags: dict[str, bool]) -> dict:
    status = getattr(camera, "status", None)
    state = camera_state(camera)
    gap_reason = status.gap_reason if status else None
    snapshot_id = getattr(camera, "latest_snapshot_id", None)
    return {
        "camera": camera,
        "state": state,
        "gap_reason": gap_reason,
        "dark": state in DARK_STATES,
        "message": offline_message(state, gap_reason, status.status_note if status else "",
                                   status.last_error if status else None),
        "error": (status.last_error if status else None) or "",
        "codec": codec_family(getattr(camera, "latest_codec", None)) or codec_family(camera.codec),
        "poster": f"{API}/snapshots/{snapshot_id}/image" if snapshot_id and flags["playback"] else None,
        "url": reverse("console:camera", args=[camera.pk]),
    }


def live_grid(principal: Principal) -> dict:
    """Every camera the caller can see, as tiles (state, why it is dark, codec, last snapshot)."""
    flags = capability_flags(principal)
    tiles = [_tile(camera, flags) for camera in _annotated_cameras(principal).order_by("name", "id")]
    return {"tiles": tiles, "caps": flags, "config": page_config(flags)}


def camera_page(principal: Principal, camera_id: str) -> dict:
    """One camera's page; a missing camera and one outside the caller's scope are the same 404."""
    if not principal.in_scope(camera_id):
        raise Http404("no such camera")
    camera = _annotated_cameras(principal).filter(pk=camera_id).first()
    if camera is None:
        raise Http404("no such camera")
    flags = capability_flags(principal)
    tile = _tile(camera, flags)
    config = page_config(flags) | {
        "camera": {
            "id": camera.pk, "name": camera.name, "state": tile["state"], "gapReason": tile["gap_reason"],
            "codec": tile["codec"], "segmentSeconds": camera.segment_seconds,
        },
    }
    return {"camera": camera, "tile": tile, "caps": flags, "config": config}


def page_config(flags: dict[str, bool]) -> dict:
    """What every footage page script needs: API root, websocket paths, capability flags and labels."""
    return {
        "api": API,
        "statusSocket": "/ws/status",
        "liveSocket": "/ws/cameras/{id}/live",
        "caps": flags,
        "reasons": {str(reason): text for reason, text in REASON_TEXT.items()},
        "timelineLabels": TIMELINE_TEXT,
        "darkStates": sorted(str(state) for state in DARK_STATES),
    }
