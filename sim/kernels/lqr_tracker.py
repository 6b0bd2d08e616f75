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
    """Add ``weight * r r^T`` to every lane, ``r`` = (c0 at ``top``, c1 at ``top - 1``, c2 at ``top - 2``)."""
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
            target = diag if second == first else (upper1 if second == first + 1 else upper2)
            row = i if second == first else j
            for lane in range(diag.shape[1]):
                target[row, lane] += value


@kernel
def _one_lane(poses: np.ndarray) -> np.ndarray:
    """``(3, P, 1)`` lane-major x, y, heading of one pose sequence ``(P, 3)``."""
    reference = np.empty((3, poses.shape[0], 1))
    for k in range(poses.shape[0]):
        for c in range(3):
            reference[c, k, 0] = poses[k, c]
    return reference


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
    reference = _one_lane(poses)
    trig, out = np.empty((2, m, 1)), np.empty((m, 1))
    heading_cos_sin(reference[2], trig[0], trig[1])
    fit_velocity_profile(reference[0], reference[1], trig[0], trig[1], dt, jerk_penalty, out, fit_scratch(m, 1))
    velocity[:] = out[:, 0]


@kernel
def heading_cos_sin(heading: np.ndarray, cos_ref: np.ndarray, sin_ref: np.ndarray) -> None:
    """cos and sin ``(m, L)`` of the lane-major headings ``heading[:m]``: the fit and every tracking step read them."""
    for k in range(cos_ref.shape[0]):
        for lane in range(cos_ref.shape[1]):
            cos_ref[k, lane], sin_ref[k, lane] = math.cos(heading[k, lane]), math.sin(heading[k, lane])


FIT_SCRATCH_ROWS = 10  # rows of the fits' scratch ``(10, P - 1, L)``: banded system, solution and factor


@kernel
def fit_scratch(m: int, lanes: int) -> np.ndarray:
    """Scratch of the fits for ``m = P - 1`` displacements in ``lanes`` lanes."""
    return np.empty((FIT_SCRATCH_ROWS, m, lanes))


@kernel
def fit_velocity_profile(x, y, cos_ref, sin_ref, dt, jerk_penalty, velocity, scratch) -> None:
    """:func:`fit_velocity_profile_kernel` of ``L`` references in lanes.

    Args:
        x, y: ``(P, L)`` lane-major reference positions [m].
        cos_ref, sin_ref: ``(P - 1, L)`` of the reference headings (:func:`heading_cos_sin`).
        dt, jerk_penalty: as in :func:`fit_velocity_profile_kernel`.
        velocity: ``(P - 1, L)`` output [m/s].
        scratch: ``(FIT_SCRATCH_ROWS, P - 1, L)`` from :func:`fit_scratch`.
    """
    m, lanes = cos_ref.shape[0], cos_ref.shape[1]
    n = m - 1  # cumulative-acceleration unknowns Q_1..Q_{m-1}; v0 is ordered last
    dt2, dt3, dt4 = dt * dt, dt * dt * dt, dt * dt * dt * dt
    diag, upper1, upper2, arrow, rhs, solution = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5]
    upper1[:] = 0.0
    upper2[:] = 0.0
    corner, projected_sum = upper1[n], upper2[n]  # per-lane sums in the band's spare row n
    for k in range(m):
        for lane in range(lanes):
            c, s = cos_ref[k, lane], sin_ref[k, lane]
            gain = c * c + s * s
            projected = c * (x[k + 1, lane] - x[k, lane]) + s * (y[k + 1, lane] - y[k, lane])
            corner[lane] += gain
            projected_sum[lane] += projected
            if k >= 1:
                diag[k - 1, lane] = dt4 * gain
                arrow[k - 1, lane] = dt3 * gain
                rhs[k - 1, lane] = dt2 * projected
    # The original's "banded difference matrix" overwrites its +1 entries with the -I block, so its
    # regulariser is sum_{r < m-3} a_r^2 + (a_{m-2} - a_{m-3})^2, not a jerk. With a_r = Q_{r+1} - Q_r
    # (Q_0 = 0) a row is (1, -1, 0) below banded index r, and the last one (1, -2, 1) below m - 2.
    for r in range(m - 2):
        last = r == m - 3
        top = m - 2 if last else r
        _add_penalty_row(diag, upper1, upper2, top, 1.0, -2.0 if last else -1.0, 1.0 if last else 0.0, jerk_penalty)
    for lane in range(lanes):
        rhs[n, lane] = dt * projected_sum[lane]
        arrow[n, lane] = dt2 * corner[lane]
    solve_banded_arrow(n, diag, upper1, upper2, arrow, arrow[n], rhs, solution, scratch[6:])
    _integrate(solution, n, dt, velocity, diag[n])


