"""Comfort metrics of the NAVSIM scorers: C (PDMS v1.1), HC (EPDMS v2) and EC (two-frame, v2).

All three read simulated rear-axle states ``(N, T, 11)`` (:class:`~sim.types.StateIndex` columns)
sampled every ``dt`` seconds and follow NAVSIM's ``pdm_comfort_metrics.py``: Savitzky-Golay
filters (scipy, mode='interp'), values rounded to ``decimals`` before strict bound checks.

- C (v1.1): the 41 simulated states, rear-axle accelerations, accelerations smoothed over the
  whole sequence, jerk = whole-sequence derivative of the window-8 smoothed acceleration.
- HC (v2): 14 history states sampled from the logged past (-1.5 ... -0.2 s, the -0.1 s sample is
  missing) then the simulated states, all treated as ``dt`` apart; longitudinal acceleration
  shifted to the box centre; accelerations window 8, jerk window 15.
- EC (v2): RMS over the overlapping steps of the difference of four features between the current
  plan and the plan of the frame ``overlap`` steps earlier (:mod:`sim.scoring.extended_comfort`).

Filters are precomputed once per shape as banded matrices (scipy applied to the identity) and
applied by the kernels of :mod:`sim.kernels.comfort`.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

import numpy as np

from sim.geometry import wrap_angle
from sim.kernels.comfort import comfort_checks_kernel
from sim.scoring.savgol import V1_FILTERS, V2_FILTERS, ComfortFilters, filter_bank
from sim.types import PACIFICA, PAST_MIN_COLUMNS, STATE_SIZE, PastIndex, StateIndex, VehicleParameters


class ComfortCheckIndex(enum.IntEnum):
    """Columns of ``ComfortResult.checks`` (the goldens' ``comfort_check_columns``)."""

    LON_ACCEL = 0
    LAT_ACCEL = 1
    JERK_MAGNITUDE = 2
    LON_JERK = 3
    YAW_ACCEL = 4
    YAW_RATE = 5


@dataclass(frozen=True)
class ComfortConfig:
    """Bounds of the six comfort checks (strict) and the EC thresholds (inclusive)."""

    min_lon_accel: float = -4.05  # [m/s^2]
    max_lon_accel: float = 2.40  # [m/s^2]
    max_abs_lat_accel: float = 4.89  # [m/s^2]
    max_abs_jerk: float = 8.37  # [m/s^3]
    max_abs_lon_jerk: float = 4.13  # [m/s^3]
    max_abs_yaw_accel: float = 1.93  # [rad/s^2]
    max_abs_yaw_rate: float = 0.95  # [rad/s]
    ec_max_accel_rms: float = 0.7  # [m/s^2]
    ec_max_jerk_rms: float = 0.5  # [m/s^3]
    ec_max_yaw_rate_rms: float = 0.1  # [rad/s]
    ec_max_yaw_accel_rms: float = 0.1  # [rad/s^2]
    ec_overlap_frames: int = 5  # [steps] round(0.5 s frame gap / 0.1 s)
    decimals: int = 8  # rounding of every filtered value before the checks

    def check_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(lower, upper)``, each ``(6,)`` float64 in :class:`ComfortCheckIndex` order."""
        upper = np.array(
            [
                self.max_lon_accel,
                self.max_abs_lat_accel,
                self.max_abs_jerk,
                self.max_abs_lon_jerk,
                self.max_abs_yaw_accel,
                self.max_abs_yaw_rate,
            ]
        )
        lower = -upper
        lower[ComfortCheckIndex.LON_ACCEL] = self.min_lon_accel
        return lower, upper

    def ec_thresholds(self) -> np.ndarray:
        """``(4,)`` float64 RMS thresholds in :class:`sim.scoring.extended_comfort.EcFeatureIndex` order."""
        return np.array(
            [self.ec_max_accel_rms, self.ec_max_jerk_rms, self.ec_max_yaw_rate_rms, self.ec_max_yaw_accel_rms]
        )


DEFAULT_COMFORT_CONFIG = ComfortConfig()


MIN_STEPS = 4  # yaw acceleration fits a cubic, so the capped window must hold 4 samples
HISTORY_INTERVAL_US = 100_000  # [us] NAVSIM samples the logged past every 0.1 s, whatever dt is


@dataclass(frozen=True)
class ComfortResult:
    """C or HC of ``N`` proposals.

    Attributes:
        checks: ``(N, 6)`` bool, :class:`ComfortCheckIndex` columns, True = within bounds at every step.
        passed: ``(N,)`` float64 in {0, 1}: all six checks hold.
    """

    checks: np.ndarray
    passed: np.ndarray


def checked_states(states: np.ndarray, name: str, min_steps: int = MIN_STEPS) -> np.ndarray:
    """Validated ``(N, T, 11)`` contiguous float64 copy-or-view of ``states``."""
    array = np.asarray(states)
    if array.ndim != 3 or array.shape[2] != STATE_SIZE:
        raise ValueError(f"{name} must have shape (N, T, {STATE_SIZE}), got {array.shape}")
    if array.shape[1] < min_steps:
        raise ValueError(f"{name} needs at least {min_steps} time steps, got {array.shape[1]}")
    if not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{name} must be numeric, got dtype {array.dtype}")
    array = np.ascontiguousarray(array, dtype=np.float64)
    if not np.all(np.isfinite(array)):
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(f"{name} contains NaN or inf (first at proposal {bad[0]}, step {bad[1]}, column {bad[2]})")
    return array


def checked_dt(dt: float) -> float:
    if not (np.isfinite(dt) and dt > 0.0):
        raise ValueError(f"dt must be a positive number of seconds, got {dt}")
    return float(dt)


def _run_checks(
    states: np.ndarray, prefix: np.ndarray, offset: float, filters: ComfortFilters, dt: float, config: ComfortConfig
) -> ComfortResult:
    n_steps = prefix.shape[0] + states.shape[1]
    coeffs, lo, width = filter_bank(n_steps, filters.specs(), dt)
    lower, upper = config.check_bounds()
    checks = np.empty((states.shape[0], len(ComfortCheckIndex)), dtype=np.bool_)
    comfort_checks_kernel(states, prefix, offset, coeffs, lo, width, lower, upper, 10.0**config.decimals, checks)
    return ComfortResult(checks=checks, passed=checks.all(axis=1).astype(np.float64))


def comfort_v1(states: np.ndarray, dt: float = 0.1, config: ComfortConfig = DEFAULT_COMFORT_CONFIG) -> ComfortResult:
    """PDMS v1.1 comfort C of ``N`` simulated proposals (no history, rear-axle accelerations).

    Args:
        states: ``(N, T, 11)`` simulated states (T = 41 in NAVSIM), ``dt`` [s] apart.
        dt: [s] step of the states.
        config: bounds.

    Returns:
        :class:`ComfortResult` with ``checks (N, 6)`` and ``passed (N,)``.
    """
    return comfort_v1_unchecked(checked_states(states, "states"), checked_dt(dt), config)


def comfort_v1_unchecked(
    states: np.ndarray, dt: float, config: ComfortConfig = DEFAULT_COMFORT_CONFIG
) -> ComfortResult:
    """:func:`comfort_v1` of validated states and ``dt``."""
    if states.shape[1] < MIN_STEPS:
        raise ValueError(f"states needs at least {MIN_STEPS} time steps, got {states.shape[1]}")
    return _run_checks(states, np.empty((0, STATE_SIZE)), 0.0, V1_FILTERS, dt, config)


def history_comfort(
    states: np.ndarray,
    ego_past: np.ndarray | None,
    dt: float = 0.1,
    vehicle: VehicleParameters = PACIFICA,
    config: ComfortConfig = DEFAULT_COMFORT_CONFIG,
) -> ComfortResult:
    """EPDMS v2 history comfort HC: the comfort checks on the logged past followed by each proposal.

    Args:
        states: ``(N, T, 11)`` simulated states, ``dt`` [s] apart, row 0 at t = 0.
        ego_past: ``(H, 6)`` or ``(H, 9)`` logged ego past, :class:`~sim.types.PastIndex` columns, or None: then
            every check passes (HC = 1), as when NAVSIM scores the human for its filter.
        dt: [s] step of the states; the padded sequence is treated as uniformly ``dt`` apart.
        vehicle: its ``rear_axle_to_center`` [m] shifts the longitudinal acceleration.
        config: bounds.

    Returns:
        :class:`ComfortResult` with ``checks (N, 6)`` and ``passed (N,)``.
    """
    return history_comfort_unchecked(
        checked_states(states, "states", min_steps=1), ego_past, checked_dt(dt), vehicle, config
    )


def history_comfort_unchecked(
    states: np.ndarray,
    ego_past: np.ndarray | None,
    dt: float,
    vehicle: VehicleParameters = PACIFICA,
    config: ComfortConfig = DEFAULT_COMFORT_CONFIG,
) -> ComfortResult:
    """:func:`history_comfort` of validated states and ``dt`` (``ego_past`` is still checked, once per past)."""
    if ego_past is None:
        checks = np.ones((states.shape[0], len(ComfortCheckIndex)), dtype=np.bool_)
        return ComfortResult(checks=checks, passed=np.ones(states.shape[0]))
    prefix = cached_history_states(ego_past)
    if prefix.shape[0] + states.shape[1] < MIN_STEPS:
        raise ValueError(
            f"history plus states need at least {MIN_STEPS} steps, got {prefix.shape[0]} + {states.shape[1]}"
        )
    return _run_checks(states, prefix, float(vehicle.rear_axle_to_center), V2_FILTERS, dt, config)


def cached_history_states(ego_past: np.ndarray) -> np.ndarray:
    """:func:`history_states`, computed once per logged past (read-only result)."""
    past = np.ascontiguousarray(ego_past, dtype=np.float64)
    return _history_states_of(past.tobytes(), past.shape)


@functools.lru_cache(maxsize=16)
def _history_states_of(past_bytes: bytes, shape: tuple[int, ...]) -> np.ndarray:
    states = history_states(np.frombuffer(past_bytes, dtype=np.float64).reshape(shape))
    states.flags.writeable = False
    return states


def history_states(ego_past: np.ndarray) -> np.ndarray:
    """NAVSIM's history padding: the logged past resampled every 0.1 s, the last sample dropped.

    Sample times run from the first logged time up to (excluding) the last, and the final one is
    dropped as well (so -1.5 ... -0.2 s for a past ending at 0 s). Every column is interpolated
    linearly in time as nuPlan's ``InterpolatedTrajectory`` does (heading unwrapped first, then
    wrapped to [-pi, pi)); yaw rate, yaw acceleration and steering rate are 0 (nuPlan does not
    interpolate them), and so are lateral velocity, lateral acceleration and steering angle when
    the past has only the first six columns.

    Args:
        ego_past: ``(H, 6)`` rows t [s], x, y [m], heading [rad], v_lon [m/s], a_lon [m/s^2], or
            ``(H, 9)`` with v_lat [m/s], a_lat [m/s^2] and steering angle [rad] after them.

    Returns:
        ``(K, 11)`` float64 rear-axle states (:class:`~sim.types.StateIndex` columns).
    """
    past = np.asarray(ego_past, dtype=np.float64)
    if past.ndim != 2 or past.shape[1] not in (PAST_MIN_COLUMNS, len(PastIndex)) or past.shape[0] < 1:
        raise ValueError(f"ego_past must have shape (H >= 1, {PAST_MIN_COLUMNS} or {len(PastIndex)}), got {past.shape}")
    if not np.all(np.isfinite(past)):
        raise ValueError("ego_past contains NaN or inf")
    time_us = np.rint(past[:, PastIndex.T] * 1e6).astype(np.int64)
    if np.any(np.diff(time_us) <= 0):
        raise ValueError(f"ego_past times must increase strictly, got {past[:, PastIndex.T].tolist()}")
    sample_us = np.arange(time_us[0], time_us[-1], HISTORY_INTERVAL_US, dtype=np.int64)[:-1]
    out = np.zeros((sample_us.shape[0], STATE_SIZE))
    if sample_us.shape[0] == 0:
        return out
    columns = (
        (StateIndex.X, past[:, PastIndex.X]),
        (StateIndex.Y, past[:, PastIndex.Y]),
        (StateIndex.HEADING, np.unwrap(past[:, PastIndex.HEADING])),
        (StateIndex.VX, past[:, PastIndex.V_LON]),
        (StateIndex.AX, past[:, PastIndex.A_LON]),
    )
    if past.shape[1] == len(PastIndex):
        columns += (
            (StateIndex.VY, past[:, PastIndex.V_LAT]),
            (StateIndex.AY, past[:, PastIndex.A_LAT]),
            (StateIndex.STEERING_ANGLE, past[:, PastIndex.STEERING_ANGLE]),
        )
    knots = (time_us - time_us[0]).astype(np.float64)
    samples = (sample_us - time_us[0]).astype(np.float64)
    for column, values in columns:
        out[:, column] = _interp_like_scipy(samples, knots, values)
    out[:, StateIndex.HEADING] = wrap_angle(out[:, StateIndex.HEADING])
    return out


def _interp_like_scipy(x_new: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """scipy ``interp1d`` (linear) within range: at a knot it interpolates from the left interval."""
    if x.shape[0] == 1:
        return np.full(x_new.shape, y[0])
    hi = np.clip(np.searchsorted(x, x_new, side="left"), 1, x.shape[0] - 1)
    lo = hi - 1
    slope = (y[hi] - y[lo]) / (x[hi] - x[lo])
    return slope * (x_new - x[lo]) + y[lo]
