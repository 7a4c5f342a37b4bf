"""Data for the console home page: the caller's cameras with their recorder status."""

from __future__ import annotations

from accounts import scoping
from accounts.principal import Principal
from cameras.models import SECRET_FIELDS, Camera


def build(principal: Principal) -> dict:
    # The page shows no secret: the encrypted columns are not read (nothing is decrypted to render it).
    cameras = Camera.objects.select_related("status").defer(*SECRET_FIELDS).order_by("name")
    cameras = scoping.filter_queryset(cameras, principal, "id")
    rows = []
    for camera in cameras:
        status = getattr(camera, "status", None)
        state = "disabled" if not camera.enabled else (status.state if status else "unknown")
        rows.append({"camera": camera, "state": state, "status": status})
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = counts.get(row["state"], 0) + 1
    return {"rows": rows, "counts": sorted(counts.items()), "total": len(rows), "principal": principal}
