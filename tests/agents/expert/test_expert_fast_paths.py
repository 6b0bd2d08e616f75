"""The expert's fast paths equal their numpy references bit for bit (so its driving never changes with them)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.adapters.leaderboard_io import RouteTracker
from agents.expert.config import ExpertConfig
from agents.expert.geometry import Path, project_onto, project_onto_reference
from agents.expert.speed import Constraints, idm_rollout, idm_rollout_reference, interp

SEEDS = st.integers(0, 2**32 - 1)


def random_path(rng: np.random.Generator) -> Path:
    m = int(rng.integers(2, 120))
    heading = np.cumsum(rng.normal(0.0, rng.choice([0.01, 0.3, 1.5]), m))
    step = rng.choice([1.0, 0.5, 3.0])
    xy = np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]) * step, axis=0) + rng.uniform(-500, 500, 2)
    if rng.random() < 0.3:  # repeated vertices: zero-length segments
        xy[rng.integers(0, m)] = xy[rng.integers(0, m)]
    s = np.arange(m, dtype=np.float64) - rng.uniform(0.0, 10.0)
    return Path(xy, heading, np.abs(heading), s, np.zeros(m, bool), np.full(m, np.inf), 0.0, float(s[-1]))


@settings(max_examples=300, deadline=None)
@given(SEEDS)
def test_projection_kernel_equals_the_numpy_scan(seed) -> None:
    rng = np.random.default_rng(seed)
    path = random_path(rng)
    points = path.xy[rng.integers(0, len(path.xy), 60)] + rng.normal(0.0, rng.choice([0.0, 1e-3, 1.0, 20.0]), (60, 2))
    if rng.random() < 0.3:
        points[:20] = np.round(points[:20], 1)  # points at vertices and on grid lines: exact ties
    fast, reference = (
        project_onto(path, points.reshape(3, 20, 2)),
        project_onto_reference(path, points.reshape(3, 20, 2)),
    )
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1], reference[1])


def test_projection_of_a_point_at_a_shared_vertex_picks_the_first_segment_like_numpy() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    path = Path(xy, np.zeros(5), np.zeros(5), np.arange(5.0), np.zeros(5, bool), np.zeros(5), 0.0, 4.0)
    points = np.array([[2.0, -1.0], [1.0, 1.0], [1.5, 0.5], [0.5, 3.0]])
    for fast, reference in zip(project_onto(path, points), project_onto_reference(path, points), strict=True):
        np.testing.assert_array_equal(fast, reference)


@settings(max_examples=300, deadline=None)
@given(SEEDS)
def test_scalar_idm_rollout_equals_the_array_rollout(seed) -> None:
    rng = np.random.default_rng(seed)
    constraints = Constraints()
    for _ in range(rng.integers(0, 8)):
        constraints.add(rng.uniform(-5, 80), rng.choice([0.0, rng.uniform(0, 10)]), rng.uniform(0, 5), "x")
    m = int(rng.integers(2, 100))
    path_s, v_allow = np.arange(m, dtype=np.float64) - 8.0, rng.uniform(0.0, 9.0, m)
    speed = float(rng.choice([0.0, rng.uniform(0.0, 12.0)]))
    fast = idm_rollout(speed, path_s, v_allow, constraints, ExpertConfig().idm)
    reference = idm_rollout_reference(speed, path_s, v_allow, constraints, ExpertConfig().idm)
    np.testing.assert_array_equal(fast[0], reference[0])
    np.testing.assert_array_equal(fast[1], reference[1])


@settings(max_examples=500, deadline=None)
@given(SEEDS)
def test_scalar_interp_equals_numpy(seed) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 40))
    xp = np.sort(rng.uniform(-10.0, 60.0, m)) if rng.random() < 0.5 else np.arange(m, dtype=np.float64) - 3.5
    fp = rng.uniform(0.0, 9.0, m)
    if rng.random() < 0.2:
        fp[rng.integers(0, m)] = np.inf
    x = float(rng.choice([rng.uniform(-20.0, 70.0), xp[rng.integers(0, m)]]))
    assert interp(x, xp.tolist(), fp.tolist()) == float(np.interp(x, xp, fp)) or np.isnan(np.interp(x, xp, fp))


def reference_tracker_step(tracker_points, index, position, min_distance, max_distance) -> int:
    """The per-point loop of LMDrive's RoutePlanner as this package first wrote it."""
    reached, best, travelled = 0, -np.inf, 0.0
    for i in range(index + 1, len(tracker_points)):
        if travelled > max_distance:
            break
        travelled += float(np.linalg.norm(tracker_points[i] - tracker_points[i - 1]))
        distance = float(np.linalg.norm(tracker_points[i] - position))
        if best < distance <= min_distance:
            reached, best = i - index, distance
    return min(index + reached, len(tracker_points) - 2)


@settings(max_examples=200, deadline=None)
@given(SEEDS)
def test_route_tracker_follows_the_reference_loop(seed) -> None:
    rng = np.random.default_rng(seed)
    points = np.cumsum(rng.normal(0.0, 1.0, (80, 2)), axis=0)
    tracker = RouteTracker(points, np.zeros(80, dtype=np.int64), 1.0 + 4.0 * rng.random(), 50.0)
    position = points[0].copy()
    for _ in range(60):
        expected = reference_tracker_step(points, tracker.index, position, tracker.min_distance, tracker.max_distance)
        tracker.step(position)
        assert tracker.index == expected
        position = position + rng.normal(0.5, 1.0, 2)
