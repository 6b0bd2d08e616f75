"""Frame changes, box corners and angle wrapping: homogeneous-matrix oracles, round trips, the nuPlan kernel."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.geometry import box_corners, change_frame, to_global, to_local, wrap_angle
from sim.kernels.boxes import oriented_box_corners

coordinate = st.floats(-1e4, 1e4, allow_nan=False)
angle = st.floats(-20.0, 20.0, allow_nan=False)
poses = arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)), elements=coordinate)
pose = st.tuples(coordinate, coordinate, angle).map(np.array)


def homogeneous(origin: np.ndarray) -> np.ndarray:
    """The 3x3 matrix taking frame-of-``origin`` coordinates to global ones (the oracle)."""
    c, s = math.cos(origin[2]), math.sin(origin[2])
    return np.array([[c, -s, origin[0]], [s, c, origin[1]], [0.0, 0.0, 1.0]])


@given(poses, pose)
def test_to_global_is_the_homogeneous_transform(local: np.ndarray, origin: np.ndarray) -> None:
    expected = (homogeneous(origin) @ np.column_stack([local[:, :2], np.ones(len(local))]).T).T[:, :2]
    out = to_global(local, origin)
    np.testing.assert_allclose(out[:, :2], expected, rtol=0, atol=1e-8)
    np.testing.assert_array_equal(out[:, 2], local[:, 2] + origin[2])


@given(poses, pose)
def test_to_local_inverts_to_global(local: np.ndarray, origin: np.ndarray) -> None:
    back = to_local(to_global(local, origin), origin)
    np.testing.assert_allclose(back[:, :2], local[:, :2], rtol=0, atol=1e-8)
    np.testing.assert_allclose(back[:, 2], local[:, 2], rtol=0, atol=1e-12)


@given(poses, pose, pose)
def test_change_frame_round_trips_and_composes(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> None:
    there = change_frame(values, a, b)
    np.testing.assert_allclose(change_frame(there, b, a)[:, :2], values[:, :2], rtol=0, atol=1e-7)
    matrix = np.linalg.inv(homogeneous(b)) @ homogeneous(a)
    expected = (matrix @ np.column_stack([values[:, :2], np.ones(len(values))]).T).T[:, :2]
    np.testing.assert_allclose(there[:, :2], expected, rtol=0, atol=1e-7)


def test_points_and_poses_share_positions_and_origins_broadcast() -> None:
    rng = np.random.default_rng(0)
    local = rng.normal(size=(4, 5, 3))
    origins = rng.normal(size=(4, 1, 3))
    out = to_global(local, origins)
    assert out.shape == (4, 5, 3)
    np.testing.assert_array_equal(to_global(local[..., :2], origins), out[..., :2])
    for k in range(4):  # one origin per row equals the row transformed alone
        np.testing.assert_array_equal(out[k], to_global(local[k], origins[k, 0]))


def test_a_quarter_turn_by_hand() -> None:
    origin = np.array([10.0, 5.0, math.pi / 2])  # facing north
    np.testing.assert_allclose(to_global(np.array([2.0, 1.0]), origin), [9.0, 7.0], atol=1e-12)
    np.testing.assert_allclose(to_local(np.array([9.0, 7.0, 0.0]), origin), [2.0, 1.0, -math.pi / 2], atol=1e-12)


def test_bad_shapes_name_the_shape() -> None:
    with pytest.raises(ValueError, match=r"\(5, 4\)"):
        to_global(np.zeros((5, 4)), np.zeros(3))
    with pytest.raises(ValueError, match="origin"):
        to_local(np.zeros((5, 2)), np.zeros(2))
    with pytest.raises(ValueError, match="box poses"):
        box_corners(np.zeros((5, 2)), 4.0, 2.0)


@settings(max_examples=200)
@given(st.floats(-1e6, 1e6, allow_nan=False))
def test_wrap_angle_range_and_equivalence(value: float) -> None:
    wrapped = float(wrap_angle(value))
    assert -math.pi <= wrapped < math.pi
    assert math.isclose(math.cos(wrapped), math.cos(value), abs_tol=1e-6)
    assert math.isclose(math.sin(wrapped), math.sin(value), abs_tol=1e-6)


def test_wrap_angle_keeps_shapes_and_the_boundary() -> None:
    assert float(wrap_angle(math.pi)) == -math.pi
    assert wrap_angle(np.zeros((2, 3))).shape == (2, 3)


def test_box_corners_by_hand() -> None:
    corners = box_corners(np.array([1.0, 2.0, 0.0]), 4.0, 2.0)
    np.testing.assert_allclose(corners, [[3.0, 3.0], [-1.0, 3.0], [-1.0, 1.0], [3.0, 1.0]])  # FL, RL, RR, FR


@settings(deadline=None)  # the first call compiles the kernel
@given(arrays(np.float64, st.tuples(st.integers(1, 20), st.just(3)), elements=coordinate), st.integers(0, 2**31))
def test_box_corners_agree_with_the_scoring_kernel(centres: np.ndarray, seed: int) -> None:
    """The numba kernel keeps nuPlan's rounding; both describe the same box."""
    rng = np.random.default_rng(seed)
    length, width = rng.uniform(0.3, 12.0, len(centres)), rng.uniform(0.3, 4.0, len(centres))
    kernel = oriented_box_corners(np.ascontiguousarray(centres), length / 2.0, width / 2.0)
    np.testing.assert_allclose(box_corners(centres, length, width), kernel, rtol=0, atol=1e-9)


def test_box_corners_broadcast_sizes_over_leading_dimensions() -> None:
    centres = np.zeros((3, 2, 3))
    corners = box_corners(centres, np.array([[2.0], [4.0], [6.0]]), 1.0)
    assert corners.shape == (3, 2, 4, 2)
    np.testing.assert_allclose(corners[:, :, 0, 0], [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
