"""Strict point-in-polygon kernels against shapely (GEOS) and an exact rational orientation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import shapely

from sim.kernels.exact import orientation as orientation_index
from sim.kernels.polygons import EDGE_CODE_OFFSET, grid_cell, point_in_ring, points_in_layer_kernel
from sim.scoring.drivable_map import build_drivable_map_index
from sim.types import MapLayer, MapPolygons


def star_ring(rng: np.random.Generator, centre: tuple[float, float], spikes: int) -> np.ndarray:
    """A concave star-shaped ring (alternating long and short radii)."""
    angles = np.sort(rng.uniform(0.0, 2.0 * np.pi, 2 * spikes))
    radii = np.where(
        np.arange(2 * spikes) % 2 == 0, rng.uniform(4.0, 8.0, 2 * spikes), rng.uniform(1.0, 3.0, 2 * spikes)
    )
    return np.stack([centre[0] + radii * np.cos(angles), centre[1] + radii * np.sin(angles)], axis=1)


def pack(rings: list[np.ndarray], layers: list[MapLayer]) -> MapPolygons:
    offsets = np.concatenate([[0], np.cumsum([len(ring) for ring in rings])]).astype(np.int64)
    return MapPolygons(
        tokens=np.array([f"p{i}" for i in range(len(rings))]),
        layers=np.array([int(layer) for layer in layers], dtype=np.int64),
        offsets=offsets,
        vertices=np.ascontiguousarray(np.concatenate(rings), dtype=np.float64),
    )


def exact_orientation(a: tuple[float, float], b: tuple[float, float], q: tuple[float, float]) -> int:
    ax, ay, bx, by, qx, qy = (Fraction(v) for v in (*a, *b, *q))
    det = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
    return (det > 0) - (det < 0)


def test_random_concave_polygons_match_shapely() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        ring = star_ring(rng, (rng.uniform(-50, 50), rng.uniform(-50, 50)), int(rng.integers(3, 9)))
        polygon = shapely.Polygon(ring)
        points = ring.mean(axis=0) + rng.uniform(-9.0, 9.0, size=(400, 2))
        expected = shapely.contains_xy(polygon, points[:, 0], points[:, 1])
        ours = [point_in_ring(x, y, ring, 0, len(ring)) for x, y in points]
        np.testing.assert_array_equal(ours, expected)


def test_vertices_and_edge_points_are_outside() -> None:
    ring = np.array([[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [2.0, 1.0], [0.0, 4.0]])  # concave, diagonal edges
    on_boundary = np.concatenate([ring, [[2.0, 0.0], [4.0, 2.0], [3.0, 2.5], [1.0, 2.5], [0.0, 1.0]]])
    polygon = shapely.Polygon(ring)
    assert not shapely.contains_xy(polygon, on_boundary[:, 0], on_boundary[:, 1]).any()
    assert not any(point_in_ring(x, y, ring, 0, len(ring)) for x, y in on_boundary)
    assert point_in_ring(1.0, 1.0, ring, 0, len(ring))
    assert not point_in_ring(2.0, 3.0, ring, 0, len(ring))  # in the notch


def test_orientation_sign_is_exact_where_floats_fail() -> None:
    rng = np.random.default_rng(5)
    a, b = (0.5, 0.5), (12.0, 12.0)
    disagreements = 0
    for _ in range(2000):
        q = (0.5 + rng.integers(0, 64) * 2.0**-53, 0.5 + rng.integers(0, 64) * 2.0**-53)
        q = (q[0] * 24.0, q[1] * 24.0)
        naive = np.sign((b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]))
        exact = exact_orientation(a, b, q)
        assert orientation_index(*a, *b, *q) == exact
        disagreements += naive != exact
    assert disagreements > 0  # the cases really were beyond plain float arithmetic


def test_indexed_layer_queries_match_shapely_far_and_near() -> None:
    rng = np.random.default_rng(7)
    rings = [star_ring(rng, (rng.uniform(-80, 80), rng.uniform(-80, 80)), 5) for _ in range(40)]
    rings.append(np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]))
    layers = [MapLayer(int(v)) for v in rng.integers(0, 6, len(rings) - 1)] + [MapLayer.INTERSECTION]
    polygons = pack(rings, layers)
    points = np.concatenate(
        [
            rng.uniform(-100, 100, size=(3000, 2)),
            rng.uniform(-1e4, 1e4, size=(50, 2)),  # far outside the grid
            [[5.0, 0.0], [0.0, 0.0], [10.0, 5.0], [5.0, 5.0]],  # edge, vertex, edge, inside
        ]
    )
    for cell_size in (0.7, 5.0, 1000.0):
        index = build_drivable_map_index(polygons, np.zeros(len(rings), dtype=bool), cell_size)
        for layer in MapLayer:
            expected = np.zeros(len(points), dtype=bool)
            for ring, ring_layer in zip(rings, layers, strict=True):
                if ring_layer == layer:
                    expected |= shapely.contains_xy(shapely.Polygon(ring), points[:, 0], points[:, 1])
            ours = points_in_layer_kernel(points, int(layer), index.layers, *index.kernel_arrays())
            np.testing.assert_array_equal(ours, expected, err_msg=f"layer {layer.name}, cell {cell_size}")


def test_one_edge_cells_decide_points_along_edges_as_shapely() -> None:
    rng = np.random.default_rng(13)
    rings = [star_ring(rng, (rng.uniform(-20, 20), rng.uniform(-20, 20)), 6) for _ in range(6)]
    rings = [ring if i % 2 else ring[::-1].copy() for i, ring in enumerate(rings)]  # both windings
    layers = [MapLayer.LANE] * len(rings)
    index = build_drivable_map_index(pack(rings, layers), np.zeros(len(rings), dtype=bool), 1.0)
    codes = index.cell_tests
    assert (codes >= EDGE_CODE_OFFSET).any() and (codes <= -EDGE_CODE_OFFSET).any()  # both sides are exercised
    points = [rng.uniform(-30, 30, size=(2000, 2))]
    for ring in rings:
        start, end = ring, np.roll(ring, -1, axis=0)
        along = rng.uniform(0.0, 1.0, size=(len(ring), 40, 1))
        on_edges = start[:, None] + along * (end - start)[:, None]  # on or a rounding away from the edges
        beside = on_edges + rng.normal(0.0, 1e-9, size=on_edges.shape)
        points += [on_edges.reshape(-1, 2), beside.reshape(-1, 2), ring]
    points = np.concatenate(points)
    expected = np.zeros(len(points), dtype=bool)
    for ring in rings:
        expected |= shapely.contains_xy(shapely.Polygon(ring), points[:, 0], points[:, 1])
    ours = points_in_layer_kernel(points, int(MapLayer.LANE), index.layers, *index.kernel_arrays())
    np.testing.assert_array_equal(ours, expected)


def test_grid_lists_each_polygon_where_its_interior_is() -> None:
    rng = np.random.default_rng(11)
    rings = [star_ring(rng, (rng.uniform(-30, 30), rng.uniform(-30, 30)), 4) for _ in range(10)]
    index = build_drivable_map_index(pack(rings, [MapLayer.ROADBLOCK] * 10), np.zeros(10, dtype=bool), 2.0)
    points = rng.uniform(-40, 40, size=(2000, 2))
    for x, y in points:
        c = grid_cell(x, y, *index.grid, *index.shape)
        if c < 0:
            assert not any(point_in_ring(x, y, ring, 0, len(ring)) for ring in rings)
            continue
        listed = set(index.cell_polygons[index.cell_offsets[c] : index.cell_offsets[c + 1]].tolist())
        for p, ring in enumerate(rings):
            if point_in_ring(x, y, ring, 0, len(ring)):
                assert p in listed
    assert len(index.cell_polygons) < 10 * index.shape[0] * index.shape[1] / 3  # the grid does prune


def test_bad_map_is_rejected() -> None:
    ring = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    polygons = pack([ring], [MapLayer.LANE])
    with pytest.raises(ValueError, match="on_route"):
        build_drivable_map_index(polygons, np.zeros(2, dtype=bool))
    bad = MapPolygons(polygons.tokens, polygons.layers, polygons.offsets, np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="NaN"):
        build_drivable_map_index(bad, np.zeros(1, dtype=bool))