@kernel
def _integrate(solution: np.ndarray, n: int, dt: float, profile: np.ndarray, cumulative: np.ndarray) -> None:
    """Back to the original parameterisation: derivatives of the cumulative unknowns, integrated like
    the original cumsum. ``solution (n + 1, L)`` ends with the initial values; ``cumulative (L,)`` is scratch."""
    lanes = profile.shape[1]
    for lane in range(lanes):
        profile[0, lane] = solution[n, lane] + 0.0
        cumulative[lane] = 0.0
    for k in range(1, n + 1):
        for lane in range(lanes):
            derivative = solution[k - 1, lane] - (solution[k - 2, lane] if k >= 2 else 0.0)
            cumulative[lane] += derivative * dt
            profile[k, lane] = solution[n, lane] + cumulative[lane]


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
    m = poses.shape[0] - 1
    speeds, out = np.empty((m, 1)), np.empty((m, 1))
    speeds[:, 0] = velocity
    reference = _one_lane(poses)
    fit_curvature_profile(reference[2], speeds, dt, rate_penalty, initial_penalty, out, fit_scratch(m, 1))
    curvature[:] = out[:, 0]


@kernel
def fit_curvature_profile(heading, velocity, dt, rate_penalty, initial_penalty, curvature, scratch) -> None:
    """:func:`fit_curvature_profile_kernel` of ``L`` references in lanes: ``heading (P, L)``,
    ``velocity`` and ``curvature`` ``(P - 1, L)``, ``scratch`` from :func:`fit_scratch`."""
    m, lanes = velocity.shape[0], velocity.shape[1]
    n = m - 1
    dt2, dt3, dt4 = dt * dt, dt * dt * dt, dt * dt * dt * dt
    diag, upper1, upper2, arrow, rhs, solution = scratch[0], scratch[1], scratch[2], scratch[3], scratch[4], scratch[5]
    upper2[:] = 0.0
    turn = solution  # the heading changes live in the solution rows until the solve
    for k in range(m):
        for lane in range(lanes):
            turn[k, lane] = wrap_angle(heading[k + 1, lane] - heading[k, lane])
    corner, weighted_sum = upper1[n], upper2[n]  # per-lane sums in the band's spare row n
    corner[:] = initial_penalty
    for k in range(m):
        for lane in range(lanes):
            speed = velocity[k, lane]
            corner[lane] += dt2 * speed * speed
            weighted_sum[lane] += speed * turn[k, lane]
            if k >= 1:
                # Rates are differences of cumulative curvatures K_k - K_{k-1}, K_0 = 0.
                diag[k - 1, lane] = dt4 * speed * speed + (2.0 * rate_penalty if k < m - 1 else rate_penalty)
                upper1[k - 1, lane] = -rate_penalty
                arrow[k - 1, lane] = dt3 * speed * speed
                rhs[k - 1, lane] = dt2 * speed * turn[k, lane]
    for lane in range(lanes):
        rhs[n, lane] = dt * weighted_sum[lane]
        arrow[n, lane] = corner[lane]
    solve_banded_arrow(n, diag, upper1, upper2, arrow, arrow[n], rhs, solution, scratch[6:])
    _integrate(solution, n, dt, curvature, diag[n])
