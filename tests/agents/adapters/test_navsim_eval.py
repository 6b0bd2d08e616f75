"""Registered planners through the NAVSIM path, scored by our own PDMS / EPDMS on the parity scenes."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from agents.adapters.navsim_eval import main, score_planner
from sim.scoring.navsim_csv import ONE_STAGE_COLUMNS, read_table
from tests.data_guard import missing_data


def scenes(data_dir: Path, version: str) -> list[Path]:
    found = sorted((data_dir / "navsim_parity").glob(f"*/scene_{version}.json"))
    if not found:
        missing_data("no parity scenes")
    return found


def test_pdm_closed_stops_for_the_red_light_constant_velocity_runs(data_dir: Path) -> None:
    """The parity scenes have a red light on the through connectors: EPDMS (v2) judges it."""
    paths = scenes(data_dir, "v2")
    pdm = score_planner("pdm_closed", paths, "v2")
    cv = score_planner("constant_velocity", paths, "v2")
    assert all(r.metrics.shape == (8,) for r in pdm + cv)
    assert all(r.metrics[3] == 1.0 for r in pdm) and all(r.metrics[3] == 0.0 for r in cv)  # TLC
    assert np.mean([r.score for r in pdm]) > 0.9 > np.mean([r.score for r in cv])


def test_pdms_v1_scores_both_planners(data_dir: Path) -> None:
    """PDMS v1.1 has no traffic-light metric: both drive collision-free; stopping costs some progress."""
    paths = scenes(data_dir, "v1")
    pdm = score_planner("pdm_closed", paths, "v1")
    cv = score_planner("constant_velocity", paths, "v1")
    assert all(r.metrics.shape == (6,) and 0.0 <= r.score <= 1.0 for r in pdm + cv)
    assert all(r.metrics[0] == 1.0 and r.metrics[1] == 1.0 for r in pdm + cv)  # NC, DAC


def test_command_prints_a_json_summary(data_dir: Path, capsys) -> None:
    assert main(["--planner", "constant_velocity", *map(str, scenes(data_dir, "v2"))]) == 0
    assert '"mean_score"' in capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["--planner", "nope", str(scenes(data_dir, "v2")[0])]) == 2


def test_a_failing_scene_is_recorded_and_the_batch_goes_on(data_dir: Path, tmp_path: Path, capsys) -> None:
    good = scenes(data_dir, "v2")[0]
    broken = tmp_path / "broken_scene.json"
    broken.write_text(json.dumps({**json.loads(good.read_text()), "frame_dt": 0.2}))
    results = score_planner("constant_velocity", [broken, good], "v2")
    assert [r.status for r in results] == ["failed", "ok"]
    assert "frame_dt" in results[0].error and np.all(np.isnan(results[0].metrics))
    assert np.isfinite(results[1].score)
    assert main(["--planner", "constant_velocity", str(broken), str(good)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].startswith(f"{broken}: failed") and "frame_dt" in out[0]
    summary = json.loads(out[-1])
    assert summary["ok"] == 1 and str(broken) in summary["failed"] and summary["mean_score"] == results[1].score


def test_metric_cache_folder_to_navsim_csv(data_dir: Path, tmp_path: Path, capsys) -> None:
    caches = sorted((data_dir / "navsim_parity").glob("*/metric_cache.pkl"))
    if not caches:
        missing_data("no metric caches")
    out = tmp_path / "pdm_closed.csv"
    assert main(["--planner", "pdm_closed", "--metric-cache", str(data_dir / "navsim_parity"), "--out", str(out)]) == 0
    rows = read_table(out, ONE_STAGE_COLUMNS)
    assert [row["token"] for row in rows] == [*(path.parent.name for path in caches), "average_all_frames"]
    assert all(row["valid"] == "True" and row["traffic_light_compliance"] == "1.0" for row in rows)
    assert float(rows[-1]["score"]) > 0.9
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["valid"] == len(caches)
    # the same scenes from the cache files in scene mode score the same
    from_files = score_planner("pdm_closed", caches, "v2")
    assert [r.score for r in from_files] == pytest.approx([float(row["score"]) for row in rows[:-1]])
