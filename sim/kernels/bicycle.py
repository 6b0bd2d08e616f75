"""Kinematic bicycle model of NAVSIM's ``BatchKinematicBicycleModel`` and the tracked rollout.

Rear axle is the reference point. Commands pass a first-order low-pass, then the state is
integrated by explicit Euler with the OLD speed, heading and steering angle, exactly as the
original (its ``propagating_state`` only changes accelerations and the steering rate).
"""

from __future__ import annotations

import enum
import math

import numpy as np

from sim.kernels._jit import kernel, parallel_kernel, prange
from sim.kernels.lqr_tracker import (
    FIT_SCRATCH_ROWS,
    TrackerParam,
    fit_curvature_profile,
    fit_velocity_profile,
    heading_cos_sin,
    track_step_kernel,
)

TWO_PI = 2.0 * math.pi  # [rad]


class BicycleParam(enum.IntEnum):
    """Entries of the bicycle parameter vector ``(len(BicycleParam),)`` float64."""

    WHEEL_BASE = 0  # [m]
    MAX_STEERING_ANGLE = 1  # [rad]
    ACCEL_TIME_CONSTANT = 2  # [s]
    STEERING_TIME_CONSTANT = 3  # [s]
    DT = 4  # [s] integration step


@kernel
def principal_value(angle: float) -> float:
    """nuPlan's ``principal_value``: wrap to [-pi, pi) with Python-style modulo."""
    shifted = angle + math.pi
    if 0.0 <= shifted < TWO_PI:
        return shifted - math.pi  # the modulo would return ``shifted`` unchanged: skip its fmod
    return shifted % TWO_PI - math.pi


@kernel
def propagate_state_kernel(
    state: np.ndarray, accel_cmd: float, steering_rate_cmd: float, params: np.ndarray, out: np.ndarray
) -> None:
    """One step of the bicycle model.

    Args:
        state: ``(11,)`` current state, StateIndex columns.
        accel_cmd: [m/s^2] commanded longitudinal acceleration.
        steering_rate_cmd: [rad/s] commanded steering rate.
        params: ``(len(BicycleParam),)`` model parameters.
        out: ``(11,)`` receives the next state (may not alias ``state``).
    """
    propagate_state(state, accel_cmd, steering_rate_cmd, params, out, False)


@kernel
def propagate_state(state, accel_cmd, steering_rate_cmd, params, out, yaw_rate_is_derived: bool) -> None:
    """:func:`propagate_state_kernel`; ``yaw_rate_is_derived``: ``state`` came from this model.

    Then ``state``'s yaw rate is ``speed * tan(steering) / wheel_base`` bit for bit (the same
    expression evaluated on the same values), so the heading update reuses it instead of a tangent.
    """
    dt = params[BicycleParam.DT]
    wheel_base = params[BicycleParam.WHEEL_BASE]
    max_steering = params[BicycleParam.MAX_STEERING_ANGLE]
    accel, steering = state[5], state[7]
    ideal_steering = dt * steering_rate_cmd + steering
    new_accel = dt / (dt + params[BicycleParam.ACCEL_TIME_CONSTANT]) * (accel_cmd - accel) + accel
    filtered_steering = dt / (dt + params[BicycleParam.STEERING_TIME_CONSTANT]) * (ideal_steering - steering) + steering
    steering_rate = (filtered_steering - steering) / dt
    speed, heading = state[3], state[2]
    out[0] = state[0] + speed * math.cos(heading) * dt
    out[1] = state[1] + speed * math.sin(heading) * dt
    yaw_rate = state[9] if yaw_rate_is_derived else speed * math.tan(steering) / wheel_base
    out[2] = principal_value(heading + yaw_rate * dt)
    out[3] = speed + new_accel * dt
    out[4] = 0.0
    out[5] = new_accel
    out[6] = 0.0
    out[7] = min(max(steering + steering_rate * dt, -max_steering), max_steering)
    out[8] = steering_rate
    out[9] = out[3] * math.tan(out[7]) / wheel_base
    out[10] = (out[9] - state[9]) / dt


@kernel
def simulate_one_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Track one reference with LQR + bicycle model.

    Args:
        poses: ``(P, 3)`` reference x [m], y [m], heading [rad], global, rear axle, P >= 4.
        initial: ``(11,)`` initial state.
        tracker: ``(len(TrackerParam),)`` tracker parameters.
        bicycle: ``(len(BicycleParam),)`` bicycle parameters.
        out: ``(P, 11)`` receives the states; row 0 is ``initial``.
    """
    simulate_one(poses, initial, tracker, bicycle, out, simulation_scratch(poses.shape[0], tracker))


@kernel
def simulation_scratch(num_poses: int, tracker: np.ndarray) -> np.ndarray:
    """Work array of :func:`simulate_one` for references of ``num_poses`` poses (reusable across them)."""
    rows = _PROFILE_ROWS + FIT_SCRATCH_ROWS
    return np.empty((rows, max(num_poses - 1, int(tracker[TrackerParam.HORIZON]))))


_PROFILE_ROWS = 5  # velocity, curvature, cos and sin of the reference headings, curvature window


@kernel
def simulate_one(poses, initial, tracker, bicycle, out, scratch) -> None:
    """:func:`simulate_one_kernel` with a caller-owned ``scratch`` from :func:`simulation_scratch`."""
    num_profile = poses.shape[0] - 1
    velocity, curvature = scratch[0, :num_profile], scratch[1, :num_profile]
    cos_ref, sin_ref = scratch[2, :num_profile], scratch[3, :num_profile]
    window = scratch[4, : int(tracker[TrackerParam.HORIZON])]
    fit_scratch = scratch[_PROFILE_ROWS:, :num_profile]
    dt = tracker[TrackerParam.DT]
    heading_cos_sin(poses, cos_ref, sin_ref)
    fit_velocity_profile(poses, cos_ref, sin_ref, dt, tracker[TrackerParam.JERK_PENALTY], velocity, fit_scratch)
    fit_curvature_profile(
        poses,
        velocity,
        dt,
        tracker[TrackerParam.CURVATURE_RATE_PENALTY],
        tracker[TrackerParam.INITIAL_CURVATURE_PENALTY],
        curvature,
        fit_scratch,
    )
    out[0, :] = initial
    for step in range(num_profile):
        accel, steering_rate = track_step_kernel(
            step, poses, cos_ref, sin_ref, velocity, curvature, out[step], tracker, window
        )
        propagate_state(out[step], accel, steering_rate, bicycle, out[step + 1], step > 0)


@kernel
def simulate_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Serial batch of :func:`simulate_one_kernel`: ``poses (N, P, 3)`` -> ``out (N, P, 11)``."""
    scratch = simulation_scratch(poses.shape[1], tracker)
    for index in range(poses.shape[0]):
        simulate_one(poses[index], initial, tracker, bicycle, out[index], scratch)


@parallel_kernel
def simulate_parallel_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Thread-parallel batch of :func:`simulate_one_kernel` (proposals are independent)."""
    for index in prange(poses.shape[0]):
        simulate_one_kernel(poses[index], initial, tracker, bicycle, out[index])  # scratch per proposal: threads
