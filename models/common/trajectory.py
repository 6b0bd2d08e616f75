"""Trajectory labels on each model's time grid, and the open-loop metrics every model reports.

Labels come from the dataset's ``expert_trajectory`` (the expert's plan, ``40 x 0.1 s``, local
frame); :func:`resample_poses` puts them on a model's grid (LMGenDrive 5 x 0.5 s, DriveVA and
Drive-JEPA 8 x 0.5 s) with one rule for everyone.
"""

from __future__ import annotations

import numpy as np


def resample_poses(poses: np.ndarray, source_interval: float, count: int, interval: float) -> np.ndarray:
    """Poses at ``interval, 2 interval, ..., count interval`` [s] from poses at ``source_interval, ...``.

    Args:
        poses: ``(..., T, 3)`` x [m], y [m], heading [rad]; row ``k`` is at ``(k + 1) source_interval``.
        source_interval: [s] spacing of ``poses``.
        count: poses wanted.
        interval: [s] their spacing.

    Returns:
        ``(..., count, 3)``: linear interpolation (headings unwrapped first, then wrapped back); the
        origin (0, 0, 0) is prepended so times before the first row interpolate from the ego; times
        past the last row hold the last pose.
    """
    poses = np.asarray(poses, dtype=np.float64)
    zeros = np.zeros((*poses.shape[:-2], 1, 3))
    padded = np.concatenate([zeros, poses], axis=-2)
    padded[..., 2] = np.unwrap(padded[..., 2], axis=-1)
    wanted = np.arange(1, count + 1) * interval
    position = np.clip(wanted / source_interval, 0.0, padded.shape[-2] - 1)
    low = np.floor(position).astype(int)
    high = np.minimum(low + 1, padded.shape[-2] - 1)
    weight = (position - low)[:, None]
    out = padded[..., low, :] * (1.0 - weight) + padded[..., high, :] * weight
    out[..., 2] = (out[..., 2] + np.pi) % (2 * np.pi) - np.pi
    return out


def constant_velocity(speed: np.ndarray, count: int, interval: float) -> np.ndarray:
    """``(B,)`` speed [m/s] -> ``(B, count, 3)`` poses straight ahead at that speed (the open-loop baseline)."""
    speed = np.asarray(speed, dtype=np.float64).reshape(-1)
    t = np.arange(1, count + 1) * interval
    out = np.zeros((speed.shape[0], count, 3))
    out[..., 0] = speed[:, None] * t[None]
    return out


def displacement_errors(predicted: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample ADE and FDE [m] of ``(B, K, >=2)`` predictions against ``(B, K, >=2)`` targets (xy only)."""
    distance = np.linalg.norm(np.asarray(predicted)[..., :2] - np.asarray(target)[..., :2], axis=-1)
    return distance.mean(axis=-1), distance[..., -1]
