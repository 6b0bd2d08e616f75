"""Comparison of our arrays with NAVSIM goldens: per check, how many agree and the worst difference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ANGLE_COLUMNS_XYH = (2,)  # heading columns of (.., 3) pose arrays and (.., 11) states
STATE_TOLERANCE = 1e-6  # [m, rad, m/s, ...] simulated states
REFERENCE_TOLERANCE = 1e-9  # [m, rad] interpolated reference
VALUE_TOLERANCE = 1e-6  # EP, scores, progress [m]
EC_RMS_TOLERANCE = 1e-4  # second derivatives amplify state errors by ~1/dt^2


@dataclass(frozen=True)
class Check:
    """One compared quantity.

    Attributes:
        name: what is compared (golden key and column).
        agree: rows (proposals) within tolerance.
        total: rows compared.
        worst: largest absolute difference (NaN-aware: NaN == NaN, inf == inf).
        tolerance: 0 for exact checks.
        excused: disagreeing rows excused as borderline (decisions that flip under 1e-6 noise).
        skipped: why the check could not be made from the input (empty when it was made).
    """

    name: str
    agree: int
    total: int
    worst: float
    tolerance: float
    excused: int = 0
    skipped: str = ""

    @property
    def passed(self) -> bool:
        return self.agree + self.excused >= self.total

    def line(self) -> str:
        if self.skipped:
            return f"skip {self.name:<42} {self.skipped}"
        status = "ok  " if self.passed else "FAIL"
        excused = f"  ({self.excused} borderline excused)" if self.excused else ""
        counts = f"{self.agree:>5}/{self.total:<5}"
        return f"{status} {self.name:<42} {counts} worst {self.worst:.3e}  tol {self.tolerance:g}{excused}"


def _row_differences(ours: np.ndarray, golden: np.ndarray, angle_columns: tuple[int, ...]) -> np.ndarray:
    ours = np.atleast_1d(np.asarray(ours, dtype=np.float64))
    golden = np.atleast_1d(np.asarray(golden, dtype=np.float64))
    if ours.shape != golden.shape:
        raise ValueError(f"shape mismatch: ours {ours.shape}, golden {golden.shape}")
    with np.errstate(invalid="ignore"):
        difference = np.abs(ours - golden)
    both_nan = np.isnan(ours) & np.isnan(golden)
    both_same_inf = np.isinf(ours) & np.isinf(golden) & (np.sign(ours) == np.sign(golden))
    difference[both_nan | both_same_inf] = 0.0
    difference[np.isnan(difference)] = np.inf
    if angle_columns and ours.ndim >= 2:
        for column in angle_columns:
            wrapped = np.abs((ours[..., column] - golden[..., column] + np.pi) % (2 * np.pi) - np.pi)
            finite = np.isfinite(wrapped)
            difference[..., column] = np.where(finite, wrapped, difference[..., column])
    return difference.reshape(difference.shape[0], -1).max(axis=1) if difference.ndim > 1 else difference


def compare(
    name: str,
    ours: np.ndarray,
    golden: np.ndarray,
    tolerance: float = 0.0,
    *,
    borderline: np.ndarray | None = None,
    angle_columns: tuple[int, ...] = (),
) -> Check:
    """Compare row by row; rows flagged ``borderline`` that disagree are excused, not failed."""
    rows = _row_differences(ours, golden, angle_columns)
    within = rows <= tolerance
    excused = 0
    if borderline is not None:
        excused = int(np.count_nonzero(~within & borderline[: rows.shape[0]]))
    worst = float(rows.max()) if rows.size else 0.0
    return Check(name, int(np.count_nonzero(within)), int(rows.size), worst, tolerance, excused)


def compare_labels(name: str, ours: tuple[str, ...] | list[str], golden: np.ndarray) -> Check:
    """Compare two sets of string labels (forced columns, removed tokens)."""
    same = sorted(map(str, ours)) == sorted(map(str, golden.tolist()))
    return Check(name, int(same), 1, 0.0 if same else float("inf"), 0.0)


def borderline_mask(golden: dict[str, np.ndarray], column: int | None = None) -> np.ndarray:
    """Proposals whose decision flips under 1e-6 noise (any column, or one metric column)."""
    bits = np.asarray(golden["batch_borderline_1e-06"], dtype=np.int64)
    return (bits != 0) if column is None else ((bits >> column) & 1).astype(bool)
