"""NAVSIM's trajectory simulation: interpolation, batched LQR tracking and the kinematic bicycle.

Pure functions, arrays in and arrays out. Frames: proposals are local (ego rear axle at t0),
references and states are global; states use :class:`sim.types.StateIndex` columns. Times are
handled in integer microseconds like the original (``time_us``), so knot and sample times that are
multiples of 1 us introduce no rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.geometry import to_global, wrap_angle
from sim.kernels.bicycle import BicycleParam, simulate_kernel, simulate_parallel_kernel
from sim.kernels.interpolate import interpolate_poses_kernel
from sim.kernels.lqr_tracker import TrackerParam
from sim.types import PACIFICA, STATE_SIZE, StateIndex, TrajectorySampling, VehicleParameters

MICROSECONDS_PER_SECOND = 1_000_000  # [us/s]
NUM_STEPS = 40  # [steps] NAVSIM simulates 4 s at 10 Hz
STEP_DT = 0.1  # [s]
MIN_REFERENCE_POSES = 4  # the jerk-regularised velocity fit needs >= 3 displacements


@dataclass(frozen=True)
class LqrTrackerConfig:
    """Defaults of NAVSIM's ``BatchLQRTracker``; the discretisation time is ``simulate``'s ``dt``."""

    q_longitudinal: float = 10.0  # [-] velocity error weight
    r_longitudinal: float = 1.0  # [-] acceleration weight
    q_lateral: tuple[float, float, float] = (1.0, 10.0, 0.0)  # [-] lateral, heading, steering errors
    r_lateral: float = 1.0  # [-] steering-rate weight
    tracking_horizon: int = 10  # [steps]
    jerk_penalty: float = 1e-4  # [-]
    curvature_rate_penalty: float = 1e-2  # [-]
    initial_curvature_penalty: float = 1e-10  # [-] keeps the curvature fit solvable at v = 0
    stopping_proportional_gain: float = 0.5  # [1/s]
    stopping_velocity: float = 0.2  # [m/s]

    def to_array(self, dt: float, wheel_base: float) -> np.ndarray:
        """``(len(TrackerParam),)`` float64 parameter vector for the kernels."""
        params = np.empty(len(TrackerParam))
        params[TrackerParam.Q_LONGITUDINAL] = self.q_longitudinal
        params[TrackerParam.R_LONGITUDINAL] = self.r_longitudinal
        params[TrackerParam.Q_LATERAL_ERROR : TrackerParam.Q_STEERING_ANGLE + 1] = self.q_lateral
        params[TrackerParam.R_LATERAL] = self.r_lateral
        params[TrackerParam.DT] = dt
        params[TrackerParam.HORIZON] = self.tracking_horizon
        params[TrackerParam.JERK_PENALTY] = self.jerk_penalty
        params[TrackerParam.CURVATURE_RATE_PENALTY] = self.curvature_rate_penalty
        params[TrackerParam.INITIAL_CURVATURE_PENALTY] = self.initial_curvature_penalty
        params[TrackerParam.STOPPING_GAIN] = self.stopping_proportional_gain
        params[TrackerParam.STOPPING_VELOCITY] = self.stopping_velocity
        params[TrackerParam.WHEEL_BASE] = wheel_base
        return params


@dataclass(frozen=True)
class BicycleModelConfig:
    """Defaults of NAVSIM's ``BatchKinematicBicycleModel``."""

    max_steering_angle: float = math.pi / 3.0  # [rad]
    accel_time_constant: float = 0.2  # [s]
    steering_angle_time_constant: float = 0.05  # [s]

    def to_array(self, dt: float, wheel_base: float) -> np.ndarray:
        """``(len(BicycleParam),)`` float64 parameter vector for the kernels."""
        params = np.empty(len(BicycleParam))
        params[BicycleParam.WHEEL_BASE] = wheel_base
        params[BicycleParam.MAX_STEERING_ANGLE] = self.max_steering_angle
        params[BicycleParam.ACCEL_TIME_CONSTANT] = self.accel_time_constant
        params[BicycleParam.STEERING_TIME_CONSTANT] = self.steering_angle_time_constant
        # nuPlan integrates with TimeDuration.time_s = time_us * 1e-6 (0.1 s -> 0.09999999999999999).
        params[BicycleParam.DT] = _to_us(dt, "dt") * 1e-6
        return params


