"""Data for the console's clips page: the cameras a caller may filter by, and the script's config.

The clips themselves come from the API (`GET /api/v1/clips`), so the page and scripts share one source.
"""

from __future__ import annotations

from accounts import scoping
from accounts.principal import Principal
from cameras.models import Camera
from nvr.console.footage import page_config
from recording.clips import CLIP_RETENTION


def clips_page(principal: Principal, flags: dict[str, bool]) -> dict:
    """The cameras in the caller's scope (for names and the filter) and the page script's config."""
    cameras = list(scoping.filter_queryset(Camera.objects.order_by("name", "id"), principal, "id").values("id", "name"))
    config = page_config(flags) | {"cameras": {row["id"]: row["name"] for row in cameras}}
    return {"cameras": cameras, "config": config, "retention_hours": int(CLIP_RETENTION.total_seconds() // 3600)}
