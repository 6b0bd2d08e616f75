"""Box and polygon kernels against shapely (GEOS) and exact rational arithmetic."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
import shapely

from sim.kernels.boxes import (
    circles_may_touch,
    convex_quads_intersect,
    oriented_box_corners,
    point_in_ring_or_edge,
    rings_intersect,
    segment_intersects_ring,
    segments_intersect,
)
from sim.kernels.exact import orientation


def nuplan_corners(x: float, y: float, heading: float, length: float, width: float) -> np.ndarray:
    """nuPlan's ``translate_longitudinally_and_laterally`` for FL, RL, RR, FR, with numpy scalars."""
    rows = []
    for lon, lat in ((1, 1), (-1, 1), (-1, -1), (1, -1)):
        d_lon, d_lat = lon * length / 2.0, lat * width / 2.0
        dx = (d_lat * np.cos(heading + np.pi / 2.0)) + (d_lon * np.cos(heading))
        dy = (d_lat * np.sin(heading + np.pi / 2.0)) + (d_lon * np.sin(heading))
        rows.append((x + dx, y + dy))
    return np.array(rows)


def random_boxes(rng: np.random.Generator, count: int, spread: float) -> np.ndarray:
    poses = np.column_stack([rng.uniform(-spread, spread, (count, 2)), rng.uniform(-np.pi, np.pi, count)])
    half_l, half_w = rng.uniform(0.2, 3.0, count), rng.uniform(0.2, 1.5, count)
    return oriented_box_corners(poses, half_l, half_w)


def star_ring(rng: np.random.Generator, centre: np.ndarray, vertices: int) -> np.ndarray:
    """A simple, generally non-convex ring (radius varies with angle)."""
    angles = np.sort(rng.uniform(0, 2 * np.pi, vertices))
    radii = rng.uniform(1.0, 6.0, vertices)
    return centre + np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])


def test_corners_round_exactly_like_nuplan() -> None:
    rng = np.random.default_rng(0)
    poses = np.column_stack([rng.uniform(-1e5, 1e5, (40, 2)), rng.uniform(-7, 7, 40)])
    size = rng.uniform(0.5, 6.0, (40, 2))
    ours = oriented_box_corners(poses, size[:, 0] / 2, size[:, 1] / 2)
    for pose, (length, width), corners in zip(poses, size, ours, strict=True):
        np.testing.assert_array_equal(corners, nuplan_corners(*pose, length, width))
        assert shapely.Polygon(corners).area == pytest.approx(length * width, rel=1e-6)


def exact_orientation(a, b, c) -> int:
    a, b, c = ([Fraction(v) for v in p] for p in (a, b, c))
    det = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    return (det > 0) - (det < 0)


def test_orientation_is_exact_near_collinear() -> None:
    rng = np.random.default_rng(1)
    for _ in range(2000):
        a, b = rng.uniform(-1e3, 1e3, 2), rng.uniform(-1e3, 1e3, 2)
        c = a + rng.uniform(-2, 2) * (b - a)  # rounded onto, or a hair off, the line
        c = c + rng.choice([0.0, 1e-13, -1e-13]) * rng.uniform(0, 1, 2)
        assert orientation(*a, *b, *c) == exact_orientation(a, b, c)


def test_segments_match_shapely() -> None:
    rng = np.random.default_rng(2)
    cases = [rng.uniform(-5, 5, 8) for _ in range(1500)]
    cases += [np.array([0, 0, 2, 2, 1, 1, 3, 3.0]), np.array([0, 0, 1, 0, 1, 0, 2, 5.0])]  # collinear, endpoint
    cases += [np.array([0, 0, 1, 0, 2, 0, 3, 0.0]), np.array([0, 0, 1, 1, 1, 1, 2, 2.0])]  # collinear apart, touching
    for p in cases:
        expected = shapely.LineString(p[:4].reshape(2, 2)).intersects(shapely.LineString(p[4:].reshape(2, 2)))
        assert segments_intersect(*p) == expected, p


def assert_quads_agree(a: np.ndarray, b: np.ndarray) -> None:
    expected = shapely.Polygon(a).intersects(shapely.Polygon(b))
    assert convex_quads_intersect(a, b) == expected
    assert rings_intersect(a, b) == expected
    assert convex_quads_intersect(b, a) == expected
    if expected:
        centre_a, centre_b = a.mean(axis=0), b.mean(axis=0)
        radius_a = np.hypot(*(a - centre_a).T).max()
        radius_b = np.hypot(*(b - centre_b).T).max()
        assert circles_may_touch(*centre_a, radius_a, *centre_b, radius_b)


