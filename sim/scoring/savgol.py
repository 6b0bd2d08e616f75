"""Savitzky-Golay filters as matrices, exactly as scipy's ``savgol_filter`` (mode='interp') applies them.

For a fixed sequence length every such filter is linear, so filtering the identity once gives a
matrix that reproduces scipy on any signal of that length; the comfort kernels apply the matrices.
Also: the filter variants of NAVSIM's comfort checks (v1.1 C, v2 HC, v2 EC).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SavgolSpec:
    """One Savitzky-Golay filter; ``window`` None means the whole sequence. Windows are capped at n."""

    window: int | None
    polyorder: int
    deriv: int = 0


@dataclass(frozen=True)
class ComfortFilters:
    """The five filters of one ``ego_is_comfortable`` variant (kernel slot order)."""

    accel: SavgolSpec  # lon / lat acceleration checks
    jerk_smooth: SavgolSpec  # acceleration smoothing before the jerk derivative
    jerk: SavgolSpec  # jerk = derivative of the rounded smoothed acceleration
    yaw_accel: SavgolSpec
    yaw_rate: SavgolSpec

    def specs(self) -> tuple[SavgolSpec, ...]:
        return (self.accel, self.jerk_smooth, self.jerk, self.yaw_accel, self.yaw_rate)


_SMOOTH_8 = SavgolSpec(8, 2)  # NAVSIM's default acceleration window (even)
_YAW_RATE_5 = SavgolSpec(5, 2, 1)  # the window 15 argument is never passed on, so 5 applies
V1_FILTERS = ComfortFilters(SavgolSpec(None, 2), _SMOOTH_8, SavgolSpec(None, 2, 1), SavgolSpec(5, 3, 2), _YAW_RATE_5)
V2_FILTERS = ComfortFilters(_SMOOTH_8, _SMOOTH_8, SavgolSpec(15, 2, 1), SavgolSpec(5, 3, 2), _YAW_RATE_5)
EC_FILTERS = (_SMOOTH_8, SavgolSpec(15, 2, 1), _YAW_RATE_5, SavgolSpec(5, 2, 2))  # EcFeatureIndex order


def savgol_matrix(n: int, spec: SavgolSpec, delta: float = 1.0) -> np.ndarray:
    """``(n, n)`` matrix ``M`` with ``savgol_filter(x, ...) == M @ x`` for every ``x`` of length ``n``.

    The window is ``min(spec.window, n)`` as NAVSIM caps it; ``delta`` [s] scales derivatives.
    """
    return _savgol_matrix(int(n), spec, float(delta)).copy()


@functools.lru_cache(maxsize=128)
def _savgol_matrix(n: int, spec: SavgolSpec, delta: float) -> np.ndarray:
    window = n if spec.window is None else min(spec.window, n)
    if spec.polyorder >= window:
        raise ValueError(f"{n} steps are too few for a Savitzky-Golay fit of order {spec.polyorder}")
    from scipy.signal import savgol_filter  # imported when first used: scipy.signal takes ~1.5 s to import

    eye = np.eye(n)
    # Filtering the identity column by column gives the linear map itself (mode='interp').
    return savgol_filter(eye, window, spec.polyorder, deriv=spec.deriv, delta=delta, axis=0)


def savgol_band(n: int, spec: SavgolSpec, delta: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The filter of :func:`savgol_matrix` as ``coeffs (n, w)`` and first columns ``lo (n,)`` int64.

    Raises:
        RuntimeError: when the matrix is not banded as mode='interp' promises.
    """
    matrix = _savgol_matrix(int(n), spec, float(delta))
    window = n if spec.window is None else min(spec.window, n)
    rows = np.arange(n)
    for centre in (window // 2, (window - 1) // 2):  # the even-window centre differs by scipy version
        lo = np.clip(rows - centre, 0, n - window).astype(np.int64)
        columns = lo[:, None] + np.arange(window)
        inside = np.zeros((n, n), dtype=bool)
        inside[rows[:, None], columns] = True
        if not np.any(matrix[~inside]):
            return np.ascontiguousarray(matrix[rows[:, None], columns]), lo
    raise RuntimeError(f"Savitzky-Golay matrix for n={n}, {spec} is not banded")


def time_step_mean(n: int, dt: float) -> float:
    """[s] NAVSIM's derivative spacing: the mean difference of ``arange(n) * dt``."""
    return float(np.diff(np.arange(n, dtype=np.float64) * dt).mean())


@functools.lru_cache(maxsize=64)
def filter_bank(n: int, specs: tuple[SavgolSpec, ...], dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel filter bank ``(coeffs (F, n, w_max), lo (F, n), width (F,))`` for ``n`` steps ``dt`` apart."""
    delta = time_step_mean(n, dt)
    bands = [savgol_band(n, spec, delta if spec.deriv else 1.0) for spec in specs]
    width = np.array([band[0].shape[1] for band in bands], dtype=np.int64)
    coeffs = np.zeros((len(bands), n, int(width.max())))
    for f, (band, _) in enumerate(bands):
        coeffs[f, :, : band.shape[1]] = band
    lo = np.stack([band[1] for band in bands])
    for array in (coeffs, lo, width):
        array.flags.writeable = False  # shared through the cache
    return coeffs, lo, width
