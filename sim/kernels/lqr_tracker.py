"""Per-proposal LQR tracker of NAVSIM's ``BatchLQRTracker``, as scalar numba kernels.

The original fits velocity and curvature profiles to the reference poses with regularised least
squares (pinv of 40x40 normal matrices), then per step runs a stopping P-controller or a one-step
longitudinal LQR followed by a lateral LQR over a 10-step linear time-varying composition.

Here the two fits are re-parameterised with cumulative variables (velocity offsets instead of
accelerations, curvature offsets instead of curvature rates). The minimiser is the same, but the
normal matrix becomes banded plus one dense row, solved in O(n) by
:func:`sim.kernels.linalg.solve_banded_arrow_kernel`, and it is better conditioned than the
original, so it agrees with the original's pinv to its own rounding level. The per-step control
law is in :mod:`sim.kernels.lqr_step`.
"""

from __future__ import annotations

import enum
import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.linalg import solve_banded_arrow


class TrackerParam(enum.IntEnum):
    """Entries of the tracker parameter vector ``(len(TrackerParam),)`` float64."""

    Q_LONGITUDINAL = 0  # [-] weight on velocity error
    R_LONGITUDINAL = 1  # [-] weight on acceleration
    Q_LATERAL_ERROR = 2  # [-]
    Q_HEADING_ERROR = 3  # [-]
    Q_STEERING_ANGLE = 4  # [-]
    R_LATERAL = 5  # [-] weight on steering rate
    DT = 6  # [s] discretisation time of the fits and of the LQR models
    HORIZON = 7  # [steps] tracking horizon (integer value)
    JERK_PENALTY = 8  # [-]
    CURVATURE_RATE_PENALTY = 9  # [-]
    INITIAL_CURVATURE_PENALTY = 10  # [-]
    STOPPING_GAIN = 11  # [1/s]
    STOPPING_VELOCITY = 12  # [m/s]
    WHEEL_BASE = 13  # [m]


@kernel
def wrap_angle(angle: float) -> float:
    """``normalize_angle`` of the original: atan2 of sine and cosine, in [-pi, pi]."""
    return math.atan2(math.sin(angle), math.cos(angle))


@kernel
def _add_penalty_row(
    diag: np.ndarray, upper1: np.ndarray, upper2: np.ndarray, top: int, c0: float, c1: float, c2: float, weight: float
) -> None:
    """Add ``weight * r r^T`` for the row ``r`` = (c0 at ``top``, c1 at ``top - 1``, c2 at ``top - 2``)."""
    coefficients = (c0, c1, c2)
    for first in range(3):
        i = top - first
        if i < 0:
            continue
        for second in range(first, 3):
            j = top - second
            if j < 0:
                continue
            value = weight * coefficients[first] * coefficients[second]
            if second == first:
                diag[i] += value
            elif second == first + 1:
                upper1[j] += value
            else:
                upper2[j] += value


@kernel
def fit_velocity_profile_kernel(poses: np.ndarray, dt: float, jerk_penalty: float, velocity: np.ndarray) -> None:
    """Least-squares velocity profile of a pose sequence (v0 and regularised accelerations).

    Args:
        poses: ``(P, 3)`` reference x [m], y [m], heading [rad], P >= 4.
        dt: [s] time between poses.
        jerk_penalty: weight of the original's acceleration regulariser (see the comment in the fit).
        velocity: ``(P - 1,)`` output [m/s], the profile at the start of each displacement.
    """
    m = poses.shape[0] - 1
    cos_ref, sin_ref = np.empty(m), np.empty(m)
    heading_cos_sin(poses, cos_ref, sin_ref)
    fit_velocity_profile(poses, cos_ref, sin_ref, dt, jerk_penalty, velocity, np.empty((FIT_SCRATCH_ROWS, m)))


@kernel
def heading_cos_sin(poses: np.ndarray, cos_ref: np.ndarray, sin_ref: np.ndarray) -> None:
    """cos and sin of the headings of ``poses[:len(cos_ref)]``: the fit and every tracking step read them."""
    for k in range(cos_ref.shape[0]):
        cos_ref[k], sin_ref[k] = math.cos(poses[k, 2]), math.sin(poses[k, 2])


FIT_SCRATCH_ROWS = 10  # rows of the fits' scratch ``(10, P - 1)``: banded system, solution and factor


