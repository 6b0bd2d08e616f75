"""Small structured linear solves used inside per-proposal kernels.

The tracker's regularised least-squares fits become, after a change to cumulative variables,
symmetric positive definite systems that are pentadiagonal except for one dense last row and
column ("arrowhead"). Cholesky on that structure costs O(n) instead of the O(n^3) of a dense
factorisation, and it creates no fill-in because the dense variable is ordered last.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel


@kernel
def solve_banded_arrow_kernel(
    diag: np.ndarray,
    upper1: np.ndarray,
    upper2: np.ndarray,
    arrow: np.ndarray,
    corner: float,
    rhs: np.ndarray,
    out: np.ndarray,
) -> None:
    """Solve ``H z = rhs`` for SPD ``H`` with bandwidth 2 plus a dense last row/column.

    With ``n = diag.shape[0]``, ``H`` has size ``n + 1``: ``H[i, i] = diag[i]``,
    ``H[i, i+1] = upper1[i]``, ``H[i, i+2] = upper2[i]`` for ``i < n`` (entries past ``n - 1``
    are ignored), ``H[i, n] = arrow[i]`` and ``H[n, n] = corner``.

    Args:
        diag: ``(n,)`` float64 diagonal of the banded block.
        upper1: ``(n,)`` float64 first super-diagonal (last entry unused).
        upper2: ``(n,)`` float64 second super-diagonal (last two entries unused).
        arrow: ``(n,)`` float64 coupling of each banded variable to the last one.
        corner: ``H[n, n]``.
        rhs: ``(n + 1,)`` float64 right-hand side.
        out: ``(n + 1,)`` float64, receives ``z``. Non-positive pivots give NaN (not SPD).
    """
    solve_banded_arrow(diag, upper1, upper2, arrow, corner, rhs, out, np.empty((4, diag.shape[0])))


@kernel
def solve_banded_arrow(diag, upper1, upper2, arrow, corner, rhs, out, factor) -> None:
    """:func:`solve_banded_arrow_kernel` writing its Cholesky factor into caller-owned ``factor (4, >= n)``."""
    n = diag.shape[0]
    # Cholesky factor L (lower): l0 diagonal, l1[i] = L[i+1, i], l2[i] = L[i+2, i], row[i] = L[n, i].
    l0, l1, l2, row = factor[0], factor[1], factor[2], factor[3]
    l1[:n] = 0.0
    l2[:n] = 0.0
    for i in range(n):
        pivot = diag[i]
        tail = arrow[i]
        if i >= 1:
            pivot -= l1[i - 1] * l1[i - 1]
            tail -= row[i - 1] * l1[i - 1]
        if i >= 2:
            pivot -= l2[i - 2] * l2[i - 2]
            tail -= row[i - 2] * l2[i - 2]
        l0[i] = math.sqrt(pivot) if pivot > 0.0 else math.nan
        row[i] = tail / l0[i]
        if i + 1 < n:
            below = upper1[i]
            if i >= 1:
                below -= l2[i - 1] * l1[i - 1]
            l1[i] = below / l0[i]
        if i + 2 < n:
            l2[i] = upper2[i] / l0[i]
    last = corner
    for i in range(n):
        last -= row[i] * row[i]
    l_last = math.sqrt(last) if last > 0.0 else math.nan

    # Forward substitution L y = rhs (y kept in out).
    total = 0.0
    for i in range(n):
        value = rhs[i]
        if i >= 1:
            value -= l1[i - 1] * out[i - 1]
        if i >= 2:
            value -= l2[i - 2] * out[i - 2]
        out[i] = value / l0[i]
        total += row[i] * out[i]
    out[n] = (rhs[n] - total) / l_last

    # Back substitution L^T z = y.
    out[n] = out[n] / l_last
    for i in range(n - 1, -1, -1):
        value = out[i] - row[i] * out[n]
        if i + 1 < n:
            value -= l1[i] * out[i + 1]
        if i + 2 < n:
            value -= l2[i] * out[i + 2]
        out[i] = value / l0[i]
