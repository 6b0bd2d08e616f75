"""Polyline projection and distance kernels against shapely (GEOS)."""

from __future__ import annotations

import numpy as np
import shapely

from sim.kernels.polyline import build_segment_grid, line_distances_kernel, locate_points_kernel, within_distance


def wiggly_line(rng: np.random.Generator, count: int) -> np.ndarray:
    heading = np.cumsum(rng.normal(0.0, 0.4, count))
    steps = np.stack([np.cos(heading), np.sin(heading)], axis=1) * rng.uniform(0.5, 3.0, (count, 1))
    return np.cumsum(steps, axis=0) + rng.uniform(-100, 100, 2)


def test_locate_matches_shapely_including_beyond_the_ends() -> None:
    rng = np.random.default_rng(2)
    for _ in range(10):
        line = wiggly_line(rng, 60)
        lo, hi = line.min(axis=0) - 20.0, line.max(axis=0) + 20.0
        points = np.concatenate([rng.uniform(lo, hi, size=(300, 2)), line[:5], (line[:-1] + line[1:])[:5] / 2])
        before = line[0] - 5.0 * (line[1] - line[0])  # centre projection before the start
        after = line[-1] + 5.0 * (line[-1] - line[-2])  # and after the end
        points = np.concatenate([points, [before, after]])
        expected = shapely.line_locate_point(shapely.LineString(line), shapely.points(points))
        ours = locate_points_kernel(points, line)
        np.testing.assert_array_equal(ours, expected)


def test_projection_is_clamped_before_the_start_and_after_the_end() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0], [20.0, 5.0]])
    length = shapely.LineString(line).length
    ours = locate_points_kernel(np.array([[-3.0, 1.0], [-3.0, -40.0], [30.0, 12.0], [5.0, 0.0]]), line)
    np.testing.assert_array_equal(ours, [0.0, 0.0, length, 5.0])


def test_tie_goes_to_the_first_segment_as_in_shapely() -> None:
    line = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 4.0], [0.0, 4.0]])  # U-turn
    point = np.array([[5.0, 2.0]])  # 2 m from both long legs
    expected = shapely.line_locate_point(shapely.LineString(line), shapely.Point(5.0, 2.0))
    assert locate_points_kernel(point, line)[0] == expected == 5.0


def test_repeated_vertices_do_not_break_projection() -> None:
    line = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 0.0], [2.0, 1.0], [2.0, 1.0]])
    points = np.array([[1.0, 0.5], [1.0, 0.0], [3.0, 3.0], [-1.0, -1.0]])
    expected = shapely.line_locate_point(shapely.LineString(line), shapely.points(points))
    np.testing.assert_array_equal(locate_points_kernel(points, line), expected)


def test_distance_matches_shapely_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    line = wiggly_line(rng, 80)
    points = rng.uniform(line.min(axis=0) - 5.0, line.max(axis=0) + 5.0, size=(2000, 2))
    expected = shapely.distance(shapely.LineString(line), shapely.points(points))
    np.testing.assert_array_equal(line_distances_kernel(points, line), expected)


def test_segment_grid_answers_like_the_full_scan() -> None:
    rng = np.random.default_rng(6)
    line = wiggly_line(rng, 120)
    limit = 0.5
    normals = rng.normal(size=(3000, 2))
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    anchors = line[rng.integers(0, len(line), 3000)]
    points = anchors + normals * rng.uniform(0.0, 1.5, (3000, 1))  # many close to the limit
    points = np.concatenate([points, [[1e5, 1e5]]])
    full = line_distances_kernel(points, line) <= limit
    for cell in (0.3, 2.0, 50.0):
        grid = build_segment_grid(line, limit, cell)
        ours = np.array([within_distance(x, y, limit, line, *grid) for x, y in points])
        np.testing.assert_array_equal(ours, full)
    assert full.any() and not full.all()
