"""Camera ids: slugs derived from an operator-chosen id or the camera name (reference §2.1)."""

from __future__ import annotations

import re

from cameras.models import CAMERA_ID_MAX_LENGTH

FALLBACK_ID = "camera"
# Only ASCII letters and digits survive; str.isalnum() would also keep 'é', 'İ' or the Kelvin sign.
_NOT_ASCII_ALNUM = re.compile(r"[^A-Za-z0-9]+")
_VALID_ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def slugify_camera_id(text: str) -> str:
    """`Gate A 01` → `gate_a_01`, `Café-Cam #2` → `caf_cam_2`, `!!!` → `camera` (at most 64 chars)."""
    # Replace before lower-casing: lower() turns some non-ASCII letters
    # into ASCII ones (the Kelvin sign U+212A becomes 'k').
    slug = _NOT_ASCII_ALNUM.sub("_", text).lower().strip("_")
    slug = slug[:CAMERA_ID_MAX_LENGTH].rstrip("_")
    return slug or FALLBACK_ID


def is_valid_camera_id(value: object) -> bool:
    """True for a string that slugify_camera_id could have produced (safe as a folder name)."""
    return (
        isinstance(value, str)
        and len(value) <= CAMERA_ID_MAX_LENGTH
        and _VALID_ID.fullmatch(value) is not None
    )
