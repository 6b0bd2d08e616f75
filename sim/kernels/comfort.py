"""Comfort kernels: banded Savitzky-Golay filters, 8-decimal rounding and bound checks.

Every Savitzky-Golay filter of a fixed length ``n`` (scipy, mode='interp') is linear and each output
row reads exactly ``w`` consecutive inputs (``w`` = window): interior rows a centred window, the
first and last rows the first or last ``w`` samples. A bank of ``F`` filters therefore arrives here
as ``coeffs (F, n, w_max)`` float64, ``lo (F, n)`` int64 (first input column of each row) and
``width (F,)`` int64; the wrapper :mod:`sim.scoring.comfort` builds them from scipy once per shape
and checks the band.

Signals follow NAVSIM's ``pdm_comfort_metrics.py``; rounding is numpy's ``np.round(x, decimals)``
(multiply by ``scale`` = 10**decimals, round half to even, divide), so results match bit for bit
whenever the filter sums do.
"""

from __future__ import annotations

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.exact import hypot

# Columns of the 11-column NAVSIM state that the comfort checks read (see sim.types.StateIndex).
_HEADING = 2
_AX = 5
_AY = 6
_YAW_RATE = 9
_YAW_ACCEL = 10

TWO_PI = 2.0 * np.pi  # [rad] the same product NAVSIM's _phase_unwrap uses


# Filter slots of the comfort bank (``coeffs[f]``).
ACCEL, JERK_SMOOTH, JERK, YAW_ACCEL, YAW_RATE = 0, 1, 2, 3, 4
# Filter slots of the EC bank.
EC_ACCEL, EC_JERK, EC_YAW_RATE, EC_YAW_ACCEL = 0, 1, 2, 3


@kernel
def band_apply(coeffs: np.ndarray, lo: np.ndarray, width: np.ndarray, f: int, x: np.ndarray, out: np.ndarray) -> None:
    """``out[i] = sum_k coeffs[f, i, k] * x[lo[f, i] + k]``: filter ``f`` of a bank applied to ``x``.

    Args:
        coeffs: ``(F, n, w_max)`` float64 filter rows.
        lo: ``(F, n)`` int64 first input column of each row.
        width: ``(F,)`` int64 window of each filter.
        f: which filter.
        x: ``(n,)`` float64 input signal.
        out: ``(n,)`` float64 output, written in place (must not alias ``x``).
    """
    w = width[f]
    n = x.shape[0]
    i = 0
    # Four rows at a time: each row keeps its own summation order, but the four independent
    # chains of additions overlap instead of waiting on one another.
    while i + 4 <= n:
        s0, s1, s2, s3 = 0.0, 0.0, 0.0, 0.0
        l0, l1, l2, l3 = lo[f, i], lo[f, i + 1], lo[f, i + 2], lo[f, i + 3]
        for k in range(w):
            s0 += coeffs[f, i, k] * x[l0 + k]
            s1 += coeffs[f, i + 1, k] * x[l1 + k]
            s2 += coeffs[f, i + 2, k] * x[l2 + k]
            s3 += coeffs[f, i + 3, k] * x[l3 + k]
        out[i], out[i + 1], out[i + 2], out[i + 3] = s0, s1, s2, s3
        i += 4
    for row in range(i, n):
        start = lo[f, row]
        acc = 0.0
        for k in range(w):
            acc += coeffs[f, row, k] * x[start + k]
        out[row] = acc


@kernel
def round_in_place(x: np.ndarray, scale: float) -> None:
    """``np.round(x, decimals)`` in place, ``scale`` = 10**decimals (numpy's own recipe)."""
    for i in range(x.shape[0]):
        x[i] = np.rint(x[i] * scale) / scale


@kernel
def all_within(x: np.ndarray, lower: float, upper: float) -> bool:
    """True when ``lower < x < upper`` holds strictly at every sample (NaN fails)."""
    for i in range(x.shape[0]):
        if not (x[i] > lower and x[i] < upper):
            return False
    return True


@kernel
def unwrap_in_place(heading: np.ndarray) -> None:
    """NAVSIM's ``_phase_unwrap``: subtract 2*pi times the running sum of rounded jumps."""
    adjustment = 0.0
    previous = heading[0]
    for i in range(1, heading.shape[0]):
        current = heading[i]
        adjustment += np.rint((current - previous) / TWO_PI)
        previous = current
        heading[i] = current - TWO_PI * adjustment


@kernel
def fill_signals(
    states: np.ndarray,
    prefix: np.ndarray,
    proposal: int,
    center_offset: float,
    signals: np.ndarray,
) -> None:
    """Per-step signals of one proposal: ``prefix`` rows first, then the proposal's own states.

    Rows of ``signals (4, H+T)``: 0 longitudinal acceleration shifted ``center_offset`` [m] ahead
    of the rear axle (nuPlan's ``get_acceleration_shifted``, term order kept; its lateral term is
    zero), 1 lateral acceleration, 2 rear-axle acceleration magnitude (NAVSIM uses it unshifted
    for jerk and EC), 3 unwrapped heading.
    """
    n_prefix = prefix.shape[0]
    for t in range(signals.shape[1]):
        row = prefix[t] if t < n_prefix else states[proposal, t - n_prefix]
        omega = row[_YAW_RATE]
        signals[0, t] = row[_AX] + center_offset * omega**2 + center_offset * row[_YAW_ACCEL]
        signals[1, t] = row[_AY]
        signals[2, t] = hypot(row[_AX], row[_AY])
        signals[3, t] = row[_HEADING]
    unwrap_in_place(signals[3])


