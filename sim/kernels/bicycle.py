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
    TrackerParam,
    fit_curvature_profile,
    fit_scratch,
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


LANES = 16  # proposals tracked together: their dependency chains overlap and the fits run in SIMD lanes
STATE_COLUMNS = 11  # StateIndex columns


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
    batch = np.empty((1, poses.shape[0], STATE_COLUMNS))
    simulate_kernel(poses.reshape(1, poses.shape[0], 3), initial, tracker, bicycle, batch)
    out[:] = batch[0]


@kernel
def simulation_scratch(num_poses: int, lanes: int):
    """Work arrays of :func:`simulate_lanes` for references of ``num_poses`` poses in ``lanes`` lanes
    (reusable across groups)."""
    m = num_poses - 1
    return (
        np.empty((3, num_poses, lanes)),  # reference x, y, heading, lane-major
        np.empty((4, m, lanes)),  # cos and sin of the reference headings, fitted velocity and curvature
        fit_scratch(m, lanes),
        np.empty((lanes, PROFILE_ROWS, m)),  # each lane's profile, as the tracking step reads it
        np.empty((lanes, STATE_COLUMNS)),  # each lane's current state
    )


@kernel
def simulate_lanes(poses, first, count, initial, tracker, bicycle, out, scratch) -> None:
    """Track references ``poses[first:first + count]`` together, one per lane of ``scratch``.

    Lanes past ``count`` repeat the last reference and are not written. Each lane performs exactly
    the operations of a lone reference; interleaving only lets the CPU overlap the lanes' chains.
    """
    reference, fitted, work, profiles, states = scratch
    lanes = states.shape[0]
    num_poses = poses.shape[1]
    m = num_poses - 1
    for lane in range(lanes):
        source = first + min(lane, count - 1)
        for k in range(num_poses):
            for c in range(3):
                reference[c, k, lane] = poses[source, k, c]
    # 1. Velocity and curvature profiles of every lane
    dt = tracker[TrackerParam.DT]
    cos_ref, sin_ref, velocity, curvature = fitted[0], fitted[1], fitted[2], fitted[3]
    heading_cos_sin(reference[2], cos_ref, sin_ref)
    fit_velocity_profile(reference[0], reference[1], cos_ref, sin_ref, dt, tracker[TrackerParam.JERK_PENALTY],
                         velocity, work)  # fmt: skip
    fit_curvature_profile(reference[2], velocity, dt, tracker[TrackerParam.CURVATURE_RATE_PENALTY],
                          tracker[TrackerParam.INITIAL_CURVATURE_PENALTY], curvature, work)  # fmt: skip
    for lane in range(lanes):
        for k in range(m):
            profiles[lane, PROFILE_VELOCITY, k], profiles[lane, PROFILE_CURVATURE, k] = (
                velocity[k, lane],
                curvature[k, lane],
            )
            profiles[lane, PROFILE_COS, k], profiles[lane, PROFILE_SIN, k] = cos_ref[k, lane], sin_ref[k, lane]
            profiles[lane, PROFILE_X, k], profiles[lane, PROFILE_Y, k] = reference[0, k, lane], reference[1, k, lane]
            profiles[lane, PROFILE_HEADING, k] = reference[2, k, lane]
        states[lane, :] = initial
        if lane < count:
            out[first + lane, 0, :] = initial
    # 2. Track: every step of every lane
    model = bicycle_scalars(bicycle)
    for step in range(m):
        for lane in range(lanes):
            state = (states[lane, 0], states[lane, 1], states[lane, 2], states[lane, 3], states[lane, 4],
                     states[lane, 5], states[lane, 6], states[lane, 7], states[lane, 8], states[lane, 9],
                     states[lane, 10])  # fmt: skip
            accel, steering_rate = tracking_command(
                step, state[0], state[1], state[2], state[3], state[7], profiles, lane, tracker
            )
            state = bicycle_step(state, accel, steering_rate, model, step > 0)
            for column in range(STATE_COLUMNS):
                states[lane, column] = state[column]
            if lane < count:
                for column in range(STATE_COLUMNS):
                    out[first + lane, step + 1, column] = state[column]


@kernel
def simulate_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Serial batch of :func:`simulate_one_kernel`: ``poses (N, P, 3)`` -> ``out (N, P, 11)``."""
    lanes = max(1, min(LANES, poses.shape[0]))  # a small batch does not pay for idle lanes
    scratch = simulation_scratch(poses.shape[1], lanes)
    for first in range(0, poses.shape[0], lanes):
        simulate_lanes(poses, first, min(lanes, poses.shape[0] - first), initial, tracker, bicycle, out, scratch)


@parallel_kernel
def simulate_parallel_kernel(
    poses: np.ndarray, initial: np.ndarray, tracker: np.ndarray, bicycle: np.ndarray, out: np.ndarray
) -> None:
    """Thread-parallel batch of :func:`simulate_one_kernel` (groups of proposals are independent)."""
    groups = (poses.shape[0] + LANES - 1) // LANES
    for group in prange(groups):
        first = group * LANES
        scratch = simulation_scratch(poses.shape[1], LANES)  # per group: threads must not share it
        simulate_lanes(poses, first, min(LANES, poses.shape[0] - first), initial, tracker, bicycle, out, scratch)
