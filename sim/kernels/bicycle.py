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
from sim.kernels.lqr_step import (
    PROFILE_COS,
    PROFILE_CURVATURE,
    PROFILE_HEADING,
    PROFILE_ROWS,
    PROFILE_SIN,
    PROFILE_VELOCITY,
    PROFILE_X,
    PROFILE_Y,
    tracking_command,
)
from sim.kernels.lqr_tracker import (
    FIT_SCRATCH_ROWS,
    TrackerParam,
    fit_curvature_profile,
    fit_velocity_profile,
    heading_cos_sin,
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
    out[:] = bicycle_step(state, accel_cmd, steering_rate_cmd, bicycle_scalars(params), False)


@kernel
def bicycle_scalars(params: np.ndarray):
    """(dt [s], wheel base [m], max steering [rad], accel and steering time constants [s]) as scalars."""
    return (
        params[BicycleParam.DT],
        params[BicycleParam.WHEEL_BASE],
        params[BicycleParam.MAX_STEERING_ANGLE],
        params[BicycleParam.ACCEL_TIME_CONSTANT],
        params[BicycleParam.STEERING_TIME_CONSTANT],
    )


@kernel
def bicycle_step(state, accel_cmd, steering_rate_cmd, model, yaw_rate_is_derived: bool):
    """The next state of :func:`propagate_state_kernel` as an 11-tuple (StateIndex order).

    ``state`` is an 11-tuple or array, ``model`` the tuple of :func:`bicycle_scalars`. With
    ``yaw_rate_is_derived`` (``state`` came from this model) its yaw rate is ``speed *
    tan(steering) / wheel_base`` bit for bit (the same expression on the same values), so the
    heading update reuses it instead of a tangent.
    """
    dt, wheel_base, max_steering, accel_tau, steering_tau = model
    accel, steering = state[5], state[7]
    ideal_steering = dt * steering_rate_cmd + steering
    new_accel = dt / (dt + accel_tau) * (accel_cmd - accel) + accel
    filtered_steering = dt / (dt + steering_tau) * (ideal_steering - steering) + steering
    steering_rate = (filtered_steering - steering) / dt
    speed, heading = state[3], state[2]
    yaw_rate = state[9] if yaw_rate_is_derived else speed * math.tan(steering) / wheel_base
    new_speed = speed + new_accel * dt
    new_steering = min(max(steering + steering_rate * dt, -max_steering), max_steering)
    new_yaw_rate = new_speed * math.tan(new_steering) / wheel_base
    return (
        state[0] + speed * math.cos(heading) * dt,
        state[1] + speed * math.sin(heading) * dt,
        principal_value(heading + yaw_rate * dt),
        new_speed,
        0.0,
        new_accel,
        0.0,
        new_steering,
        steering_rate,
        new_yaw_rate,
        (new_yaw_rate - state[9]) / dt,
    )


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
    simulate_one(poses, initial, tracker, bicycle, out, simulation_scratch(poses.shape[0]))


@kernel
def simulation_scratch(num_poses: int) -> np.ndarray:
    """Work array of :func:`simulate_one` for references of ``num_poses`` poses (reusable across them)."""
    return np.empty((PROFILE_ROWS + FIT_SCRATCH_ROWS, num_poses - 1))


@kernel
def simulate_one(poses, initial, tracker, bicycle, out, scratch) -> None:
    """:func:`simulate_one_kernel` with a caller-owned ``scratch`` from :func:`simulation_scratch`."""
    num_profile = poses.shape[0] - 1
    profile, fit_scratch = scratch[:PROFILE_ROWS, :num_profile], scratch[PROFILE_ROWS:, :num_profile]
    velocity, curvature = profile[PROFILE_VELOCITY], profile[PROFILE_CURVATURE]
    cos_ref, sin_ref = profile[PROFILE_COS], profile[PROFILE_SIN]
    for k in range(num_profile):
        profile[PROFILE_X, k], profile[PROFILE_Y, k], profile[PROFILE_HEADING, k] = (
            poses[k, 0],
            poses[k, 1],
            poses[k, 2],
        )
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
    model = bicycle_scalars(bicycle)
    out[0, :] = initial
    state = (initial[0], initial[1], initial[2], initial[3], initial[4], initial[5], initial[6], initial[7],
             initial[8], initial[9], initial[10])  # fmt: skip
    for step in range(num_profile):
        accel, steering_rate = tracking_command(
            step, state[0], state[1], state[2], state[3], state[7], profile, tracker
        )
        state = bicycle_step(state, accel, steering_rate, model, step > 0)
        for column in range(11):
            out[step + 1, column] = state[column]


@kernel
def simulate_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Serial batch of :func:`simulate_one_kernel`: ``poses (N, P, 3)`` -> ``out (N, P, 11)``."""
    scratch = simulation_scratch(poses.shape[1])
    for index in range(poses.shape[0]):
        simulate_one(poses[index], initial, tracker, bicycle, out[index], scratch)


@parallel_kernel
def simulate_parallel_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Thread-parallel batch of :func:`simulate_one_kernel` (proposals are independent)."""
    for index in prange(poses.shape[0]):
        simulate_one_kernel(poses[index], initial, tracker, bicycle, out[index])  # scratch per proposal: threads
