"""Registered planners through the NAVSIM path, scored by our own PDMS / EPDMS on the parity scenes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from agents.adapters.navsim_eval import main, score_planner
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
