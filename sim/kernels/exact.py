"""Exact geometric predicates: the sign of an orientation determinant, as GEOS decides it.

A floating-point filter answers the clear cases; when it cannot decide, the determinant is expanded
into error-free products (Dekker's split, no FMA needed) and summed exactly (Shewchuk's
grow-expansion), so points built to lie exactly on a line are classified exactly as shapely/GEOS do.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import inlined_kernel, kernel

_SPLITTER = 134217729.0  # 2**27 + 1: Dekker's split of a float64 mantissa
_FILTER_EPSILON = 1e-15  # GEOS's DP_SAFE_EPSILON for the orientation filter


@kernel
def two_product(a: float, b: float) -> tuple[float, float]:
    """``a * b == hi + lo`` exactly."""
    product = a * b
    c = _SPLITTER * a
    a_hi = c - (c - a)
    a_lo = a - a_hi
    c = _SPLITTER * b
    b_hi = c - (c - b)
    b_lo = b - b_hi
    error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return product, error


@kernel
def exact_sign_of_sum(terms: np.ndarray) -> int:
    """Sign of the exact sum of ``terms`` (grow-expansion, no rounding)."""
    expansion = np.zeros(terms.shape[0])
    length = 0
    for term in terms:
        carry = term
        for i in range(length):
            total = carry + expansion[i]
            virtual = total - carry
            expansion[i] = (carry - (total - virtual)) + (expansion[i] - virtual)
            carry = total
        expansion[length] = carry
        length += 1
    # components grow in magnitude and do not overlap: the largest non-zero one has the sign
    for i in range(length - 1, -1, -1):
        if expansion[i] > 0.0:
            return 1
        if expansion[i] < 0.0:
            return -1
    return 0


@kernel
def _sign(value: float) -> int:
    if value > 0.0:
        return 1
    if value < 0.0:
        return -1
    return 0


@inlined_kernel
def orientation(ax: float, ay: float, bx: float, by: float, qx: float, qy: float) -> int:
    """Exact sign of the turn a -> b -> q, i.e. of ``(b - a) x (q - a)``: 1 left, -1 right, 0 collinear.

    Inlined into its callers (the map queries run it per grid cell entry); the rare exact expansion is a call.
    """
    det_left = (ax - qx) * (by - qy)
    det_right = (ay - qy) * (bx - qx)
    det = det_left - det_right
    if det_left > 0.0:
        if det_right <= 0.0:
            return _sign(det)
        det_sum = det_left + det_right
    elif det_left < 0.0:
        if det_right >= 0.0:
            return _sign(det)
        det_sum = -det_left - det_right
    else:
        return _sign(det)
    if abs(det) >= _FILTER_EPSILON * det_sum:
        return _sign(det)
    return _exact_orientation(ax, ay, bx, by, qx, qy)


@kernel
def _exact_orientation(ax: float, ay: float, bx: float, by: float, qx: float, qy: float) -> int:
    """:func:`orientation` where the filter cannot decide."""
    # (b - a) x (q - a) expands to six products once ax * ay cancels against ay * ax
    terms = np.empty(12)
    terms[0], terms[1] = two_product(bx, qy)
    terms[2], terms[3] = two_product(-bx, ay)
    terms[4], terms[5] = two_product(-ax, qy)
    terms[6], terms[7] = two_product(-by, qx)
    terms[8], terms[9] = two_product(by, ax)
    terms[10], terms[11] = two_product(ay, qx)
    return exact_sign_of_sum(terms)


@kernel
def hypot(x: float, y: float) -> float:
    """``math.hypot(x, y)``, bit for bit, skipping the call when ``y`` is 0 (then it is ``|x|`` exactly).

    Simulated states have zero lateral velocity and acceleration, so this is the common case.
    """
    if y == 0.0:
        return abs(x)
    return math.hypot(x, y)
