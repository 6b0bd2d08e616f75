"""Bench2Drive's per-route ``metric_info.json`` and the smoothness its tool computes from it.

Bench2Drive's agents call ``get_metric_info()`` at every step and keep, per step, the hero's
``acceleration`` [m/s^2], ``angular_velocity`` [deg/s], ``forward_vector`` and ``right_vector``,
``location`` [m] and ``rotation`` (roll, pitch, yaw) [deg], all in CARLA's frame, in
``<metric dir>/<save_name>/metric_info.json`` = ``{step: {name: [x, y, z]}}``. Its
``efficiency_smoothness_benchmark.py`` reads them back; :func:`route_smoothness` reproduces
that computation (including its quirks: the yaw rate stays in deg/s against bounds written in
rad/s, the "yaw acceleration" is the smoothed yaw rate again, and samples are taken 0.1 s apart
whatever the agent's rate).
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from sim.frames import internal_heading_to_carla
from sim.world.snapshot import EgoSnapshot

METRIC_INFO_FILE = "metric_info.json"
METRIC_FIELDS = ("acceleration", "angular_velocity", "forward_vector", "right_vector", "location", "rotation")

SMOOTHNESS_CHUNK = 20  # [samples] per judged segment; a trailing partial one is dropped
SMOOTHNESS_WINDOW, SMOOTHNESS_POLYORDER = 7, 2  # Savitzky-Golay window [samples] and order
SMOOTHNESS_DT = 0.1  # [s] the sample spacing the tool assumes
LON_ACCEL_BOUNDS = (-4.05, 2.40)  # [m/s^2]
MAX_ABS_LAT_ACCEL = 4.89  # [m/s^2]
MAX_ABS_JERK = 8.37  # [m/s^3] of the acceleration magnitude
MAX_ABS_LON_JERK = 4.13  # [m/s^3]
MAX_ABS_YAW_ACCEL = 1.93  # [rad/s^2] as written; compared with the smoothed yaw rate
MAX_ABS_YAW_RATE = 0.95  # [rad/s] as written; compared with CARLA's deg/s


class MetricColumn(enum.IntEnum):
    """Columns of :attr:`MotionSamples.values`: the six fields of a metric_info step, three numbers each."""

    ACC_X, ACC_Y, ACC_Z = 0, 1, 2
    ANG_X, ANG_Y, ANG_Z = 3, 4, 5
    FWD_X, FWD_Y, FWD_Z = 6, 7, 8
    RIGHT_X, RIGHT_Y, RIGHT_Z = 9, 10, 11
    LOC_X, LOC_Y, LOC_Z = 12, 13, 14
    ROLL, PITCH, YAW = 15, 16, 17


@dataclass(frozen=True)
class MotionSamples:
    """The ego's motion over one route, one row per agent step.

    Attributes:
        frames: ``(T,)`` int64 step numbers (the keys of metric_info.json).
        values: ``(T, 18)`` float64, :class:`MetricColumn` columns, CARLA's frame and units.
    """

    frames: np.ndarray
    values: np.ndarray

    def __post_init__(self) -> None:
        if self.values.ndim != 2 or self.values.shape[1] != len(MetricColumn):
            raise ValueError(f"motion samples must be (T, {len(MetricColumn)}), got {self.values.shape}")
        if self.frames.shape != (self.values.shape[0],):
            raise ValueError(f"{self.frames.shape[0]} frames for {self.values.shape[0]} motion samples")

    def to_metric_info(self) -> dict[str, dict[str, list[float]]]:
        """The JSON object of metric_info.json, steps in order."""
        return {
            str(int(frame)): {name: [float(v) for v in row[3 * i : 3 * i + 3]] for i, name in enumerate(METRIC_FIELDS)}
            for frame, row in zip(self.frames, self.values, strict=True)
        }

    @classmethod
    def from_metric_info(cls, data: dict, source: str = "metric_info.json") -> MotionSamples:
        """Read the JSON object back (steps in file order, as the tool reads them)."""
        frames, rows = [], []
        for key, step in data.items():
            try:
                rows.append([float(v) for name in METRIC_FIELDS for v in step[name]])
                frames.append(int(key))
            except (KeyError, TypeError, ValueError) as error:
                raise ValueError(f"{source}: step {key!r} is not a metric_info step ({error!r})") from None
        values = np.asarray(rows, dtype=np.float64).reshape(-1, len(MetricColumn))
        return cls(frames=np.asarray(frames, dtype=np.int64), values=values)


def metric_sample(ego: EgoSnapshot) -> np.ndarray:
    """``(18,)`` one metric_info step of the ego, in CARLA's frame (y and yaw flipped once here).

    Location is the box centre at ground height; roll and pitch are 0 on the flat embedded world.
    """
    heading = float(ego.pose[2])
    cos_h, sin_h = math.cos(heading), math.sin(heading)
    lon, lat = (float(v) for v in ego.acceleration)  # body frame, lateral positive to the left
    ax, ay = lon * cos_h - lat * sin_h, lon * sin_h + lat * cos_h  # internal world frame
    yaw_deg = float(internal_heading_to_carla(heading))
    return np.array([
        ax, -ay, 0.0,
        0.0, 0.0, -math.degrees(float(ego.yaw_rate)),
        cos_h, -sin_h, 0.0,
        sin_h, cos_h, 0.0,
        float(ego.center[0]), -float(ego.center[1]), float(ego.z),
        0.0, 0.0, yaw_deg,
    ])  # fmt: skip


def route_smoothness(samples: MotionSamples) -> float | None:
    """Fraction of comfortable 20-sample segments of one route, as Bench2Drive's tool computes it.

    A route of at most 20 samples is judged whole (1.0 or 0.0). None where the tool itself fails:
    fewer than 3 samples (no Savitzky-Golay fit of order 2).
    """
    count = samples.values.shape[0]
    if count <= SMOOTHNESS_POLYORDER:
        return None
    if count <= SMOOTHNESS_CHUNK:
        return 1.0 if _is_comfortable(samples.values) else 0.0
    chunks = [samples.values[start : start + SMOOTHNESS_CHUNK] for start in range(0, count, SMOOTHNESS_CHUNK)]
    verdicts = [_is_comfortable(chunk) for chunk in chunks if chunk.shape[0] == SMOOTHNESS_CHUNK]
    return verdicts.count(True) / len(verdicts)


def _is_comfortable(values: np.ndarray) -> bool:
    from scipy.signal import savgol_filter  # scipy.signal costs ~1 s to import: only when judging

    window = min(SMOOTHNESS_WINDOW, values.shape[0])

    def smooth(signal: np.ndarray, deriv: int = 0) -> np.ndarray:
        delta = SMOOTHNESS_DT if deriv else 1.0
        return savgol_filter(signal, window, SMOOTHNESS_POLYORDER, deriv=deriv, delta=delta, axis=-1)

    acc = values[:, [MetricColumn.ACC_X, MetricColumn.ACC_Y]]
    forward = values[:, [MetricColumn.FWD_X, MetricColumn.FWD_Y]]
    right = values[:, [MetricColumn.RIGHT_X, MetricColumn.RIGHT_Y]]
    lon = smooth(np.einsum("ij,ij->i", acc, forward))
    lat = smooth(np.einsum("ij,ij->i", acc, right))
    magnitude = smooth(np.hypot(acc[:, 0], acc[:, 1]))
    yaw_rate = smooth(_phase_unwrap(values[:, MetricColumn.ANG_Z]))
    checks = (
        _within(lon, *LON_ACCEL_BOUNDS),
        _within(lat, -MAX_ABS_LAT_ACCEL, MAX_ABS_LAT_ACCEL),
        _within(smooth(magnitude, deriv=1), -MAX_ABS_JERK, MAX_ABS_JERK),
        _within(smooth(lon, deriv=1), -MAX_ABS_LON_JERK, MAX_ABS_LON_JERK),
        _within(yaw_rate, -MAX_ABS_YAW_ACCEL, MAX_ABS_YAW_ACCEL),
        _within(yaw_rate, -MAX_ABS_YAW_RATE, MAX_ABS_YAW_RATE),
    )
    return all(checks)


def _within(signal: np.ndarray, low: float, high: float) -> bool:
    """Every value strictly inside (low, high)."""
    return bool(np.all((signal > low) & (signal < high)))


def _phase_unwrap(angles: np.ndarray) -> np.ndarray:
    """Remove 2 pi jumps between successive values (whatever their unit, as the tool does)."""
    two_pi = 2.0 * np.pi
    adjustments = np.zeros_like(angles)
    adjustments[1:] = np.cumsum(np.round(np.diff(angles) / two_pi))
    return angles - two_pi * adjustments
