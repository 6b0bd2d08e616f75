"""Ego-area flags and raw progress against a slow shapely re-statement of NAVSIM's formulas."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import shapely

from sim.scoring import area
from sim.scoring import centerline as centerline_metrics
from sim.scoring.drivable_map import build_drivable_map_index
from sim.scoring.ego_geometry import ego_corners
from sim.types import STATE_SIZE, MapLayer

_spec = importlib.util.spec_from_file_location("area_test_map", Path(__file__).with_name("area_test_map.py"))
area_test_map = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(area_test_map)

POSES = [(0.0, 0.0, 0.0), (1234.5, -567.25, 0.7), (-3.0e5, 4.1e6, -2.9)]  # last: UTM-sized coordinates


def reference_areas(corners: np.ndarray, polygons, on_route: np.ndarray) -> np.ndarray:
    """NAVSIM's ``_calculate_ego_area`` on shapely containment of every point in every polygon."""
    n, t = corners.shape[:2]
    points = corners.reshape(-1, 2)
    inside = np.stack(
        [
            shapely.contains_xy(shapely.Polygon(polygons.ring(p)), points[:, 0], points[:, 1])
            for p in range(polygons.num_polygons)
        ]
    )
    inside = inside.reshape(-1, n, t, 5).transpose(1, 2, 0, 3)
    corners_in, center_in = inside[..., :4], inside[..., 4]
    lanes = np.isin(polygons.layers, [MapLayer.LANE, MapLayer.LANE_CONNECTOR])
    drivable = np.isin(
        polygons.layers, [MapLayer.ROADBLOCK, MapLayer.INTERSECTION, MapLayer.DRIVABLE_AREA, MapLayer.CARPARK_AREA]
    )
    per_lane = corners_in[:, :, lanes].sum(axis=-1)
    out = np.zeros((n, t, 3), dtype=bool)
    out[..., 0] = ((per_lane > 0).sum(axis=-1) > 1) & np.all(per_lane != 4, axis=-1)
    out[..., 1] = (corners_in[:, :, drivable].sum(axis=-2) > 0).sum(axis=-1) < 4
    out[..., 2] = center_in[:, :, lanes & on_route].sum(axis=-1) == 0
    return out


def boundary_boxes() -> np.ndarray:
    """Axis-aligned boxes ``(B, 1, 5, 2)`` whose corners sit exactly on lane edges and vertices."""
    boxes = []
    for x0, y0, x1, y1 in [(10, 1, 15, 3.5), (10, 3.5, 15, 6), (20, 1.5, 25.5, 5.5), (55, 1, 60, 3), (0, 0, 5, 2)]:
        ring = np.array([[x1, y1], [x0, y1], [x0, y0], [x1, y0], [(x0 + x1) / 2, (y0 + y1) / 2]], dtype=np.float64)
        boxes.append(ring)
    return np.array(boxes)[:, None]


@pytest.mark.parametrize("pose", POSES)
def test_flags_match_shapely_on_random_and_boundary_boxes(pose: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(8)
    polygons, on_route, _ = area_test_map.build_test_map(pose)
    index = build_drivable_map_index(polygons, on_route, cell_size=4.0)
    states = np.zeros((60, 41, STATE_SIZE))
    states[..., 0] = rng.uniform(-10.0, 150.0, (60, 1)) + np.linspace(0.0, 12.0, 41)
    states[..., 1] = rng.uniform(-25.0, 20.0, (60, 1)) + rng.normal(0.0, 0.3, (60, 41)).cumsum(axis=1)
    states[..., 2] = rng.uniform(-np.pi, np.pi, (60, 1))
    local = np.concatenate([ego_corners(states), np.repeat(boundary_boxes(), 41, axis=1)])
    corners = area_test_map.transform(local, pose)
    expected = reference_areas(corners, polygons, on_route)
    np.testing.assert_array_equal(area.ego_areas(corners, index), expected)
    np.testing.assert_array_equal(area.ego_areas(corners, index, parallel=True), expected)
    assert all(expected[..., k].any() and not expected[..., k].all() for k in range(3))  # every flag exercised


@pytest.mark.parametrize("pose", POSES[:2])
def test_intersection_queries_and_progress_match_shapely(pose: tuple[float, float, float]) -> None:
    rng = np.random.default_rng(9)
    polygons, on_route, centerline = area_test_map.build_test_map(pose)
    index = build_drivable_map_index(polygons, on_route)
    local = np.concatenate([rng.uniform([-30, -30], [170, 30], (4000, 2)), [[60, 0], [70, 20], [80, 5], [70, 5]]])
    points = area_test_map.transform(local, pose)
    junction = shapely.Polygon(polygons.ring(polygons.index_of("junction")))
    expected = shapely.contains_xy(junction, points[:, 0], points[:, 1])
    np.testing.assert_array_equal(area.points_in_layer(points, index, MapLayer.INTERSECTION), expected)
    np.testing.assert_array_equal(area.points_in_layer(points, index, MapLayer.INTERSECTION, parallel=True), expected)
    assert list(expected[-4:]) == [False, False, False, True]  # edge, edge, edge, inside

    corners = np.zeros((len(local) // 2, 2, 5, 2))
    corners[:, :, 4] = points[: 2 * len(corners)].reshape(-1, 2, 2)
    line = shapely.LineString(centerline)
    stations = shapely.line_locate_point(line, shapely.points(corners[:, :, 4]))
    np.testing.assert_array_equal(
        centerline_metrics.progress_raw(corners, centerline), np.clip(stations[:, 1] - stations[:, 0], 0, None)
    )
    distances = shapely.distance(line, shapely.points(points))
    np.testing.assert_array_equal(centerline_metrics.distance_to_polyline(points, centerline), distances)


def test_wrappers_reject_bad_input() -> None:
    polygons, on_route, centerline = area_test_map.build_test_map()
    index = build_drivable_map_index(polygons, on_route)
    corners = np.zeros((2, 3, 5, 2))
    with pytest.raises(ValueError, match="shape"):
        area.ego_areas(np.zeros((2, 3, 4, 2)), index)
    bad = corners.copy()
    bad[1, 2, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        area.ego_areas(bad, index)
    with pytest.raises(ValueError, match="center_in_intersection"):
        centerline_metrics.lane_keeping(corners, np.zeros((2, 3)), centerline)
    with pytest.raises(ValueError, match="centerline"):
        centerline_metrics.progress_raw(corners, centerline[:1])
    with pytest.raises(ValueError, match="version"):
        centerline_metrics.ego_progress(np.ones(2), np.ones(2), version="v3")
    with pytest.raises(ValueError, match="multiplier"):
        centerline_metrics.ego_progress(np.ones(2), np.ones(3), version="v2")
