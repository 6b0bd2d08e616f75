"""Ego corners against a shapely oracle (rotate/translate a box)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import affinity

from sim.scoring.ego_geometry import CornerIndex, ego_corners
from sim.types import PACIFICA, STATE_SIZE


def reference_polygon(x: float, y: float, heading: float) -> shapely.Polygon:
    half_l, half_w = PACIFICA.length / 2, PACIFICA.width / 2
    box = shapely.box(-half_l, -half_w, half_l, half_w)
    box = affinity.translate(box, PACIFICA.rear_axle_to_center, 0.0)
    return affinity.translate(affinity.rotate(box, heading, origin=(0, 0), use_radians=True), x, y)


def test_corners_match_shapely_on_random_poses() -> None:
    rng = np.random.default_rng(1)
    states = np.zeros((50, STATE_SIZE))
    states[:, :3] = rng.uniform([-100, -100, -7], [100, 100, 7], size=(50, 3))
    corners = ego_corners(states)
    for state, corner in zip(states, corners, strict=True):
        ours = shapely.Polygon(corner[:4])
        assert ours.is_valid and ours.exterior.is_ccw
        assert ours.symmetric_difference(reference_polygon(*state[:3])).area < 1e-9


def test_front_left_is_ahead_and_left_at_zero_heading() -> None:
    corners = ego_corners(np.zeros(STATE_SIZE))
    assert np.allclose(corners[CornerIndex.FRONT_LEFT], [PACIFICA.front_length, PACIFICA.width / 2])
    assert np.allclose(corners[CornerIndex.REAR_RIGHT], [-PACIFICA.rear_length, -PACIFICA.width / 2])
    assert np.allclose(corners[CornerIndex.CENTER], [PACIFICA.rear_axle_to_center, 0.0])


def test_batch_shape_is_kept() -> None:
    assert ego_corners(np.zeros((3, 41, STATE_SIZE))).shape == (3, 41, 5, 2)


def test_nan_is_rejected() -> None:
    states = np.zeros((2, STATE_SIZE))
    states[1, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ego_corners(states)
