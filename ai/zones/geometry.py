"""Zone geometry (reference §3.10, §2.14): polygon validation, even-odd containment, line crossing.

Coordinates are normalized frame coordinates: origin top-left, x right, y down, both in 0..1.
Everything here is plain data in, plain data out; shapely is used where it adds something
(area of a region) while containment and crossing keep the reference's exact semantics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from shapely.geometry import LineString, Polygon

REGION_KINDS = ("region", "presence")
LINE_KIND = "line"
KINDS = (*REGION_KINDS, LINE_KIND)
MIN_REGION_POINTS = 3
MAX_POLYGON_POINTS = 512
LINE_POINTS = 2

Point = tuple[float, float]


class GeometryError(ValueError):
    """A polygon that cannot be stored; the message is shown to the API caller."""


def _coordinate(value, index: int, axis: str) -> float:
    # bool is an int subclass in Python: `true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GeometryError(f"point {index}: {axis} must be a number")
    # Compare before converting: a huge JSON integer must not overflow float().
    if not (isinstance(value, float) and math.isfinite(value) or isinstance(value, int)) or not 0 <= value <= 1:
        raise GeometryError(f"point {index}: {axis} must be a finite number between 0 and 1")
    return float(value)


def parse_points(value) -> list[list[float]]:
    """A JSON array of `[x, y]` pairs → list of float pairs, or GeometryError."""
    if not isinstance(value, (list, tuple)):
        raise GeometryError("polygon must be an array of [x, y] points")
    if len(value) > MAX_POLYGON_POINTS:
        raise GeometryError(f"polygon must have at most {MAX_POLYGON_POINTS} points")
    points = []
    for index, pair in enumerate(value):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise GeometryError(f"point {index} must be an [x, y] pair")
        points.append([_coordinate(pair[0], index, "x"), _coordinate(pair[1], index, "y")])
    return points


def validate_polygon(value, kind: str) -> list[list[float]]:
    """Validate a zone polygon for its kind and return it normalized to float pairs."""
    if kind not in KINDS:
        raise GeometryError(f"kind must be one of: {', '.join(KINDS)}")
    points = parse_points(value)
    if kind == LINE_KIND:
        if len(points) != LINE_POINTS:
            raise GeometryError("a line zone needs exactly 2 points (A, B)")
        if points[0] == points[1]:
            raise GeometryError("the two points of a line zone must differ")
        return points
    if len(points) < MIN_REGION_POINTS:
        raise GeometryError(f"a {kind} zone needs at least {MIN_REGION_POINTS} points")
    # A region whose points are all on one line never contains anything: refuse it up front.
    if Polygon(points).area <= 0.0:
        raise GeometryError("polygon must enclose an area (its points are all on one line)")
    return points


def contains(polygon: Sequence[Sequence[float]], point: Sequence[float]) -> bool:
    """Even-odd ray casting, as in the reference (fewer than 3 points is never inside)."""
    if len(polygon) < MIN_REGION_POINTS:
        return False
    x, y = point[0], point[1]
    inside = False
    previous = polygon[-1]
    for current in polygon:
        xi, yi = current[0], current[1]
        xj, yj = previous[0], previous[1]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        previous = current
    return inside


def side(a: Sequence[float], b: Sequence[float], p: Sequence[float]) -> float:
    """2-D cross product (B−A)×(P−A): > 0 on the positive side of A→B, 0 on the line."""
    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0])


def crosses(p: Sequence[float], q: Sequence[float], a: Sequence[float], b: Sequence[float]) -> bool:
    """True when segment P→Q properly intersects A→B (touching or colinear does not count)."""
    d1, d2 = side(a, b, p), side(a, b, q)
    d3, d4 = side(p, q, a), side(p, q, b)
    return d1 * d2 < 0 and d3 * d4 < 0


def crossing_direction(previous: Sequence[float], current: Sequence[float], line: Sequence[Sequence[float]]) -> str | None:
    """`"ab"` / `"ba"` when the move previous→current crosses the line A→B, else None."""
    a, b = line[0], line[1]
    if not crosses(previous, current, a, b):
        return None
    return "ab" if side(a, b, previous) > 0 else "ba"


def bottom_centre(bbox) -> Point | None:
    """The tested point of a detection: bottom-centre `(x + w/2, y + h)` of `[x, y, w, h]`."""
    if not isinstance(bbox, (list, tuple)) or len(bbox) < 4:
        return None
    values = bbox[:4]
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in values):
        return None
    x, y, w, h = (float(v) for v in values)
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return None
    return (x + w / 2.0, y + h)


def as_shape(points: Sequence[Sequence[float]], kind: str) -> Polygon | LineString:
    """The shapely geometry of a validated zone (for drawing, area or prepared queries)."""
    return LineString(points) if kind == LINE_KIND else Polygon(points)