@kernel
def fit_velocity_profile(
    poses: np.ndarray,
    cos_ref: np.ndarray,
    sin_ref: np.ndarray,
    dt: float,
    jerk_penalty: float,
    velocity: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """:func:`fit_velocity_profile_kernel` with the headings' cos / sin given and caller-owned ``scratch``."""
    m = poses.shape[0] - 1
    n = m - 1  # cumulative-acceleration unknowns Q_1..Q_{m-1}; v0 is ordered last
    dt2, dt3, dt4 = dt * dt, dt * dt * dt, dt * dt * dt * dt
    diag, upper1, upper2 = scratch[0, :n], scratch[1, :n], scratch[2, :n]
    upper1[:] = 0.0
    upper2[:] = 0.0
    arrow, rhs, solution = scratch[3, :n], scratch[4, : n + 1], scratch[5, : n + 1]
    corner, projected_sum = 0.0, 0.0
    for k in range(m):
        c, s = cos_ref[k], sin_ref[k]
        gain = c * c + s * s
        projected = c * (poses[k + 1, 0] - poses[k, 0]) + s * (poses[k + 1, 1] - poses[k, 1])
        corner += gain
        projected_sum += projected
        if k >= 1:
            diag[k - 1] = dt4 * gain
            arrow[k - 1] = dt3 * gain
            rhs[k - 1] = dt2 * projected
    # The original's "banded difference matrix" overwrites its +1 entries with the -I block, so its
    # regulariser is sum_{r < m-3} a_r^2 + (a_{m-2} - a_{m-3})^2, not a jerk. With a_r = Q_{r+1} - Q_r
    # (Q_0 = 0) a row is (1, -1, 0) below banded index r, and the last one (1, -2, 1) below m - 2.
    for r in range(m - 2):
        last = r == m - 3
        top = m - 2 if last else r
        _add_penalty_row(diag, upper1, upper2, top, 1.0, -2.0 if last else -1.0, 1.0 if last else 0.0, jerk_penalty)
    rhs[n] = dt * projected_sum
    solve_banded_arrow(diag, upper1, upper2, arrow, dt2 * corner, rhs, solution, scratch[6:])
    # Back to the original parameterisation: accelerations, integrated like the original cumsum.
    initial, cumulative, previous = solution[n], 0.0, 0.0
    velocity[0] = initial + 0.0
    for k in range(1, m):
        acceleration = solution[k - 1] - previous
        previous = solution[k - 1]
        cumulative += acceleration * dt
        velocity[k] = initial + cumulative


@kernel
def fit_curvature_profile_kernel(
    poses: np.ndarray,
    velocity: np.ndarray,
    dt: float,
    rate_penalty: float,
    initial_penalty: float,
    curvature: np.ndarray,
) -> None:
    """Least-squares curvature profile (kappa0 and curvature rates, rate-regularised).

    Args:
        poses: ``(P, 3)`` reference poses; only headings are read.
        velocity: ``(P - 1,)`` [m/s] fitted velocity profile.
        dt: [s] time between poses.
        rate_penalty: weight of the squared curvature rates.
        initial_penalty: weight of the squared initial curvature (keeps v = 0 solvable).
        curvature: ``(P - 1,)`` output [1/m].
    """
    scratch = np.empty((FIT_SCRATCH_ROWS, poses.shape[0] - 1))
    fit_curvature_profile(poses, velocity, dt, rate_penalty, initial_penalty, curvature, scratch)


@kernel
def fit_curvature_profile(
    poses: np.ndarray,
    velocity: np.ndarray,
    dt: float,
    rate_penalty: float,
    initial_penalty: float,
    curvature: np.ndarray,
    scratch: np.ndarray,
) -> None:
    """:func:`fit_curvature_profile_kernel` with caller-owned ``scratch (FIT_SCRATCH_ROWS, P - 1)``."""
    m = poses.shape[0] - 1
    n = m - 1
    dt2, dt3, dt4 = dt * dt, dt * dt * dt, dt * dt * dt * dt
    diag, upper1, upper2 = scratch[0, :n], scratch[1, :n], scratch[2, :n]
    upper2[:] = 0.0
    arrow, rhs, solution = scratch[3, :n], scratch[4, : n + 1], scratch[5, : n + 1]
    corner, weighted_sum = initial_penalty, 0.0
    for k in range(m):
        turn = wrap_angle(poses[k + 1, 2] - poses[k, 2])
        speed = velocity[k]
        corner += dt2 * speed * speed
        weighted_sum += speed * turn
        if k >= 1:
            # Rates are differences of cumulative curvatures K_k - K_{k-1}, K_0 = 0.
            diag[k - 1] = dt4 * speed * speed + (2.0 * rate_penalty if k < m - 1 else rate_penalty)
            upper1[k - 1] = -rate_penalty
            arrow[k - 1] = dt3 * speed * speed
            rhs[k - 1] = dt2 * speed * turn
    rhs[n] = dt * weighted_sum
    solve_banded_arrow(diag, upper1, upper2, arrow, corner, rhs, solution, scratch[6:])
    initial, cumulative, previous = solution[n], 0.0, 0.0
    curvature[0] = initial + 0.0
    for k in range(1, m):
        rate = solution[k - 1] - previous
        previous = solution[k - 1]
        cumulative += rate * dt
        curvature[k] = initial + cumulative