@dataclass(frozen=True)
class SimulationResult:
    """Simulated proposals.

    Attributes:
        reference: ``(N, 41, 3)`` interpolated reference x [m], y [m], heading [rad], global.
        states: ``(N, 41, 11)`` simulated states, :class:`StateIndex` columns, row k at t = 0.1 k s.
    """

    reference: np.ndarray
    states: np.ndarray


def _checked(name: str, value, trailing: tuple[int | None, ...], ndim: int | None = None) -> np.ndarray:
    """Contiguous float64 copy of ``value`` whose trailing shape matches ``trailing`` (None = any)."""
    try:
        array = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} must be a numeric array, got {type(value).__name__} ({error})") from error
    ndim = len(trailing) if ndim is None else ndim
    matches = array.ndim == ndim and all(
        want is None or got == want for got, want in zip(array.shape[ndim - len(trailing) :], trailing, strict=True)
    )
    if not matches:
        want = "(" + ", ".join("*" if w is None else str(w) for w in trailing) + ")"
        raise ValueError(f"{name} must have shape {want} with {ndim} dimensions, got {array.shape}")
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(f"{name} contains NaN or inf (first at index {tuple(int(i) for i in bad)})")
    return array


def _to_us(seconds: float, name: str) -> int:
    if not (isinstance(seconds, (int, float, np.floating)) and math.isfinite(seconds) and seconds > 0.0):
        raise ValueError(f"{name} must be a positive finite number of seconds, got {seconds!r}")
    micros = round(float(seconds) * MICROSECONDS_PER_SECOND)
    if micros < 1:
        raise ValueError(f"{name} = {seconds!r} s is below the 1 us time resolution")
    return micros


def _check_steps(num_steps: int) -> None:
    if not isinstance(num_steps, (int, np.integer)) or num_steps < MIN_REFERENCE_POSES - 1:
        raise ValueError(f"num_steps must be an integer >= {MIN_REFERENCE_POSES - 1}, got {num_steps!r}")


def local_to_global(poses_local, origin) -> np.ndarray:
    """Compose local poses ``(..., P, 3)`` with ``origin (3,)`` (x, y, heading): ``(..., P, 3)`` global.

    Headings are wrapped to [-pi, pi).
    """
    origin = _checked("origin", origin, (3,))
    poses = _checked("poses_local", poses_local, (3,), ndim=max(np.ndim(poses_local), 2))
    out = to_global(poses, origin)
    out[..., 2] = wrap_angle(out[..., 2])
    return out


def interpolate_reference(origin, poses_global, interval: float, num_steps: int = NUM_STEPS, dt: float = STEP_DT):
    """NAVSIM's ``transform_trajectory`` + ``get_trajectory_as_array`` on global poses.

    Args:
        origin: ``(3,)`` ego rear-axle pose at t = 0 (x [m], y [m], heading [rad]), the first knot.
        poses_global: ``(N, P, 3)`` poses at t = (k + 1) * interval.
        interval: [s] spacing of the poses.
        num_steps: number of steps; the output has ``num_steps + 1`` samples.
        dt: [s] sample spacing; samples past the last pose hold the last pose.

    Returns:
        ``(N, num_steps + 1, 3)`` x, y and heading wrapped to [-pi, pi).
    """
    origin = _checked("origin", origin, (3,))
    poses = _checked("poses_global", poses_global, (None, 3), ndim=3)
    _check_steps(num_steps)
    step_us, interval_us = _to_us(dt, "dt"), _to_us(interval, "interval")
    knot_times = np.arange(poses.shape[1] + 1, dtype=np.float64) * interval_us
    knots = np.empty((poses.shape[0], poses.shape[1] + 1, 3))
    knots[:, 0] = origin
    knots[:, 1:] = poses
    sample_times = np.arange(num_steps + 1, dtype=np.float64) * step_us
    return interpolate_poses_kernel(knot_times, knots, sample_times)