@kernel
def _filtered(bank: tuple, f: int, x: np.ndarray, out: np.ndarray, scale: float) -> None:
    band_apply(bank[0], bank[1], bank[2], f, x, out)
    round_in_place(out, scale)


@kernel
def _same_filter(bank: tuple, f: int, g: int) -> bool:
    """Filters ``f`` and ``g`` of a bank have the same rows (so give bit-identical outputs)."""
    coeffs, lo, width = bank
    if width[f] != width[g]:
        return False
    for i in range(coeffs.shape[1]):
        if lo[f, i] != lo[g, i]:
            return False
        for k in range(coeffs.shape[2]):
            if coeffs[f, i, k] != coeffs[g, i, k]:
                return False
    return True


@kernel
def _all_zero(x: np.ndarray) -> bool:
    for i in range(x.shape[0]):
        if x[i] != 0.0:
            return False
    return True


@kernel
def comfort_checks_kernel(
    states: np.ndarray,
    prefix: np.ndarray,
    center_offset: float,
    coeffs: np.ndarray,
    lo: np.ndarray,
    width: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    scale: float,
    out: np.ndarray,
) -> None:
    """The six checks of NAVSIM's ``ego_is_comfortable`` for every proposal.

    Args:
        states: ``(N, T, 11)`` float64 rear-axle states (``StateIndex`` columns).
        prefix: ``(H, 11)`` float64 states placed before every proposal (history; ``H`` may be 0).
        center_offset: [m] shift of the longitudinal acceleration to the box centre (0: none).
        coeffs, lo, width: bank of 5 filters over ``H+T`` steps, slots ACCEL, JERK_SMOOTH, JERK,
            YAW_ACCEL, YAW_RATE.
        lower, upper: ``(6,)`` strict bounds per check (``ComfortCheckIndex`` order).
        scale: 10**decimals of the rounding.
        out: ``(N, 6)`` bool, True = within bounds at every step.
    """
    bank = (coeffs, lo, width)
    n_steps = prefix.shape[0] + states.shape[1]
    signals = np.empty((4, n_steps))
    work, work2, smooth_ax = np.empty(n_steps), np.empty(n_steps), np.empty(n_steps)
    # v2 smooths the acceleration with the same filter for its bound and for the jerk: filter it once.
    same_smoothing = _same_filter(bank, ACCEL, JERK_SMOOTH)
    for p in range(states.shape[0]):
        fill_signals(states, prefix, p, center_offset, signals)
        ax_c, ay, a_mag, yaw = signals[0], signals[1], signals[2], signals[3]
        _filtered(bank, ACCEL, ax_c, smooth_ax, scale)
        out[p, 0] = all_within(smooth_ax, lower[0], upper[0])
        if _all_zero(ay):  # a linear filter of zeros is exactly 0 and so is its rounding
            out[p, 1] = lower[1] < 0.0 < upper[1]
        else:
            _filtered(bank, ACCEL, ay, work, scale)
            out[p, 1] = all_within(work, lower[1], upper[1])
        # Jerk differentiates the ROUNDED smoothed acceleration, then rounds again.
        _filtered(bank, JERK_SMOOTH, a_mag, work, scale)
        _filtered(bank, JERK, work, work2, scale)
        out[p, 2] = all_within(work2, lower[2], upper[2])
        if not same_smoothing:
            _filtered(bank, JERK_SMOOTH, ax_c, smooth_ax, scale)
        _filtered(bank, JERK, smooth_ax, work2, scale)
        out[p, 3] = all_within(work2, lower[3], upper[3])
        _filtered(bank, YAW_ACCEL, yaw, work, scale)
        out[p, 4] = all_within(work, lower[4], upper[4])
        _filtered(bank, YAW_RATE, yaw, work, scale)
        out[p, 5] = all_within(work, lower[5], upper[5])


@kernel
def ec_features_kernel(
    states: np.ndarray, coeffs: np.ndarray, lo: np.ndarray, width: np.ndarray, scale: float, out: np.ndarray
) -> None:
    """NAVSIM's EC features per step: |a|, jerk of |a|, yaw rate, yaw acceleration (all rounded).

    Args:
        states: ``(N, T, 11)`` float64 rear-axle states.
        coeffs, lo, width: bank of 4 filters over ``T`` steps, slots EC_ACCEL, EC_JERK,
            EC_YAW_RATE, EC_YAW_ACCEL.
        scale: 10**decimals of the rounding.
        out: ``(N, T, 4)`` float64, ``EcFeatureIndex`` columns.
    """
    bank = (coeffs, lo, width)
    n_steps = states.shape[1]
    prefix = np.empty((0, states.shape[2]))
    signals = np.empty((4, n_steps))
    accel, work = np.empty(n_steps), np.empty(n_steps)
    for p in range(states.shape[0]):
        fill_signals(states, prefix, p, 0.0, signals)
        _filtered(bank, EC_ACCEL, signals[2], accel, scale)
        out[p, :, 0] = accel
        _filtered(bank, EC_JERK, accel, work, scale)
        out[p, :, 1] = work
        _filtered(bank, EC_YAW_RATE, signals[3], work, scale)
        out[p, :, 2] = work
        _filtered(bank, EC_YAW_ACCEL, signals[3], work, scale)
        out[p, :, 3] = work
