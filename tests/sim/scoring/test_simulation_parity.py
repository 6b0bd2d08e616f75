"""Interpolation and simulation against the original NAVSIM goldens (every parity scene), plus input checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.simulation import (
    interpolate_reference,
    local_to_global,
    reference_from_timed_poses,
    simulate,
    simulate_local,
    state_from_components,
)
from sim.types import NAVSIM_SAMPLING, StateIndex, TrajectorySampling
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

REFERENCE_TOLERANCE = 1e-9  # [m, rad] README section 7
STATE_TOLERANCE = 1e-6  # [SI] README section 7 (measured here: ~2e-12)
EC_PAIRS = 128  # ec_prev_sim_states holds only the first 128 pairs


def _scenes(root: Path) -> list[tuple[str, np.lib.npyio.NpzFile, object]]:
    dirs = parity_scene_dirs(root)
    if not dirs:
        missing_data(f"no parity scenes under {root / 'navsim_parity'}")
    return [(d.name, np.load(d / "golden_v2.npz"), load_scoring_scene(d / "scene_v2.json")) for d in dirs]


def _max_error(actual: np.ndarray, expected: np.ndarray, heading_column: int) -> float:
    """Largest absolute difference; headings compared modulo 2 pi (a value at -pi may read as pi)."""
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    difference = np.abs(actual - expected)
    angle = actual[..., heading_column] - expected[..., heading_column]
    difference[..., heading_column] = np.abs(np.arctan2(np.sin(angle), np.cos(angle)))
    return float(difference.max(initial=0.0))


def test_proposals_match_reference_and_states(data_dir: Path) -> None:
    for name, golden, scene in _scenes(data_dir):
        result = simulate_local(golden["proposals_local"], NAVSIM_SAMPLING, scene.ego_init)
        assert _max_error(result.reference, golden["ref_states_xyh"], 2) <= REFERENCE_TOLERANCE, name
        error = _max_error(result.states, golden["sim_states"], StateIndex.HEADING)
        assert error <= STATE_TOLERANCE, f"{name}: sim_states differ by {error:.3e}"
        parallel = simulate_local(golden["proposals_local"], NAVSIM_SAMPLING, scene.ego_init, parallel=True)
        np.testing.assert_array_equal(parallel.states, result.states)


def test_pdm_closed_reference_matches(data_dir: Path) -> None:
    for name, golden, scene in _scenes(data_dir):
        reference = reference_from_timed_poses(scene.reference)
        assert _max_error(reference, golden["pdmc_ref_states_xyh"], 2) <= REFERENCE_TOLERANCE, name
        states = simulate(reference[None], scene.ego_init)[0]
        assert _max_error(states, golden["pdmc_sim_states"], StateIndex.HEADING) <= STATE_TOLERANCE, name


def test_human_future_matches(data_dir: Path) -> None:
    for name, golden, scene in _scenes(data_dir):
        result = simulate_local(scene.human_future[None], NAVSIM_SAMPLING, scene.ego_init)
        assert _max_error(result.reference[0], golden["human_ref_states_xyh"], 2) <= REFERENCE_TOLERANCE, name
        assert _max_error(result.states[0], golden["human_sim_states"], StateIndex.HEADING) <= STATE_TOLERANCE, name


def test_previous_frame_plans_match(data_dir: Path) -> None:
    for name, golden, _ in _scenes(data_dir):
        previous = state_from_components(*golden["ec_prev_ego"])
        result = simulate_local(golden["ec_prev_proposals_local"][:EC_PAIRS], NAVSIM_SAMPLING, previous)
        error = _max_error(result.states, golden["ec_prev_sim_states"], StateIndex.HEADING)
        assert error <= STATE_TOLERANCE, f"{name}: ec_prev_sim_states differ by {error:.3e}"


def test_local_to_global_composes_rigid_transforms() -> None:
    origin = np.array([10.0, -5.0, 3.0])
    local = np.array([[[1.0, 0.0, 0.0], [0.0, 2.0, 0.5], [0.0, 0.0, 2 * np.pi + 0.2]]])
    out = local_to_global(local, origin)
    c, s = np.cos(3.0), np.sin(3.0)
    np.testing.assert_allclose(out[0, 0], [10.0 + c, -5.0 + s, 3.0], atol=1e-12)
    np.testing.assert_allclose(out[0, 1, :2], [10.0 - 2 * s, -5.0 + 2 * c], atol=1e-12)
    np.testing.assert_allclose(out[0, 1, 2], 3.5 - 2 * np.pi, atol=1e-12)  # wrapped to [-pi, pi)
    np.testing.assert_allclose(out[0, 2, 2], 3.2 - 2 * np.pi, atol=1e-12)


def test_interpolation_is_linear_with_unwrapped_heading() -> None:
    poses = np.array([[[1.0, 0.0, 3.0], [2.0, 2.0, -2.8]]])  # heading crosses +-pi the short way
    out = interpolate_reference(np.zeros(3), poses, interval=1.0, num_steps=25, dt=0.1)
    np.testing.assert_allclose(out[0, 5], [0.5, 0.0, 1.5], atol=1e-12)
    np.testing.assert_allclose(out[0, 15, :2], [1.5, 1.0], atol=1e-12)
    np.testing.assert_allclose(out[0, 15, 2], (3.0 + (2 * np.pi - 2.8)) / 2 - 2 * np.pi, atol=1e-12)
    np.testing.assert_allclose(out[0, 20:], np.repeat(out[0, 20:21], 6, axis=0))  # held past the last pose
    assert np.all((out[..., 2] >= -np.pi) & (out[..., 2] < np.pi))


def test_empty_batch_returns_empty_arrays() -> None:
    initial = state_from_components(0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0)
    result = simulate_local(np.zeros((0, 8, 3)), NAVSIM_SAMPLING, initial)
    assert result.reference.shape == (0, 41, 3) and result.states.shape == (0, 41, 11)
    assert simulate(np.zeros((0, 41, 3)), initial, parallel=True).shape == (0, 41, 11)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: simulate(np.full((2, 41, 3), np.nan), s), "reference_xyh contains NaN"),
        (lambda s: simulate(np.zeros((2, 41, 2)), s), "reference_xyh must have shape"),
        (lambda s: simulate(np.zeros((2, 3, 3)), s), "at least 4 poses"),
        (lambda s: simulate(np.zeros((1, 41, 3)), s[:7]), "initial_state must have shape"),
        (lambda s: simulate(np.zeros((1, 41, 3)), s, dt=0.0), "dt must be a positive"),
        (lambda s: simulate_local(np.zeros((1, 6, 3)), NAVSIM_SAMPLING, s), "poses_local must have shape"),
        (lambda s: simulate_local(np.full((1, 8, 3), np.inf), NAVSIM_SAMPLING, s), "poses_local contains NaN"),
        (lambda s: reference_from_timed_poses(np.zeros((3, 4))), "strictly increasing"),
        (lambda s: local_to_global(np.zeros((2, 3)), [0.0, np.nan, 0.0]), "origin contains NaN"),
        (lambda s: state_from_components(0, 0, 0, np.nan, 0, 0, 0), "state components contains NaN"),
    ],
)
def test_bad_input_raises_naming_the_argument(call, message) -> None:
    state = state_from_components(0.0, 0.0, 0.0, 5.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match=message):
        call(state)


def test_other_samplings_are_interpolated_and_held() -> None:
    sampling = TrajectorySampling(num_poses=6, interval_length=0.5)
    initial = state_from_components(3.0, 4.0, 1.0, 2.0, 0.0, 0.0, 0.0)
    local = np.stack([np.linspace(1.0, 6.0, 6), np.zeros(6), np.zeros(6)], axis=1)[None]
    result = simulate_local(local, sampling, initial)
    assert result.states.shape == (1, 41, 11)
    np.testing.assert_allclose(result.reference[0, 30:], np.repeat(result.reference[0, 30:31], 11, axis=0))
    np.testing.assert_array_equal(result.states[0, 0], initial)
