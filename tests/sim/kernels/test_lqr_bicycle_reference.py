"""Kernels of the LQR tracker and bicycle model against a slow batched-numpy oracle.

The oracle is written from the spec (navsim_scoring.md section 2.3 / 2.4) in the original's
formulation: dense regularised normal matrices solved with ``np.linalg.pinv``, batched over
proposals, and a Python loop over the 40 steps.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.kernels.bicycle import principal_value
from sim.kernels.interpolate import unwrap_kernel
from sim.kernels.linalg import solve_banded_arrow_kernel
from sim.kernels.lqr_tracker import fit_curvature_profile_kernel, fit_velocity_profile_kernel
from sim.scoring.simulation import simulate

DT = 0.1  # [s]
WHEEL_BASE = 3.089  # [m]


def _wrap(angle):
    return np.arctan2(np.sin(angle), np.cos(angle))


def _profile(initial, derivatives, dt):
    cumulative = np.cumsum(derivatives * dt, axis=-1)
    return initial[:, None] + np.pad(cumulative, [(0, 0), (1, 0)])


def oracle_profiles(poses, dt=DT, jerk=1e-4, rate=1e-2, initial_penalty=1e-10):
    """Velocity and curvature profiles ``(N, P - 1)`` by pinv of the dense normal matrices."""
    batch, m = poses.shape[0], poses.shape[1] - 1
    diffs = np.diff(poses, axis=1)
    headings = poses[:, :-1, 2]
    a_column = np.zeros((batch, 2 * m))
    a_column[:, 0::2], a_column[:, 1::2] = np.cos(headings), np.sin(headings)
    design = np.repeat(a_column[..., None] * dt**2, m, axis=2)
    design[..., 0] = a_column * dt
    design[:, np.repeat(np.triu(np.ones((m, m), dtype=bool), k=1), 2, axis=0)] = 0.0
    band = np.zeros((m - 2, m - 1))
    band[:, 1:] = np.eye(m - 2)
    band[:, :-1] = -np.eye(m - 2)  # overwrites the +1 entries, as the original does
    reg = np.block([np.zeros((m - 2, 1)), band])
    normal = np.einsum("bji,bjk->bik", design, design) + jerk * reg.T @ reg
    solution = np.einsum("bij,bkj,bk->bi", np.linalg.pinv(normal), design, diffs[..., :2].reshape(batch, -1))
    velocity = _profile(solution[:, 0], solution[:, 1:], dt)

    design = np.repeat(np.tri(m)[None], batch, axis=0)
    design[:, :, 0] = velocity * dt
    design[:, 1:, 1:] *= (velocity * dt**2)[:, 1:, None]
    penalty = rate * np.eye(m)
    penalty[0, 0] = initial_penalty
    normal = np.einsum("bji,bjk->bik", design, design) + penalty
    solution = np.einsum("bij,bkj,bk->bi", np.linalg.pinv(normal), design, _wrap(diffs[..., 2]))
    return velocity, _profile(solution[:, 0], solution[:, 1:], dt)


def _commands(step, poses, velocity, curvature, states, horizon=10):
    reference = poses[:, step]
    dx, dy = states[:, 0] - reference[:, 0], states[:, 1] - reference[:, 1]
    lateral = np.stack(
        [
            -dx * np.sin(reference[:, 2]) + dy * np.cos(reference[:, 2]),
            _wrap(states[:, 2] - reference[:, 2]),
            states[:, 7],
        ],
        axis=-1,
    )
    speed = states[:, 3]
    ref_idx = min(step + horizon, velocity.shape[1] - 1)
    speed_ref = velocity[:, ref_idx]
    window = np.repeat(curvature[:, ref_idx, None], horizon, axis=1)
    window[:, : ref_idx - step] = curvature[:, step:ref_idx]
    stop = (speed_ref <= 0.2) & (speed <= 0.2)
    accel = np.where(stop, -0.5 * (speed - speed_ref), -10.0 / 11.0 * (speed - speed_ref))
    speeds = _profile(speed, np.repeat(accel[:, None], horizon, axis=1), DT)[:, :horizon]
    a_mat, b_vec, g_vec = np.tile(np.eye(3), (len(speed), 1, 1)), np.zeros((len(speed), 3)), np.zeros((len(speed), 3))
    for j in range(horizon):
        step_mat = np.tile(np.eye(3), (len(speed), 1, 1))
        step_mat[:, 0, 1] = speeds[:, j] * DT
        step_mat[:, 1, 2] = speeds[:, j] * DT / WHEEL_BASE
        a_mat = step_mat @ a_mat
        b_vec = np.einsum("bij,bj->bi", step_mat, b_vec) + np.array([0.0, 0.0, DT])
        g_vec = np.einsum("bij,bj->bi", step_mat, g_vec)
        g_vec[:, 1] += -speeds[:, j] * window[:, j] * DT
    error = np.einsum("bij,bj->bi", a_mat, lateral) + g_vec
    error[:, 1:] = _wrap(error[:, 1:])
    weighted = b_vec * np.array([1.0, 10.0, 0.0])
    steer = -np.sum(weighted * error, axis=1) / (np.sum(weighted * b_vec, axis=1) + 1.0)
    return accel, np.where(stop, 0.0, steer)


def _propagate(states, accel_cmd, steer_cmd, dt):
    out = states.copy()
    accel = dt / (dt + 0.2) * (accel_cmd - states[:, 5]) + states[:, 5]
    steering = dt / (dt + 0.05) * (dt * steer_cmd + states[:, 7] - states[:, 7]) + states[:, 7]
    rate = (steering - states[:, 7]) / dt
    out[:, 0] += states[:, 3] * np.cos(states[:, 2]) * dt
    out[:, 1] += states[:, 3] * np.sin(states[:, 2]) * dt
    out[:, 2] = (states[:, 2] + states[:, 3] * np.tan(states[:, 7]) / WHEEL_BASE * dt + np.pi) % (2 * np.pi) - np.pi
    out[:, 3] += accel * dt
    out[:, 4], out[:, 5], out[:, 6], out[:, 8] = 0.0, accel, 0.0, rate
    out[:, 7] = np.clip(states[:, 7] + rate * dt, -np.pi / 3, np.pi / 3)
    out[:, 9] = out[:, 3] * np.tan(out[:, 7]) / WHEEL_BASE
    out[:, 10] = (out[:, 9] - states[:, 9]) / dt
    return out


def oracle_simulate(poses, initial):
    """``(N, P, 11)`` states of the original pipeline (batched numpy, pinv fits)."""
    velocity, curvature = oracle_profiles(poses)
    states = np.zeros(poses.shape[:2] + (11,))
    states[:, 0] = initial
    for step in range(poses.shape[1] - 1):
        accel, steer = _commands(step, poses, velocity, curvature, states[:, step])
        states[:, step + 1] = _propagate(states[:, step], accel, steer, 1e5 * 1e-6)
    return states


def _smooth_references(rng, count, steps=40):
    """Random smooth rear-axle references ``(count, steps + 1, 3)`` at 0.1 s from random poses."""
    speed = rng.uniform(0.0, 15.0, (count, 1)) + np.cumsum(rng.normal(0.0, 0.3, (count, steps)), axis=1)
    yaw_rate = rng.normal(0.0, 0.2, (count, 1)) + np.cumsum(rng.normal(0.0, 0.02, (count, steps)), axis=1)
    poses = np.zeros((count, steps + 1, 3))
    poses[:, 0] = rng.uniform([-100.0, -100.0, -np.pi], [100.0, 100.0, np.pi], (count, 3))
    for k in range(steps):
        heading = poses[:, k, 2]
        poses[:, k + 1, 0] = poses[:, k, 0] + speed[:, k] * np.cos(heading) * DT
        poses[:, k + 1, 1] = poses[:, k, 1] + speed[:, k] * np.sin(heading) * DT
        poses[:, k + 1, 2] = heading + yaw_rate[:, k] * DT
    poses[..., 2] = (poses[..., 2] + np.pi) % (2 * np.pi) - np.pi
    return poses


def _initial(pose, speed=5.0, accel=0.0):
    state = np.zeros(11)
    state[:3], state[3], state[5] = pose, speed, accel
    return state


def _edge_references():
    """(name, reference (41, 3), initial (11,)) for the degenerate cases the scorer meets."""
    t = np.arange(41) * DT
    straight = np.stack([10.0 * t, 0.0 * t, 0.0 * t], axis=1)
    stopping = np.stack([np.minimum(5.0 * t - 1.25 * t**2, 5.0), 0.0 * t, 0.0 * t], axis=1)
    angle = np.pi * t / 4.0
    u_turn = np.stack([8.0 * np.sin(angle), 8.0 * (1 - np.cos(angle)), angle], axis=1)
    u_turn[:, 2] = (u_turn[:, 2] + np.pi) % (2 * np.pi) - np.pi
    plus_two_pi = straight.copy()
    plus_two_pi[1::2, 2] += 2 * np.pi
    reversing = straight.copy()
    reversing[:, 2] = np.pi
    spin = np.zeros((41, 3))
    spin[:, 2] = np.linspace(0.0, 3.0, 41)
    return [
        ("all_zero_standing", np.zeros((41, 3)), _initial(np.zeros(3), speed=0.0)),
        ("all_zero_moving", np.zeros((41, 3)), _initial(np.zeros(3), speed=8.0, accel=1.0)),
        ("stopping", stopping, _initial(np.zeros(3), speed=5.0)),
        ("u_turn", u_turn, _initial(np.zeros(3), speed=6.0)),
        ("plus_two_pi", plus_two_pi, _initial(np.zeros(3), speed=10.0)),
        ("reversing_heading", reversing, _initial(np.zeros(3), speed=3.0)),
        ("spin_in_place", spin, _initial(np.zeros(3), speed=0.1)),
        ("offset_start", straight + [1.0, -0.5, 0.2], _initial(np.zeros(3), speed=12.0)),
    ]


def test_banded_arrow_solve_matches_dense_solve():
    rng = np.random.default_rng(0)
    n = 12
    band = rng.normal(size=(n + 1, n + 1))
    dense = np.zeros((n + 1, n + 1))
    for offset in (0, 1, 2):
        dense += np.diag(np.diag(band, offset), offset)
    dense[:n, n] = band[:n, n]
    dense = np.triu(dense) + np.triu(dense, 1).T
    dense += (np.abs(dense).sum(axis=1).max() + 1.0) * np.eye(n + 1)  # diagonally dominant: SPD
    rhs = rng.normal(size=n + 1)
    out = np.empty(n + 1)
    upper1 = np.append(np.diag(dense, 1)[:n], 0.0)[:n]
    upper2 = np.append(np.diag(dense, 2)[: n - 2], [0.0, 0.0])
    solve_banded_arrow_kernel(np.diag(dense)[:n].copy(), upper1, upper2, dense[:n, n].copy(), dense[n, n], rhs, out)
    np.testing.assert_allclose(out, np.linalg.solve(dense, rhs), rtol=0, atol=1e-12)


def test_profile_fits_match_pinv_oracle():
    rng = np.random.default_rng(1)
    poses = np.concatenate([_smooth_references(rng, 32), np.stack([ref for _, ref, _ in _edge_references()])])
    velocity, curvature = oracle_profiles(poses)
    for index in range(poses.shape[0]):
        v, c = np.empty(40), np.empty(40)
        fit_velocity_profile_kernel(poses[index], DT, 1e-4, v)
        fit_curvature_profile_kernel(poses[index], velocity[index], DT, 1e-2, 1e-10, c)
        np.testing.assert_allclose(v, velocity[index], rtol=0, atol=1e-9, err_msg=f"velocity, reference {index}")
        np.testing.assert_allclose(c, curvature[index], rtol=1e-9, atol=1e-9, err_msg=f"curvature, reference {index}")


def _assert_states_close(actual, expected, atol, label):
    difference = np.abs(actual - expected)
    difference[..., 2] = np.abs(_wrap(actual[..., 2] - expected[..., 2]))
    assert difference.max() <= atol, f"{label}: max difference {difference.max():.3e} > {atol:.1e}"


def test_simulation_matches_oracle_on_random_smooth_references():
    rng = np.random.default_rng(2)
    poses = _smooth_references(rng, 64)
    for index in range(0, 64, 16):
        initial = _initial(poses[index, 0] + rng.normal(0.0, 0.3, 3), speed=rng.uniform(0.0, 15.0))
        batch = poses[index : index + 16]
        expected = oracle_simulate(batch, initial)
        _assert_states_close(simulate(batch, initial), expected, 1e-8, f"serial batch {index}")
        _assert_states_close(simulate(batch, initial, parallel=True), expected, 1e-8, f"parallel batch {index}")


@pytest.mark.parametrize("case", _edge_references(), ids=lambda case: case[0])
def test_simulation_matches_oracle_on_edge_cases(case):
    _, reference, initial = case
    expected = oracle_simulate(reference[None], initial)
    actual = simulate(reference[None], initial)
    _assert_states_close(actual, expected, 1e-8, case[0])
    assert np.all(actual[:, 1:, [4, 6]] == 0.0), "vy and ay must be 0 in simulated rows"
    assert np.all(np.abs(actual[:, :, 7]) <= math.pi / 3), "steering must stay clipped"
    assert np.all((actual[:, 1:, 2] >= -math.pi) & (actual[:, 1:, 2] < math.pi)), "heading is a principal value"


def test_stopped_reference_keeps_a_standing_ego_still():
    states = simulate(np.zeros((1, 41, 3)), _initial(np.zeros(3), speed=0.0))
    assert np.all(states[0, :, :4] == 0.0) and np.all(states[0, :, 7:] == 0.0)


def test_unwrap_and_principal_value_follow_numpy():
    rng = np.random.default_rng(3)
    angles = np.concatenate([rng.uniform(-10, 10, 50), [np.pi, -np.pi, 3 * np.pi, 0.0, np.pi]])
    out = np.empty_like(angles)
    unwrap_kernel(angles, out)
    np.testing.assert_array_equal(out, np.unwrap(angles))
    for angle in (*angles, -np.pi, np.pi, 2 * np.pi, -3 * np.pi):
        assert principal_value(angle) == (angle + np.pi) % (2 * np.pi) - np.pi
        assert -np.pi <= principal_value(angle) < np.pi