def test_random_boxes_match_shapely() -> None:
    rng = np.random.default_rng(3)
    boxes = random_boxes(rng, 600, spread=4.0)
    hits = 0
    for a, b in zip(boxes[::2], boxes[1::2], strict=True):
        assert_quads_agree(a, b)
        hits += shapely.Polygon(a).intersects(shapely.Polygon(b))
    assert 50 < hits < 250  # both outcomes are well represented


def test_touching_coincident_and_contained_boxes() -> None:
    rng = np.random.default_rng(4)
    for a in random_boxes(rng, 150, spread=1e4):
        edge = a[0] - a[1]  # FL - RL: one box length along the heading
        side = a[0] - a[3]  # FL - FR: one width
        assert_quads_agree(a, a.copy())  # coincident
        assert_quads_agree(a, a + edge)  # touching along an edge (or a hair apart after rounding)
        assert_quads_agree(a, a + edge + side)  # touching at a corner
        assert_quads_agree(a, a + edge * (1 + 1e-12))  # just apart
        assert_quads_agree(a, a + edge * (1 - 1e-12))  # just overlapping
        centre = a.mean(axis=0)
        assert_quads_agree(a, centre + 0.3 * (a - centre))  # contained
    square = np.array([[1.0, 1.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    assert convex_quads_intersect(square, square + [1.0, 0.0])  # shared edge counts
    assert convex_quads_intersect(square, square + [1.0, 1.0])  # shared corner counts
    assert not convex_quads_intersect(square, square + [1.0 + 2**-40, 0.0])


def test_rings_and_quads_match_shapely() -> None:
    rng = np.random.default_rng(5)
    boxes = random_boxes(rng, 400, spread=7.0)
    outcomes = set()
    for k, box in enumerate(boxes):
        ring = star_ring(rng, np.zeros(2), int(rng.integers(3, 40)))
        expected = shapely.Polygon(ring).intersects(shapely.Polygon(box))
        assert rings_intersect(box, ring) == expected
        assert rings_intersect(ring, box) == expected
        outcomes.add(expected)
        if k < 50:  # a small box near the ring's centre (often inside), and a ring inside a big box
            small = oriented_box_corners(np.zeros((1, 3)), np.ones(1) * 0.3, np.ones(1) * 0.2)[0]
            assert rings_intersect(small, ring) == shapely.Polygon(ring).intersects(shapely.Polygon(small))
            big = oriented_box_corners(np.zeros((1, 3)), np.ones(1) * 20, np.ones(1) * 20)[0]
            assert rings_intersect(big, ring)
    assert outcomes == {True, False}


def test_segment_and_point_against_polygons() -> None:
    rng = np.random.default_rng(6)
    for _ in range(400):
        ring = star_ring(rng, np.zeros(2), int(rng.integers(3, 12)))
        polygon = shapely.Polygon(ring)
        p, q = rng.uniform(-7, 7, 2), rng.uniform(-7, 7, 2)
        assert segment_intersects_ring(*p, *q, ring) == shapely.LineString([p, q]).intersects(polygon)
        assert point_in_ring_or_edge(*p, ring) == polygon.intersects(shapely.Point(p))
        vertex = ring[int(rng.integers(0, ring.shape[0]))]
        assert point_in_ring_or_edge(*vertex, ring)  # boundary counts
        assert segment_intersects_ring(*(vertex + 10.0), *vertex, ring)  # touching at a vertex counts


def test_hypot_skips_the_call_only_where_it_is_exact() -> None:
    from sim.kernels._jit import kernel
    from sim.kernels.exact import hypot

    compiled_hypot = kernel(lambda x, y: math.hypot(x, y))  # what the kernels called before
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(0.0, 3.0, 2000), 10.0 ** rng.uniform(-300, 300, 2000), [0.0, -0.0, 5e-324]])
    for x in values:
        for y in (0.0, -0.0, 0.25):
            assert hypot(x, y) == compiled_hypot(x, y)
        assert hypot(x, 0.0) == abs(x)
