"""Zone geometry: polygon validation, even-odd containment and line crossing (pure)."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from ai.zones import geometry
from ai.zones.geometry import GeometryError

SQUARE = [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]]
unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
point = st.tuples(unit, unit)


def test_valid_region_is_returned_as_float_pairs():
    assert geometry.validate_polygon([[0, 0], [1, 0], [1, 1]], "region") == [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]


def test_presence_behaves_like_region():
    assert geometry.validate_polygon(SQUARE, "presence") == SQUARE


def test_line_needs_exactly_two_distinct_points():
    assert geometry.validate_polygon([[0.5, 0], [0.5, 1]], "line") == [[0.5, 0.0], [0.5, 1.0]]
    with pytest.raises(GeometryError, match="exactly 2"):
        geometry.validate_polygon(SQUARE, "line")
    with pytest.raises(GeometryError, match="exactly 2"):
        geometry.validate_polygon([[0.5, 0.5]], "line")
    with pytest.raises(GeometryError, match="differ"):
        geometry.validate_polygon([[0.5, 0.5], [0.5, 0.5]], "line")


@pytest.mark.parametrize("points", [[], [[0, 0]], [[0, 0], [1, 1]]])
def test_region_needs_three_points(points):
    with pytest.raises(GeometryError, match="at least 3"):
        geometry.validate_polygon(points, "region")


def test_region_accepts_512_points_and_refuses_513():
    ring = [[0.5 + 0.4 * math.cos(2 * math.pi * i / 512), 0.5 + 0.4 * math.sin(2 * math.pi * i / 512)] for i in range(512)]
    assert len(geometry.validate_polygon(ring, "region")) == 512
    with pytest.raises(GeometryError, match="at most 512"):
        geometry.validate_polygon([*ring, [0.5, 0.5]], "region")


def test_region_with_all_points_on_one_line_is_refused():
    with pytest.raises(GeometryError, match="enclose an area"):
        geometry.validate_polygon([[0, 0], [0.5, 0.5], [1, 1]], "region")


@pytest.mark.parametrize(
    "value",
    [
        "not a list",
        {"x": 1},
        None,
        [[0.1, 0.1], [0.2, 0.2], [0.3]],
        [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3, 0.3]],
        [[0.1, 0.1], [0.2, 0.2], "0.3,0.3"],
        [[0.1, 0.1], [0.9, 0.1], [True, 0.5]],
        [[0.1, 0.1], [0.9, 0.1], [0.5, "0.5"]],
        [[0.1, 0.1], [0.9, 0.1], [0.5, None]],
        [[0.1, 0.1], [0.9, 0.1], [0.5, 1.0001]],
        [[0.1, 0.1], [0.9, 0.1], [-0.0001, 0.5]],
        [[0.1, 0.1], [0.9, 0.1], [float("nan"), 0.5]],
        [[0.1, 0.1], [0.9, 0.1], [float("inf"), 0.5]],
        [[0.1, 0.1], [0.9, 0.1], [10**400, 0.5]],
    ],
)
def test_malformed_polygons_are_refused(value):
    with pytest.raises(GeometryError):
        geometry.validate_polygon(value, "region")


def test_unknown_kind_is_refused():
    with pytest.raises(GeometryError, match="kind"):
        geometry.validate_polygon(SQUARE, "circle")


def test_contains_uses_even_odd_rule():
    assert geometry.contains(SQUARE, (0.5, 0.5))
    assert not geometry.contains(SQUARE, (0.05, 0.5))
    assert not geometry.contains([[0, 0], [1, 1]], (0.5, 0.5))
    # A self-intersecting bow-tie: the left and right lobes are inside, top and bottom are not.
    bowtie = [[0, 0], [1, 1], [1, 0], [0, 1]]
    assert geometry.contains(bowtie, (0.2, 0.5)) and geometry.contains(bowtie, (0.8, 0.5))
    assert not geometry.contains(bowtie, (0.5, 0.2))


def test_crossing_direction_follows_the_sign_of_the_cross_product():
    line = [[0.5, 0.0], [0.5, 1.0]]  # A top, B bottom; (B−A)×(P−A) > 0 for points left of x = 0.5
    assert geometry.crossing_direction((0.4, 0.5), (0.6, 0.5), line) == "ab"
    assert geometry.crossing_direction((0.6, 0.5), (0.4, 0.5), line) == "ba"
    assert geometry.crossing_direction((0.4, 0.5), (0.45, 0.5), line) is None


def test_touching_or_colinear_moves_do_not_cross():
    line = [[0.5, 0.0], [0.5, 1.0]]
    assert geometry.crossing_direction((0.4, 0.5), (0.5, 0.5), line) is None  # ends on the line
    assert geometry.crossing_direction((0.5, 0.2), (0.5, 0.8), line) is None  # along the line
    assert geometry.crossing_direction((0.4, 1.5), (0.6, 1.5), line) is None  # past the end


def test_bottom_centre_of_a_bbox():
    assert geometry.bottom_centre([0.2, 0.3, 0.4, 0.5]) == pytest.approx((0.4, 0.8))
    assert geometry.bottom_centre([0.2, 0.3, 0.4]) is None
    assert geometry.bottom_centre([0.2, 0.3, float("nan"), 0.5]) is None
    assert geometry.bottom_centre([0.2, 0.3, True, 0.5]) is None
    assert geometry.bottom_centre("box") is None


def test_as_shape_builds_the_shapely_geometry():
    assert isinstance(geometry.as_shape(SQUARE, "region"), Polygon)
    assert isinstance(geometry.as_shape([[0, 0], [1, 1]], "line"), LineString)


@given(st.lists(point, min_size=3, max_size=8), point)
def test_contains_matches_shapely_for_simple_polygons(vertices, probe):
    polygon = Polygon(vertices)
    assume(polygon.is_valid and polygon.area > 1e-6)
    assume(polygon.exterior.distance(Point(probe)) > 1e-9)
    assert geometry.contains([list(v) for v in vertices], probe) == polygon.contains(Point(probe))


@given(point, point, point, point)
def test_crosses_matches_shapely(p, q, a, b):
    assume(p != q and a != b)
    movement, line = LineString([p, q]), LineString([a, b])
    # Keep away from near-touching cases where float rounding decides.
    for corner in (p, q):
        assume(line.distance(Point(corner)) > 1e-9)
    for corner in (a, b):
        assume(movement.distance(Point(corner)) > 1e-9)
    assert geometry.crosses(p, q, a, b) == movement.crosses(line)


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=5) | st.dictionaries(st.text(max_size=3), c, max_size=3), max_leaves=20),
       st.sampled_from(["region", "presence", "line", "bogus"]))
def test_validate_polygon_never_raises_anything_but_geometry_error(value, kind):
    try:
        points = geometry.validate_polygon(value, kind)
    except GeometryError:
        return
    assert all(0.0 <= c <= 1.0 for pair in points for c in pair)


@given(st.lists(point, min_size=3, max_size=20))
def test_any_polygon_with_area_validates_as_region(vertices):
    assume(Polygon(vertices).area > 0)
    assert geometry.validate_polygon([list(v) for v in vertices], "region") == [[float(x), float(y)] for x, y in vertices]
