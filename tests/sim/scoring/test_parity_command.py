"""The parity command on every visible parity scene, v1.1 (PDMS) and v2 (EPDMS)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scoring.parity import main, run_parity
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data


def scenes(data_dir: Path) -> list[Path]:
    found = parity_scene_dirs(data_dir)
    if not found:
        missing_data("no parity scenes in the data directory")
    return found


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_every_check_agrees_with_the_original(data_dir: Path, version: str) -> None:
    for scene_dir in scenes(data_dir):
        checks = run_parity(scene_dir / f"scene_{version}.json", scene_dir / f"golden_{version}.npz")
        failed = [check.line() for check in checks if not check.passed]
        assert not failed, f"{scene_dir.name} {version}:\n" + "\n".join(failed)
        assert len(checks) > 30


def test_command_fails_on_a_disagreeing_golden(data_dir: Path, tmp_path: Path, capsys) -> None:
    scene_dir = scenes(data_dir)[0]
    golden = dict(np.load(scene_dir / "golden_v1.npz"))
    flipped = golden["batch_metrics"].copy()
    flipped[3, 1] = 1.0 - flipped[3, 1]  # drivable area compliance of one proposal
    golden["batch_metrics"] = flipped
    broken = tmp_path / "golden_v1.npz"
    np.savez(broken, **golden)
    assert main([str(scene_dir / "scene_v1.json"), str(broken)]) == 1
    assert "FAIL batch.drivable_area_compliance" in capsys.readouterr().out


def test_command_reports_a_missing_file(tmp_path: Path) -> None:
    assert main([str(tmp_path / "scene.json"), str(tmp_path / "golden.npz")]) == 2


def cache_scenes(data_dir: Path) -> list[Path]:
    found = [folder for folder in scenes(data_dir) if (folder / "metric_cache.pkl").is_file()]
    if not found:
        missing_data("no metric caches in the parity data")
    return found


def test_every_check_agrees_from_navsims_metric_cache(data_dir: Path) -> None:
    for scene_dir in cache_scenes(data_dir):
        checks = run_parity(scene_dir / "metric_cache.pkl", scene_dir / "golden_v2.npz")
        failed = [check.line() for check in checks if not check.passed]
        assert not failed, f"{scene_dir.name} metric cache:\n" + "\n".join(failed)
        assert len(checks) > 80 and not any(check.skipped for check in checks)


def test_a_cache_cannot_stand_in_for_the_five_second_v1_scene(data_dir: Path, capsys) -> None:
    scene_dir = cache_scenes(data_dir)[0]
    assert main([str(scene_dir / "metric_cache.pkl"), str(scene_dir / "golden_v1.npz")]) == 2
    assert "holds 41 frames (4 s); the v1.1 goldens" in capsys.readouterr().err


def test_a_synthetic_cache_skips_the_human_filter_checks(data_dir: Path, tmp_path: Path, capsys) -> None:
    from tests.sim.scoring.metric_cache.cache_writer import loaded_copy, variant, write_cache

    scene_dir = cache_scenes(data_dir)[0]
    synthetic = variant(loaded_copy(scene_dir / "metric_cache.pkl"), synthetic=True)
    path = write_cache(synthetic, tmp_path / "synthetic" / "metric_cache.pkl")
    assert main([str(path), str(scene_dir / "golden_v2.npz")]) == 0
    out = capsys.readouterr().out
    assert "skip official_hf1 (human filter)" in out and "no human trajectory" in out
    assert "skip human_sim_states" in out and out.strip().splitlines()[-1].endswith("all agree, 2 skipped")