def reference_from_timed_poses(timed, num_steps: int = NUM_STEPS, dt: float = STEP_DT) -> np.ndarray:
    """Sample a timed pose sequence ``(K, 4)`` (t [s], x, y, heading) at ``k * dt``: ``(num_steps + 1, 3)``.

    This is how the scene's cached PDM-Closed trajectory is fed to the simulator. Times must be
    strictly increasing; samples outside their span hold the end poses.
    """
    timed = _checked("timed", timed, (None, 4), ndim=2)
    _check_steps(num_steps)
    if timed.shape[0] < 2:
        raise ValueError(f"timed needs at least 2 rows, got {timed.shape[0]}")
    knot_times = np.round(timed[:, 0] * MICROSECONDS_PER_SECOND)
    if np.any(np.diff(knot_times) <= 0):
        raise ValueError(f"timed times must be strictly increasing (at 1 us resolution), got {timed[:, 0]}")
    sample_times = np.arange(num_steps + 1, dtype=np.float64) * _to_us(dt, "dt")
    knots = np.ascontiguousarray(timed[None, :, 1:])
    return interpolate_poses_kernel(knot_times, knots, sample_times)[0]


def state_from_components(x, y, heading, vx, vy, ax, ay) -> np.ndarray:
    """``(11,)`` state with pose, body-frame velocity and acceleration; steering and yaw terms 0."""
    values = _checked("state components", [x, y, heading, vx, vy, ax, ay], (7,))
    state = np.zeros(STATE_SIZE)
    state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING, StateIndex.VX]] = values[:4]
    state[[StateIndex.VY, StateIndex.AX, StateIndex.AY]] = values[4:]
    return state


def simulate(
    reference_xyh,
    initial_state,
    dt: float = STEP_DT,
    vehicle: VehicleParameters = PACIFICA,
    tracker: LqrTrackerConfig = LqrTrackerConfig(),  # noqa: B008 - frozen, immutable default
    bicycle: BicycleModelConfig = BicycleModelConfig(),  # noqa: B008 - frozen, immutable default
    parallel: bool = False,
) -> np.ndarray:
    """NAVSIM's ``PDMSimulator.simulate_proposals``: LQR tracking of each reference + bicycle model.

    Args:
        reference_xyh: ``(N, P, 3)`` global rear-axle reference poses at t = 0.1 k s (P = 41 in NAVSIM).
        initial_state: ``(11,)`` initial state, :class:`StateIndex` columns.
        dt: [s] step of the reference and of the simulation.
        vehicle: supplies the wheel base.
        tracker: tracker weights and thresholds.
        bicycle: motion-model constants.
        parallel: run proposals on all numba threads.

    Returns:
        ``(N, P, 11)`` states; row 0 is ``initial_state``.
    """
    poses = _checked("reference_xyh", reference_xyh, (None, 3), ndim=3)
    initial = _checked("initial_state", initial_state, (STATE_SIZE,))
    if poses.shape[1] < MIN_REFERENCE_POSES:
        raise ValueError(f"reference_xyh needs at least {MIN_REFERENCE_POSES} poses, got shape {poses.shape}")
    if tracker.tracking_horizon < 2:
        raise ValueError(f"tracker.tracking_horizon must be >= 2, got {tracker.tracking_horizon}")
    out = np.empty((poses.shape[0], poses.shape[1], STATE_SIZE))
    if poses.shape[0] == 0:
        return out
    _to_us(dt, "dt")
    tracker_params = tracker.to_array(float(dt), vehicle.wheel_base)
    bicycle_params = bicycle.to_array(float(dt), vehicle.wheel_base)
    run = simulate_parallel_kernel if parallel else simulate_kernel
    run(poses, initial, tracker_params, bicycle_params, out)
    return out


def simulate_local(
    poses_local, sampling: TrajectorySampling, initial_state, parallel: bool = False
) -> SimulationResult:
    """Local proposals ``(N, P, 3)`` sampled by ``sampling`` -> interpolated reference and states."""
    initial = _checked("initial_state", initial_state, (STATE_SIZE,))
    poses = _checked("poses_local", poses_local, (sampling.num_poses, 3), ndim=3)
    origin = initial[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]]
    global_poses = local_to_global(poses, origin)
    reference = interpolate_reference(origin, global_poses, sampling.interval_length)
    return SimulationResult(reference=reference, states=simulate(reference, initial, parallel=parallel))
