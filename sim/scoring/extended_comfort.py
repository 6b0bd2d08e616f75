"""EPDMS v2's extended comfort EC: is the new plan consistent with the plan of the previous frame?

NAVSIM compares the simulated states of the current frame with those of the frame ``overlap``
steps (0.5 s) earlier, over the steps both cover: the RMS of the difference of four features
(smoothed |a|, its jerk, yaw rate, yaw acceleration; Savitzky-Golay filters, values rounded to 8
decimals) must stay within the thresholds of :class:`sim.scoring.comfort.ComfortConfig`. The
momentum-aware selector (``agents/control/selection.py``) applies the same features to planned poses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from sim.kernels.comfort import ec_features_kernel
from sim.scoring.comfort import DEFAULT_COMFORT_CONFIG, ComfortConfig, checked_dt, checked_states
from sim.scoring.savgol import EC_FILTERS, filter_bank


class EcFeatureIndex(enum.IntEnum):
    """Columns of the EC features and of ``ExtendedComfortResult.rms`` (``ec_rms_columns``)."""

    ACCELERATION = 0  # [m/s^2] smoothed |a|
    JERK = 1  # [m/s^3] derivative of the smoothed |a|
    YAW_RATE = 2  # [rad/s]
    YAW_ACCEL = 3  # [rad/s^2]


@dataclass(frozen=True)
class ExtendedComfortResult:
    """EC of ``N`` (current, previous) pairs.

    Attributes:
        rms: ``(N, 4)`` float64 RMS of the feature differences, :class:`EcFeatureIndex` columns
            [m/s^2, m/s^3, rad/s, rad/s^2].
        passed: ``(N,)`` float64 in {0, 1}: every RMS <= its threshold.
    """

    rms: np.ndarray
    passed: np.ndarray


def ec_features(states: np.ndarray, dt: float = 0.1) -> np.ndarray:
    """NAVSIM's EC features of each step: smoothed |a|, its jerk, yaw rate, yaw acceleration.

    Rear-axle values, no centre shift; every value rounded to 8 decimals as NAVSIM does.

    Args:
        states: ``(N, T, 11)`` rear-axle states ``dt`` [s] apart, T >= 3.
        dt: [s] step of the states.

    Returns:
        ``(N, T, 4)`` float64, :class:`EcFeatureIndex` columns [m/s^2, m/s^3, rad/s, rad/s^2].
    """
    return _ec_features(checked_states(states, "states", min_steps=3), checked_dt(dt), DEFAULT_COMFORT_CONFIG)


def _ec_features(states: np.ndarray, dt: float, config: ComfortConfig) -> np.ndarray:
    coeffs, lo, width = filter_bank(states.shape[1], EC_FILTERS, dt)
    out = np.empty((states.shape[0], states.shape[1], len(EcFeatureIndex)))
    ec_features_kernel(states, coeffs, lo, width, 10.0**config.decimals, out)
    return out


def extended_comfort(
    current: np.ndarray,
    previous: np.ndarray,
    dt: float = 0.1,
    config: ComfortConfig = DEFAULT_COMFORT_CONFIG,
) -> ExtendedComfortResult:
    """EPDMS v2 extended comfort EC between each current plan and the plan of the previous frame.

    ``current[:, :-k]`` and ``previous[:, k:]`` (``k = config.ec_overlap_frames``) cover the same
    absolute times; both are re-based to t = 0 before the features are computed.

    Args:
        current: ``(N, T, 11)`` simulated states of the current frame, ``dt`` [s] apart.
        previous: ``(N, T, 11)`` or ``(1, T, 11)`` (one previous plan against all N) simulated
            states of the frame ``k * dt`` earlier.
        dt: [s] step of the states.
        config: thresholds, overlap and rounding.

    Returns:
        :class:`ExtendedComfortResult` with ``rms (N, 4)`` and ``passed (N,)``.
    """
    k = int(config.ec_overlap_frames)
    current = checked_states(current, "current", min_steps=k + 3)
    previous = checked_states(previous, "previous", min_steps=k + 3)
    if previous.shape[1] != current.shape[1] or previous.shape[0] not in (1, current.shape[0]):
        raise ValueError(
            f"previous must have shape ({current.shape[0]} or 1, {current.shape[1]}, 11), got {previous.shape}"
        )
    dt = checked_dt(dt)
    feature_now = _ec_features(np.ascontiguousarray(current[:, :-k]), dt, config)
    feature_prev = _ec_features(np.ascontiguousarray(previous[:, k:]), dt, config)
    difference = feature_now - feature_prev  # broadcasts a single previous plan
    rms = np.sqrt(np.mean(difference**2, axis=1))
    passed = np.all(rms <= config.ec_thresholds(), axis=1).astype(np.float64)
    return ExtendedComfortResult(rms=rms, passed=passed)
