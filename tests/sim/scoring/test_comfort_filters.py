"""Comfort filters and checks against scipy's savgol_filter / interp1d used directly as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.interpolate import interp1d
from scipy.signal import savgol_filter

from sim.kernels.comfort import band_apply, round_in_place, unwrap_in_place
from sim.scoring.comfort import (
    ComfortCheckIndex,
    ComfortConfig,
    comfort_v1,
    history_comfort,
    history_states,
)
from sim.scoring.extended_comfort import ec_features, extended_comfort
from sim.scoring.savgol import SavgolSpec, filter_bank, savgol_band, savgol_matrix
from sim.types import PACIFICA, STATE_SIZE, StateIndex

# (n, window, polyorder, deriv, delta): even windows, windows longer than n, whole-sequence windows.
FILTER_CASES = [
    (41, 8, 2, 0, 1.0),
    (55, 8, 2, 0, 1.0),
    (36, 15, 2, 1, 0.1),
    (41, None, 2, 0, 1.0),
    (41, None, 2, 1, 0.1),
    (55, 5, 3, 2, 0.1),
    (36, 5, 2, 2, 0.1),
    (6, 8, 2, 0, 1.0),
    (7, 8, 2, 0, 1.0),
    (10, 15, 2, 1, 0.25),
    (4, 5, 3, 2, 0.1),
]


def _oracle_filter(x: np.ndarray, n: int, window: int | None, poly: int, deriv: int, delta: float) -> np.ndarray:
    w = n if window is None else min(window, n)
    return savgol_filter(x, w, poly, deriv=deriv, delta=delta, axis=-1)


@pytest.mark.parametrize(("n", "window", "poly", "deriv", "delta"), FILTER_CASES)
def test_matrix_and_band_reproduce_savgol_filter(n, window, poly, deriv, delta) -> None:
    rng = np.random.default_rng(n * 31 + poly)
    x = rng.normal(size=(20, n)) * rng.uniform(0.1, 10.0, size=(20, 1))
    spec = SavgolSpec(window, poly, deriv)
    expected = _oracle_filter(x, n, window, poly, deriv, delta)
    np.testing.assert_allclose(x @ savgol_matrix(n, spec, delta).T, expected, rtol=1e-11, atol=1e-11)
    coeffs, lo = savgol_band(n, spec, delta)
    out = np.empty(n)
    bank = (coeffs[None].copy(), lo[None].copy(), np.array([coeffs.shape[1]], dtype=np.int64))
    for row in range(x.shape[0]):
        band_apply(*bank, 0, np.ascontiguousarray(x[row]), out)
        np.testing.assert_allclose(out, expected[row], rtol=1e-11, atol=1e-11)


def test_filter_bank_is_cached_and_read_only() -> None:
    specs = (SavgolSpec(8, 2), SavgolSpec(15, 2, 1))
    first = filter_bank(30, specs, 0.1)
    assert filter_bank(30, specs, 0.1) is first
    assert first[0].shape == (2, 30, 15) and list(first[2]) == [8, 15]
    with pytest.raises(ValueError):
        first[0][0, 0, 0] = 1.0


def test_rounding_matches_numpy_round() -> None:
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(scale=5.0, size=1000), np.array([0.5e-8, 1.5e-8, -2.5e-8, 2.4, -4.05])])
    expected = np.round(x, 8)
    round_in_place(x, 1e8)
    np.testing.assert_array_equal(x, expected)


def _navsim_unwrap(headings: np.ndarray) -> np.ndarray:
    adjustments = np.zeros_like(headings)
    adjustments[..., 1:] = np.cumsum(np.round(np.diff(headings, axis=-1) / (2.0 * np.pi)), axis=-1)
    return headings - 2.0 * np.pi * adjustments


def test_unwrap_matches_navsim_phase_unwrap() -> None:
    rng = np.random.default_rng(2)
    raw = np.cumsum(rng.normal(scale=0.8, size=200)) + 3.0
    wrapped = (raw + np.pi) % (2.0 * np.pi) - np.pi
    expected = _navsim_unwrap(wrapped)
    unwrap_in_place(wrapped)
    np.testing.assert_array_equal(wrapped, expected)
    assert np.max(np.abs(np.diff(wrapped))) <= np.pi


# ----- slow oracle of the six checks, written from NAVSIM's definitions with scipy directly -----


def _oracle_checks(states: np.ndarray, dt: float, v2: bool, offset: float, config: ComfortConfig) -> np.ndarray:
    n = states.shape[1]
    dx = np.diff(np.arange(n) * dt).mean()
    ax, ay = states[..., StateIndex.AX], states[..., StateIndex.AY]
    ax_c = ax + offset * states[..., StateIndex.ANGULAR_VELOCITY] ** 2 + offset * states[..., 10]
    accel_window, jerk_window = (8, 15) if v2 else (n, n)

    def smooth(x, w):
        return np.round(savgol_filter(x, min(w, n), 2, axis=-1), 8)

    def derivative(x, w, poly, deriv):
        return np.round(savgol_filter(x, min(w, n), poly, deriv=deriv, delta=dx, axis=-1), 8)

    yaw = _navsim_unwrap(states[..., StateIndex.HEADING])
    values = [
        smooth(ax_c, accel_window),
        smooth(ay, accel_window),
        derivative(smooth(np.hypot(ax, ay), 8), jerk_window, 2, 1),
        derivative(smooth(ax_c, 8), jerk_window, 2, 1),
        derivative(yaw, 5, 3, 2),
        derivative(yaw, 5, 2, 1),
    ]
    lower, upper = config.check_bounds()
    return np.stack(
        [np.all((v > lo) & (v < hi), axis=-1) for v, lo, hi in zip(values, lower, upper, strict=True)], axis=-1
    )


def _oracle_history(ego_past: np.ndarray) -> np.ndarray:
    """nuPlan's InterpolatedTrajectory.get_state_at_times on NAVSIM's history sample times."""
    time_us = np.rint(ego_past[:, 0] * 1e6).astype(np.int64) + 10**9
    samples = np.arange(time_us[0], time_us[-1], 100_000)[:-1]
    linear = interp1d(time_us, ego_past[:, [1, 2, 4, 5]], axis=0)(samples)
    heading = interp1d(time_us, np.unwrap(ego_past[:, 3]), axis=0)(samples)
    out = np.zeros((samples.shape[0], STATE_SIZE))
    out[:, [StateIndex.X, StateIndex.Y, StateIndex.VX, StateIndex.AX]] = linear
    out[:, StateIndex.HEADING] = (heading + np.pi) % (2.0 * np.pi) - np.pi
    return out


def _random_states(rng: np.random.Generator, n: int, steps: int, dt: float = 0.1) -> np.ndarray:
    """Smooth random motions whose comfort values straddle the bounds (heading wraps past pi)."""
    t = np.arange(steps) * dt
    states = np.zeros((n, steps, STATE_SIZE))
    phase = rng.uniform(0, 2 * np.pi, size=(n, 1))
    freq = rng.uniform(0.5, 3.0, size=(n, 1))
    states[..., StateIndex.AX] = rng.uniform(-2.0, 2.0, (n, 1)) * np.sin(freq * t + phase) + rng.normal(
        scale=0.05, size=(n, steps)
    )
    states[..., StateIndex.AY] = rng.uniform(0.0, 5.5, (n, 1)) * np.cos(freq * t)
    yaw_rate = rng.uniform(-1.2, 1.2, (n, 1)) * np.sin(freq * t + 2 * phase)
    states[..., StateIndex.ANGULAR_VELOCITY] = yaw_rate
    states[..., StateIndex.ANGULAR_ACCELERATION] = np.gradient(yaw_rate, dt, axis=1)
    heading = 3.0 + (np.cumsum(yaw_rate, axis=1) - yaw_rate[:, :1]) * dt  # 3.0 [rad] at t = 0
    states[..., StateIndex.HEADING] = (heading + np.pi) % (2.0 * np.pi) - np.pi
    states[..., StateIndex.VX] = 8.0
    return states


CURVED_PAST = np.array(
    [
        [-1.5, -14.0, -3.0, 2.9, 9.0, 0.8],
        [-1.0, -9.5, -2.2, -3.1, 9.4, 1.1],
        [-0.5, -4.8, -0.9, -2.8, 9.9, -0.6],
        [0.0, 0.0, 0.0, 3.05, 10.0, 0.3],
    ]
)


# A gentle right turn through -pi that ends at the random states' initial heading of 3.0 rad.
MILD_PAST = np.array(
    [
        [-1.5, -14.0, 0.9, -3.0, 9.0, 0.3],
        [-1.0, -9.5, 0.5, -3.1, 9.4, 0.1],
        [-0.5, -4.8, 0.2, 3.1, 9.9, -0.2],
        [0.0, 0.0, 0.0, 3.0, 10.0, 0.0],
    ]
)


def test_history_states_match_nuplan_interpolation() -> None:
    for past in (CURVED_PAST, MILD_PAST):
        np.testing.assert_allclose(history_states(past), _oracle_history(past), rtol=0, atol=1e-12)
    got = history_states(CURVED_PAST)
    expected = _oracle_history(CURVED_PAST)
    assert got.shape == (14, STATE_SIZE)  # -1.5 ... -0.2 s: the -0.1 s sample is missing
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    assert np.all(got[:, [StateIndex.VY, StateIndex.AY, StateIndex.ANGULAR_VELOCITY]] == 0.0)


def test_comfort_v1_matches_oracle() -> None:
    rng = np.random.default_rng(3)
    states = _random_states(rng, 96, 41)
    result = comfort_v1(states)
    expected = _oracle_checks(states, 0.1, v2=False, offset=0.0, config=ComfortConfig())
    np.testing.assert_array_equal(result.checks, expected)
    np.testing.assert_array_equal(result.passed, expected.all(axis=1).astype(float))
    assert 0 < result.passed.sum() < len(states), "random cases should both pass and fail"
    assert not np.all(result.checks[:, ComfortCheckIndex.LAT_ACCEL])


def test_history_comfort_matches_oracle() -> None:
    rng = np.random.default_rng(4)
    states = _random_states(rng, 96, 41)
    padded = np.concatenate([np.broadcast_to(_oracle_history(MILD_PAST), (96, 14, STATE_SIZE)), states], axis=1)
    offset = PACIFICA.rear_axle_to_center
    expected = _oracle_checks(padded, 0.1, v2=True, offset=offset, config=ComfortConfig())
    result = history_comfort(states, MILD_PAST)
    np.testing.assert_array_equal(result.checks, expected)
    assert 0 < result.passed.sum() < len(states)


def test_history_comfort_without_past_passes_everything() -> None:
    states = _random_states(np.random.default_rng(5), 8, 41)
    result = history_comfort(states, None)
    assert result.checks.all() and np.all(result.passed == 1.0)


def test_strict_bound_after_rounding() -> None:
    states = np.zeros((2, 41, STATE_SIZE))
    states[0, :, StateIndex.AX] = 2.4  # smoothed to 2.4 +- 1e-16, rounded to 2.4: not < 2.40
    states[1, :, StateIndex.AX] = 2.399999
    checks = comfort_v1(states).checks[:, ComfortCheckIndex.LON_ACCEL]
    assert checks.tolist() == [False, True]


def _oracle_features(states: np.ndarray, dt: float) -> np.ndarray:
    n = states.shape[1]
    dx = np.diff(np.arange(n) * dt).mean()
    accel = np.round(savgol_filter(np.hypot(states[..., 5], states[..., 6]), min(8, n), 2, axis=-1), 8)
    jerk = np.round(savgol_filter(accel, min(15, n), 2, deriv=1, delta=dx, axis=-1), 8)
    yaw = _navsim_unwrap(states[..., StateIndex.HEADING])
    rate = np.round(savgol_filter(yaw, min(5, n), 2, deriv=1, delta=dx, axis=-1), 8)
    yaw_accel = np.round(savgol_filter(yaw, min(5, n), 2, deriv=2, delta=dx, axis=-1), 8)
    return np.stack([accel, jerk, rate, yaw_accel], axis=-1)


@pytest.mark.parametrize("steps", [36, 10, 7, 3])
def test_ec_features_match_oracle(steps: int) -> None:
    states = _random_states(np.random.default_rng(steps), 16, steps)
    np.testing.assert_allclose(ec_features(states, 0.1), _oracle_features(states, 0.1), rtol=0, atol=2e-8)


def test_extended_comfort_matches_oracle_and_broadcasts() -> None:
    rng = np.random.default_rng(6)
    current = _random_states(rng, 32, 41)
    previous = current + rng.normal(scale=0.02, size=current.shape) * (np.arange(32) % 3)[:, None, None]
    result = extended_comfort(current, previous)
    diff = _oracle_features(current[:, :-5], 0.1) - _oracle_features(previous[:, 5:], 0.1)
    rms = np.sqrt(np.mean(diff**2, axis=1))
    np.testing.assert_allclose(result.rms, rms, rtol=0, atol=1e-9)
    assert result.passed.tolist() == np.all(rms <= ComfortConfig().ec_thresholds(), axis=1).astype(float).tolist()
    assert 0 < result.passed.sum() < 32
    single = extended_comfort(current, previous[:1])
    repeated = extended_comfort(current, np.repeat(previous[:1], 32, axis=0))
    np.testing.assert_array_equal(single.rms, repeated.rms)


def test_identical_frames_have_zero_ec() -> None:
    states = _random_states(np.random.default_rng(7), 4, 41)
    shifted = np.concatenate([np.repeat(states[:, :1], 5, axis=1), states[:, :-5]], axis=1)
    result = extended_comfort(states, shifted)  # previous[5:] == current[:-5]
    assert np.all(result.rms == 0.0) and np.all(result.passed == 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: comfort_v1(s[:, :, :10]), "shape"),
        (lambda s: comfort_v1(s[:, :3]), "at least 4"),
        (lambda s: comfort_v1(np.where(np.arange(41)[None, :, None] == 7, np.nan, s)), "step 7"),
        (lambda s: comfort_v1(s, dt=0.0), "dt"),
        (lambda s: history_comfort(s, CURVED_PAST[::-1]), "increase"),
        (lambda s: history_comfort(s, CURVED_PAST[:, :5]), "ego_past"),
        (lambda s: extended_comfort(s, s[:, :40]), "previous"),
        (lambda s: extended_comfort(s, np.concatenate([s, s])), "previous"),
        (lambda s: ec_features(s[:, :2]), "at least 3"),
    ],
)
def test_bad_input_raises_clear_errors(call, message) -> None:
    states = _random_states(np.random.default_rng(8), 3, 41)
    with pytest.raises(ValueError, match=message):
        call(states)
