"""The ray-cast kernel against a slow oracle that marches along every ray in small steps."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.raycast import GROUND_HIT, NO_HIT, raycast_kernel
from sim.world.raycast import RayTargets, cast_rays

STEP = 0.01  # [m] the oracle's march step
MAX_RANGE = 25.0  # [m]


def march_oracle(origin, directions, centers, half_sizes, yaws, ground_z, max_range):
    """First marched point inside a box (not holding the origin) or below the ground, per ray."""
    t = np.arange(STEP, max_range + STEP, STEP)
    points = origin[None, None] + t[None, :, None] * directions[:, None, :]  # (R, T, 3)
    first = np.full(directions.shape[0], np.inf)
    hit = np.full(directions.shape[0], NO_HIT)
    below = points[..., 2] <= ground_z
    for index in range(centers.shape[0]):
        c, s = np.cos(yaws[index]), np.sin(yaws[index])
        rel = points - centers[index]
        local = np.stack([c * rel[..., 0] + s * rel[..., 1], -s * rel[..., 0] + c * rel[..., 1], rel[..., 2]], -1)
        inside = np.all(np.abs(local) <= half_sizes[index], axis=-1)
        origin_local = origin - centers[index]
        if np.all(np.abs([c * origin_local[0] + s * origin_local[1], -s * origin_local[0] + c * origin_local[1],
                          origin_local[2]]) <= half_sizes[index]):  # fmt: skip
            continue  # a sensor sees out of the box it sits in
        entered = inside.any(axis=1)
        distance = np.where(entered, t[np.argmax(inside, axis=1)], np.inf)
        closer = distance < first
        first[closer], hit[closer] = distance[closer], index
    ground = np.where(below.any(axis=1), t[np.argmax(below, axis=1)], np.inf)
    closer = ground < first
    first[closer], hit[closer] = ground[closer], GROUND_HIT
    return first, hit


def random_scene(seed: int):
    rng = np.random.default_rng(seed)
    boxes = 6
    centers = np.column_stack([rng.uniform(-15, 15, (boxes, 2)), rng.uniform(0.5, 1.5, boxes)])
    half = np.column_stack([rng.uniform(0.3, 2.5, boxes), rng.uniform(0.3, 1.2, boxes), rng.uniform(0.5, 1.0, boxes)])
    yaws = rng.uniform(-np.pi, np.pi, boxes)
    origin = np.array([0.0, 0.0, rng.uniform(1.0, 2.5)])
    # rays aimed near box centres (solid hits) and in random directions (ground, misses)
    aims = centers[rng.integers(0, boxes, 40)] + rng.normal(0.0, 0.5, (40, 3)) - origin
    directions = np.vstack([aims, rng.normal(size=(60, 3))])
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    return origin, directions, centers, half, yaws


@pytest.mark.parametrize("seed", range(6))
def test_the_kernel_finds_the_first_surface_the_oracle_marches_into(seed):
    origin, directions, centers, half, yaws = random_scene(seed)
    ground_z = 0.0
    distances, hits = raycast_kernel(origin, directions, centers, half, yaws, ground_z, MAX_RANGE)
    expected, expected_hits = march_oracle(origin, directions, centers, half, yaws, ground_z, MAX_RANGE)
    found = np.isfinite(expected)
    np.testing.assert_array_equal(np.isfinite(distances), found)
    np.testing.assert_array_equal(hits, expected_hits)
    assert np.all(distances[found] <= expected[found] + 1e-9)
    assert np.all(expected[found] - distances[found] <= STEP + 1e-9)
    assert {GROUND_HIT, NO_HIT} <= set(hits.tolist()) and (hits >= 0).any()


def test_a_ray_from_inside_a_box_sees_out_and_hits_beyond():
    centers = np.array([[0.0, 0.0, 1.0], [10.0, 0.0, 1.0]])
    half = np.array([[2.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    distances, hits = raycast_kernel(np.array([0.0, 0.0, 1.0]), np.array([[1.0, 0.0, 0.0]]), centers, half,
                                     np.zeros(2), -5.0, 50.0)  # fmt: skip
    assert hits[0] == 1 and distances[0] == pytest.approx(9.0)


def test_the_wrapper_checks_its_input_and_skips_far_boxes_without_changing_hits():
    origin, directions, centers, half, yaws = random_scene(11)
    targets = RayTargets(centers, half, yaws, np.zeros_like(centers), np.zeros(len(yaws), dtype=np.int64), 0.0)
    distances, hits = cast_rays(origin, directions, targets, 8.0)
    expected, expected_hits = raycast_kernel(origin, directions, centers, half, yaws, 0.0, 8.0)
    np.testing.assert_array_equal(hits, expected_hits)
    np.testing.assert_array_equal(distances, expected)
    with pytest.raises(ValueError, match="origin"):
        cast_rays(np.zeros(2), directions, targets, 8.0)
    with pytest.raises(ValueError, match="unit vectors"):
        cast_rays(origin, 2.0 * directions, targets, 8.0)
    with pytest.raises(ValueError, match="max_range"):
        cast_rays(origin, directions, targets, 0.0)
