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
    n = diag.shape[0]
    system = np.zeros((5, n + 1, 1))
    for i in range(n):
        system[0, i, 0], system[1, i, 0], system[2, i, 0], system[3, i, 0] = diag[i], upper1[i], upper2[i], arrow[i]
    for i in range(n + 1):
        system[4, i, 0] = rhs[i]
    solution = np.empty((n + 1, 1))
    corners = np.full(1, corner)
    solve_banded_arrow(
        n, system[0], system[1], system[2], system[3], corners, system[4], solution, np.empty((4, n + 1, 1))
    )
    out[:] = solution[:, 0]


@kernel
def solve_banded_arrow(n, diag, upper1, upper2, arrow, corner, rhs, out, factor) -> None:
    """:func:`solve_banded_arrow_kernel` for ``L`` independent systems at once, in lanes.

    Every array has a trailing lane axis: ``diag``, ``upper1``, ``upper2``, ``arrow`` ``(>= n, L)``,
    ``corner (L,)``, ``rhs`` and ``out`` ``(>= n + 1, L)``, and the caller-owned Cholesky factor
    ``factor (4, >= n + 1, L)``. Each lane follows exactly the one-system operation order; the lane loops
    are innermost so that the lanes' dependency chains (square roots, divisions) overlap.
    """
    _factorise(n, diag, upper1, upper2, arrow, corner, factor)
    _substitute(n, rhs, out, factor)


@kernel
def _factorise(n, diag, upper1, upper2, arrow, corner, factor) -> None:
    """Cholesky factor of every lane of :func:`solve_banded_arrow`'s systems into ``factor``."""
    lanes = corner.shape[0]
    # Cholesky factor L (lower): l0 diagonal, l1[i] = L[i+1, i], l2[i] = L[i+2, i], row[i] = L[n, i].
    l0, l1, l2, row = factor[0], factor[1], factor[2], factor[3]
    for i in range(n):
        for k in range(lanes):
            pivot = diag[i, k]
            tail = arrow[i, k]
            if i >= 1:
                pivot -= l1[i - 1, k] * l1[i - 1, k]
                tail -= row[i - 1, k] * l1[i - 1, k]
            if i >= 2:
                pivot -= l2[i - 2, k] * l2[i - 2, k]
                tail -= row[i - 2, k] * l2[i - 2, k]
            l0[i, k] = math.sqrt(pivot) if pivot > 0.0 else math.nan
            row[i, k] = tail / l0[i, k]
            below = upper1[i, k]
            if i >= 1:
                below -= l2[i - 1, k] * l1[i - 1, k]
            l1[i, k] = below / l0[i, k] if i + 1 < n else 0.0
            l2[i, k] = upper2[i, k] / l0[i, k] if i + 2 < n else 0.0
    # The last pivot and the forward pass's dot product, summed in index order per lane; they
    # are kept in the factor's spare row n.
    for k in range(lanes):
        l0[n, k] = corner[k]
        row[n, k] = 0.0
    for i in range(n):
        for k in range(lanes):
            l0[n, k] -= row[i, k] * row[i, k]
    for k in range(lanes):
        l0[n, k] = math.sqrt(l0[n, k]) if l0[n, k] > 0.0 else math.nan


@kernel
def _substitute(n, rhs, out, factor) -> None:
    """Forward then back substitution with :func:`_factorise`'s factor, every lane."""
    lanes = rhs.shape[1]
    l0, l1, l2, row = factor[0], factor[1], factor[2], factor[3]
    # Forward substitution L y = rhs (y kept in out).
    for i in range(n):
        for k in range(lanes):
            value = rhs[i, k]
            if i >= 1:
                value -= l1[i - 1, k] * out[i - 1, k]
            if i >= 2:
                value -= l2[i - 2, k] * out[i - 2, k]
            out[i, k] = value / l0[i, k]
            row[n, k] += row[i, k] * out[i, k]
    for k in range(lanes):
        out[n, k] = ((rhs[n, k] - row[n, k]) / l0[n, k]) / l0[n, k]

    # Back substitution L^T z = y.
    for i in range(n - 1, -1, -1):
        for k in range(lanes):
            value = out[i, k] - row[i, k] * out[n, k]
            if i + 1 < n:
                value -= l1[i, k] * out[i + 1, k]
            if i + 2 < n:
                value -= l2[i, k] * out[i + 2, k]
            out[i, k] = value / l0[i, k]
