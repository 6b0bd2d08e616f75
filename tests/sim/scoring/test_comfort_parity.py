"""Parity of C (v1.1), HC (v2) and EC (v2) with the original NAVSIM scorer's goldens.

Simulated states are taken from the goldens as input. Discrete values must match exactly, except
for proposals flagged in ``batch_borderline_1e-06`` for that metric column (reported, not failed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.scoring.comfort import ComfortCheckIndex, ComfortConfig, comfort_v1, history_comfort
from sim.scoring.extended_comfort import extended_comfort
from sim.scoring.scene_io import load_scoring_scene
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

HC_COLUMN_V2 = 7  # history_comfort in golden_v2 batch_metrics
C_COLUMN_V1 = 4  # comfort in golden_v1 batch_metrics
EC_RMS_TOLERANCE = 1e-4  # README section 7: yaw acceleration amplifies state errors by 1/dt^2
EC_PAIRS = 128  # ec_prev_sim_states holds only the first 128 pairs


def _scene_dirs(root: Path) -> list[Path]:
    dirs = parity_scene_dirs(root)
    if not dirs:
        missing_data(f"no parity scenes under {root / 'navsim_parity'}")
    return dirs


def _stable(golden: np.lib.npyio.NpzFile, column: int) -> np.ndarray:
    """Proposals whose metric ``column`` does not flip under +-1e-6 state noise."""
    return (golden["batch_borderline_1e-06"] & (1 << column)) == 0


def _assert_checks_equal(got: np.ndarray, expected: np.ndarray, stable: np.ndarray, label: str) -> None:
    assert got.shape == expected.shape
    wrong = np.argwhere((got != expected) & stable[:, None])
    names = [f"proposal {p} {ComfortCheckIndex(c).name}" for p, c in wrong[:10]]
    assert wrong.size == 0, f"{label}: {len(wrong)} check mismatches: {names}"


def test_golden_columns_match_the_check_index(data_dir: Path) -> None:
    for scene_dir in _scene_dirs(data_dir):
        for name in ("golden_v2.npz", "golden_v1.npz"):
            columns = np.load(scene_dir / name)["comfort_check_columns"]
            assert [c.upper() for c in columns] == [member.name for member in ComfortCheckIndex]


def test_history_comfort_parity(data_dir: Path) -> None:
    for scene_dir in _scene_dirs(data_dir):
        golden = np.load(scene_dir / "golden_v2.npz")
        scene = load_scoring_scene(scene_dir / "scene_v2.json")
        result = history_comfort(golden["sim_states"], scene.ego_past, dt=scene.frame_dt)
        stable = _stable(golden, HC_COLUMN_V2)
        _assert_checks_equal(result.checks, golden["batch_comfort_checks"], stable, f"{scene_dir.name} HC")
        expected = golden["batch_metrics"][:, HC_COLUMN_V2]
        np.testing.assert_array_equal(result.passed[stable], expected[stable], err_msg=f"{scene_dir.name} HC")


def test_history_comfort_parity_needs_the_history(data_dir: Path) -> None:
    """Without the padded past the v2 checks differ somewhere: the test above can fail."""
    differs = False
    for scene_dir in _scene_dirs(data_dir):
        golden = np.load(scene_dir / "golden_v2.npz")
        scene = load_scoring_scene(scene_dir / "scene_v2.json")
        no_history = history_comfort(golden["sim_states"], scene.ego_past[-1:], dt=scene.frame_dt)
        differs |= bool(np.any(no_history.checks != golden["batch_comfort_checks"]))
    assert differs


def test_comfort_v1_parity(data_dir: Path) -> None:
    for scene_dir in _scene_dirs(data_dir):
        states = np.load(scene_dir / "golden_v2.npz")["sim_states"]  # v1.1 states are not stored again
        golden = np.load(scene_dir / "golden_v1.npz")
        result = comfort_v1(states)
        stable = _stable(golden, C_COLUMN_V1)
        _assert_checks_equal(result.checks, golden["batch_comfort_checks"], stable, f"{scene_dir.name} C")
        expected = golden["batch_metrics"][:, C_COLUMN_V1]
        np.testing.assert_array_equal(result.passed[stable], expected[stable], err_msg=f"{scene_dir.name} C")


def test_extended_comfort_parity(data_dir: Path) -> None:
    thresholds = ComfortConfig().ec_thresholds()
    for scene_dir in _scene_dirs(data_dir):
        golden = np.load(scene_dir / "golden_v2.npz")
        previous = golden["ec_prev_sim_states"]
        pairs = previous.shape[0]
        assert pairs <= EC_PAIRS
        result = extended_comfort(golden["sim_states"][:pairs], previous)
        expected_rms = golden["ec_rms"][:pairs]
        np.testing.assert_allclose(result.rms, expected_rms, rtol=0, atol=EC_RMS_TOLERANCE)
        decided = np.all(np.abs(expected_rms - thresholds) >= EC_RMS_TOLERANCE, axis=1)
        expected = golden["ec_result"][:pairs]
        np.testing.assert_array_equal(result.passed[decided], expected[decided], err_msg=f"{scene_dir.name} EC")
