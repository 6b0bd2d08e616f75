"""NAVSIM's trajectory interpolation, as numba kernels.

``interpolate_poses_kernel``
reproduces ``InterpolatedTrajectory.get_state_at_times``: scipy ``interp1d`` linear interpolation
(left-sided search, index clipped to [1, K - 1]) of x, y and of the ``np.unwrap``-ed heading,
wrapped back with nuPlan's ``principal_value``. Times are integer microseconds held in float64,
as the original works on ``time_us``.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel

TWO_PI = 2.0 * math.pi  # [rad]


@kernel
def unwrap_kernel(angles: np.ndarray, out: np.ndarray) -> None:
    """``np.unwrap(angles)`` (period 2 pi) of ``angles (K,)`` into ``out (K,)``, same operation order."""
    correction = 0.0
    out[0] = angles[0]
    for k in range(1, angles.shape[0]):
        delta = angles[k] - angles[k - 1]
        wrapped = (delta + math.pi) % TWO_PI - math.pi
        if wrapped == -math.pi and delta > 0.0:
            wrapped = math.pi
        if abs(delta) >= math.pi:
            correction += wrapped - delta
        else:
            correction += 0.0
        out[k] = angles[k] + correction


@kernel
def interpolate_poses_kernel(knot_times: np.ndarray, knots: np.ndarray, sample_times: np.ndarray) -> np.ndarray:
    """Linear interpolation of pose sequences at sample times.

    Args:
        knot_times: ``(K,)`` strictly increasing knot times [us], K >= 2.
        knots: ``(N, K, 3)`` x [m], y [m], heading [rad] per knot.
        sample_times: ``(S,)`` sample times [us], clipped to the knot span.

    Returns:
        ``(N, S, 3)`` float64; headings wrapped to [-pi, pi).
    """
    num_knots = knot_times.shape[0]
    num_samples = sample_times.shape[0]
    lows = np.empty(num_samples, dtype=np.int64)
    clipped = np.empty(num_samples)
    for s in range(num_samples):
        time = min(max(sample_times[s], knot_times[0]), knot_times[num_knots - 1])
        high = np.searchsorted(knot_times, time)
        lows[s] = min(max(high, 1), num_knots - 1) - 1
        clipped[s] = time
    out = np.empty((knots.shape[0], num_samples, 3))
    unwrapped = np.empty(num_knots)
    for n in range(knots.shape[0]):
        unwrap_kernel(knots[n, :, 2], unwrapped)
        for s in range(num_samples):
            lo = lows[s]
            span = knot_times[lo + 1] - knot_times[lo]
            elapsed = clipped[s] - knot_times[lo]
            for c in range(2):
                slope = (knots[n, lo + 1, c] - knots[n, lo, c]) / span
                out[n, s, c] = slope * elapsed + knots[n, lo, c]
            slope = (unwrapped[lo + 1] - unwrapped[lo]) / span
            out[n, s, 2] = (slope * elapsed + unwrapped[lo] + math.pi) % TWO_PI - math.pi
    return out
