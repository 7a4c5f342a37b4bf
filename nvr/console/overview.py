"""Data for the console home page: the caller's cameras with their recorder status."""

from __future__ import annotations

from accounts import scoping
from accounts.principal import Principal
from cameras.models import Camera


def build(principal: Principal) -> dict:
    cameras = scoping.filter_queryset(Camera.objects.select_related("status").order_by("name"), principal, "id")
    rows = []
    for camera in cameras:
        status = getattr(camera, "status", None)
        state = "disabled" if not camera.enabled else (status.state if status else "unknown")
        rows.append({"camera": camera, "state": state, "status": status})
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {"rows": rows, "counts": sorted(counts.items()), "total": len(rows), "principal": principal}
