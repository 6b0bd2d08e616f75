"""Validation of the arrays the scoring wrappers hand to kernels: shape, dtype and finiteness.

Each check returns the array ready for a kernel (float64 or bool, contiguous where kernels need it)
or raises ValueError naming the argument and what was wrong.
"""

from __future__ import annotations

import numpy as np


def checked_points(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim < 1 or points.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain NaN or inf")
    return points


def checked_corners(corners: np.ndarray) -> np.ndarray:
    corners = np.asarray(corners, dtype=np.float64)
    if corners.ndim != 4 or corners.shape[2:] != (5, 2) or corners.shape[1] < 1:
        raise ValueError(f"corners must have shape (N, T, 5, 2) with T >= 1, got {corners.shape}")
    if not np.all(np.isfinite(corners)):
        raise ValueError("corners contain NaN or inf")
    return np.ascontiguousarray(corners)


def checked_mask(mask: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != shape:
        raise ValueError(f"{name} must be a bool array of shape {shape}, got {mask.dtype} {mask.shape}")
    return np.ascontiguousarray(mask)


def checked_line(line: np.ndarray) -> np.ndarray:
    line = np.asarray(line, dtype=np.float64)
    if line.ndim != 2 or line.shape[1] != 2 or line.shape[0] < 2:
        raise ValueError(f"centerline must have shape (M, 2) with M >= 2, got {line.shape}")
    if not np.all(np.isfinite(line)):
        raise ValueError("centerline contains NaN or inf")
    return np.ascontiguousarray(line)


def checked_vector(values: np.ndarray, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or (shape is not None and values.shape != shape):
        raise ValueError(f"{name} must have shape {shape or '(N,)'}, got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf")
    return values
