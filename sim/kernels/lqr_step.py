"""One step of NAVSIM's ``BatchLQRTracker``: the stopping P-controller, or the longitudinal LQR then
the lateral LQR over a 10-step linear time-varying composition, in the original's operation order.

Scalar helpers only (plus the profile array): numba reference-counts array arguments of a call,
which cost more than the arithmetic of a step.
"""

from __future__ import annotations

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.lqr_tracker import TrackerParam, wrap_angle

# Rows of the per-reference profile array that :func:`tracking_command` reads, ``(PROFILE_ROWS, P - 1)``.
PROFILE_VELOCITY, PROFILE_CURVATURE, PROFILE_COS, PROFILE_SIN, PROFILE_X, PROFILE_Y, PROFILE_HEADING = range(7)
PROFILE_ROWS = 7


@kernel
def lateral_command(
    lateral, heading, steering, speed, accel, profiles, lane, step, reference, horizon, dt, wheel_base, weights
) -> float:
    """Steering-rate command of the lateral LQR over ``horizon`` composed Euler steps.

    The curvature of composed step ``j`` is ``curvature[step + j]`` before ``reference`` and
    ``curvature[reference]`` from there on (the original pads its window with the last value), read
    from lane ``lane`` of ``profiles`` (see :func:`tracking_command`).
    ``weights`` = (q lateral, q heading, q steering, r). Scalars and one array only: numba
    reference-counts array arguments, which cost more than the arithmetic here.
    """
    a01, a02, a12 = 0.0, 0.0, 0.0
    b0, b1, b2 = 0.0, 0.0, 0.0
    g0, g1 = 0.0, 0.0
    offset = 0.0
    for j in range(horizon):
        kappa = profiles[lane, PROFILE_CURVATURE, min(step + j, reference)]
        v = speed + offset
        offset += accel * dt
        p = v * dt
        q = p / wheel_base
        affine = -v * kappa * dt
        # Left-multiply by [[1, p, 0], [0, 1, q], [0, 0, 1]]; the input adds dt to the steering row.
        a02 = a02 + p * a12
        a01 = a01 + p
        a12 = a12 + q
        b0 = b0 + p * b1
        b1 = b1 + q * b2
        b2 = b2 + dt
        g0 = g0 + p * g1
        g1 = g1 + affine
    e0 = lateral + a01 * heading + a02 * steering + g0
    e1 = wrap_angle(heading + a12 * steering + g1)
    e2 = wrap_angle(steering)
    w0, w1, w2 = b0 * weights[0], b1 * weights[1], b2 * weights[2]
    inverse = -1.0 / (w0 * b0 + w1 * b1 + w2 * b2 + weights[3])
    return inverse * (w0 * e0 + w1 * e1 + w2 * e2)


@kernel
def tracker_weights(params: np.ndarray):
    """(q lateral, q heading, q steering, r lateral) of a tracker parameter vector, as scalars."""
    return (
        params[TrackerParam.Q_LATERAL_ERROR],
        params[TrackerParam.Q_HEADING_ERROR],
        params[TrackerParam.Q_STEERING_ANGLE],
        params[TrackerParam.R_LATERAL],
    )


@kernel
def tracking_command(step, x, y, heading, speed, steering, profiles, lane, params):
    """Acceleration [m/s^2] and steering-rate [rad/s] commands at iteration ``step``.

    Args:
        step: iteration index k (the reference pose k is the current target).
        x, y, heading, speed, steering: the current state [m, m, rad, m/s, rad].
        profiles: ``(L, PROFILE_ROWS, P - 1)``: per lane, fitted velocity [m/s] and curvature [1/m]
            profiles, cos and sin of the reference headings, reference x, y [m] and heading [rad]
            (``PROFILE_*`` rows). Passed whole with the lane's index: a view per call would be
            reference-counted.
        lane: which reference of ``profiles``.
        params: ``(len(TrackerParam),)`` tracker parameters.
    """
    dx, dy = x - profiles[lane, PROFILE_X, step], y - profiles[lane, PROFILE_Y, step]
    lateral = -dx * profiles[lane, PROFILE_SIN, step] + dy * profiles[lane, PROFILE_COS, step]
    heading_error = wrap_angle(heading - profiles[lane, PROFILE_HEADING, step])
    horizon = int(params[TrackerParam.HORIZON])
    reference = min(step + horizon, profiles.shape[2] - 1)
    speed_ref = profiles[lane, PROFILE_VELOCITY, reference]
    stopping = params[TrackerParam.STOPPING_VELOCITY]
    if speed_ref <= stopping and speed <= stopping:
        return -params[TrackerParam.STOPPING_GAIN] * (speed - speed_ref), 0.0
    # One-step longitudinal LQR: constant acceleration held over the horizon.
    dt = params[TrackerParam.DT]
    lever = horizon * dt
    q_lon = params[TrackerParam.Q_LONGITUDINAL]
    inverse = -1.0 / (lever * q_lon * lever + params[TrackerParam.R_LONGITUDINAL])
    accel = inverse * lever * q_lon * (speed - speed_ref)
    steering_rate = lateral_command(
        lateral,
        heading_error,
        steering,
        speed,
        accel,
        profiles,
        lane,
        step,
        reference,
        horizon,
        dt,
        params[TrackerParam.WHEEL_BASE],
        tracker_weights(params),
    )
    return accel, steering_rate
