"""Metric-cache folders scored into NAVSIM's results CSV, checked against the original scorer's goldens."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim.scoring.metric_cache import list_metric_caches
from sim.scoring.navsim_aggregate import TwoStageMapping
from sim.scoring.navsim_csv import ONE_STAGE_COLUMNS, TWO_STAGE_COLUMNS, read_table
from sim.scoring.navsim_inputs import save_trajectories
from sim.scoring.score_caches import evaluate_caches, main
from sim.types import NAVSIM_SAMPLING, Trajectory
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data
from tests.sim.scoring.metric_cache.cache_writer import loaded_copy, variant, write_cache

METRICS = ONE_STAGE_COLUMNS[2:10]
EC_PROPOSALS = (0, 1, 33, 100)  # EC 1, 0, 1, 0 in the goldens, far from the RMS thresholds


@pytest.fixture(scope="module")
def parity(data_dir: Path) -> tuple[Path, dict]:
    folders = [folder for folder in parity_scene_dirs(data_dir) if (folder / "metric_cache.pkl").is_file()]
    if not folders:
        missing_data("no metric caches in the parity data")
    return folders[0], dict(np.load(folders[0] / "golden_v2.npz"))


def _floats(rows: list[dict], column: str) -> np.ndarray:
    return np.array([float(row[column]) if row[column] else math.nan for row in rows])


def test_the_parity_folder_scores_to_the_official_goldens(data_dir: Path, parity, tmp_path: Path, capsys) -> None:
    folders = [folder for folder in parity_scene_dirs(data_dir) if (folder / "metric_cache.pkl").is_file()]
    golden = parity[1]
    picks = {folder.name: index for folder, index in zip(folders, (1, 5, 40, 77), strict=False)}
    plans = {token: golden["proposals_local"][index] for token, index in picks.items()}
    trajectories = save_trajectories(tmp_path / "agent.npz", plans)
    out = tmp_path / "results.csv"
    assert main([str(data_dir / "navsim_parity"), str(trajectories), "--out", str(out)]) == 0
    rows = read_table(out, ONE_STAGE_COLUMNS)
    assert [row["token"] for row in rows] == [*sorted(picks), "average_all_frames"]
    index = [picks[row["token"]] for row in rows[:-1]]
    for column, name in enumerate(METRICS):
        np.testing.assert_allclose(_floats(rows[:-1], name), golden["official_hf1_rows"][index, column], atol=1e-9)
    # the two scenes share a log and a time: no previous frame, so EC is dropped (NAVSIM's /14 score)
    np.testing.assert_allclose(_floats(rows[:-1], "score"), golden["official_hf1_epdms_noEC"][index], atol=1e-9)
    assert all(row["valid"] == "True" and row["two_frame_extended_comfort"] == "" for row in rows)
    assert float(rows[-1]["score"]) == pytest.approx(np.mean(golden["official_hf1_epdms_noEC"][index]))
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["valid"] == len(picks)


@pytest.mark.parametrize("proposal", EC_PROPOSALS)
def test_a_previous_frame_gives_the_goldens_extended_comfort(parity, tmp_path: Path, proposal: int) -> None:
    folder, golden = parity
    record = loaded_copy(folder / "metric_cache.pkl")
    write_cache(record, tmp_path / "log" / "ORIGINAL" / "now" / "metric_cache.pkl")
    previous = variant(record, time_offset_s=-0.5, ego=tuple(golden["ec_prev_ego"]))
    write_cache(previous, tmp_path / "log" / "ORIGINAL" / "previous" / "metric_cache.pkl")
    plans = {"now": golden["proposals_local"][proposal], "previous": golden["ec_prev_proposals_local"][proposal]}
    evaluate_caches(
        list_metric_caches(tmp_path), lambda cache: Trajectory(plans[cache.token], NAVSIM_SAMPLING), tmp_path / "r.csv"
    )
    row = next(row for row in read_table(tmp_path / "r.csv") if row["token"] == "now")
    assert float(row["two_frame_extended_comfort"]) == golden["ec_result"][proposal]
    assert float(row["score"]) == pytest.approx(golden["official_hf1_epdms"][proposal], abs=1e-9)
    previous_row = next(row for row in read_table(tmp_path / "r.csv") if row["token"] == "previous")
    assert previous_row["two_frame_extended_comfort"] == ""


def test_a_failing_token_is_recorded_and_the_others_are_scored(parity, tmp_path: Path) -> None:
    folder, golden = parity
    record = loaded_copy(folder / "metric_cache.pkl")
    for token, log in (("good", "a"), ("bad_agent", "b")):
        write_cache(variant(record, log_name=log), tmp_path / log / "ORIGINAL" / token / "metric_cache.pkl")
    (tmp_path / "c" / "ORIGINAL" / "broken").mkdir(parents=True)
    (tmp_path / "c" / "ORIGINAL" / "broken" / "metric_cache.pkl").write_bytes(b"not a cache")

    def agent(cache):
        if cache.token == "bad_agent":
            raise RuntimeError("model diverged")
        return Trajectory(golden["proposals_local"][1], NAVSIM_SAMPLING)

    scores, _ = evaluate_caches(list_metric_caches(tmp_path), agent, tmp_path / "r.csv")
    rows = {row["token"]: row for row in read_table(tmp_path / "r.csv", ONE_STAGE_COLUMNS)}
    assert rows["good"]["valid"] == "True" and float(rows["good"]["score"]) > 0
    for token, error in (("bad_agent", "RuntimeError: model diverged"), ("broken", "not an lzma-compressed")):
        assert rows[token]["valid"] == "False" and rows[token]["score"] == "" and rows[token]["ego_progress"] == ""
        assert error in next(score.error for score in scores if score.token == token)
    assert rows["average_all_frames"]["valid"] == "False"
    assert float(rows["average_all_frames"]["score"]) == pytest.approx(float(rows["good"]["score"]))


def _two_stage_folder(parity, tmp_path: Path) -> tuple[dict[str, np.ndarray], list[TwoStageMapping]]:
    folder, golden = parity
    record = loaded_copy(folder / "metric_cache.pkl")
    plan = golden["proposals_local"][1]
    end = plan[-1]  # the first-stage plan's end point, global = local here (ego at the origin, heading 0)
    layout = {
        "now": dict(time_offset_s=0.0),
        "prev": dict(time_offset_s=-0.5),
        "a_now": dict(time_offset_s=4.0, synthetic=True, ego=(end[0], end[1], 0.0, 8.0, 0.0, 0.0, 0.0)),
        "a_prev": dict(time_offset_s=3.5, synthetic=True, ego=(end[0] - 4.0, end[1], 0.0, 8.0, 0.0, 0.0, 0.0)),
        "b_now": dict(time_offset_s=4.0, synthetic=True, ego=(end[0] + 30.0, end[1], 0.0, 8.0, 0.0, 0.0, 0.0)),
        "b_prev": dict(time_offset_s=3.5, synthetic=True, ego=(end[0] + 26.0, end[1], 0.0, 8.0, 0.0, 0.0, 0.0)),
    }
    for token, changes in layout.items():
        kind = "SYNTHETIC" if changes.get("synthetic") else "ORIGINAL"
        write_cache(variant(record, **changes), tmp_path / "log" / kind / token / "metric_cache.pkl")
    plans = {token: golden["proposals_local"][1 if token in ("now", "prev") else 5] for token in layout}
    return plans, [TwoStageMapping("now", "prev", (("a_now", "a_prev"), ("b_now", "b_prev")))]


def _two_stage_rows(folder: Path, plans: dict, mappings: list[TwoStageMapping]) -> dict[str, dict]:
    agent = lambda cache: Trajectory(plans[cache.token], NAVSIM_SAMPLING)  # noqa: E731
    evaluate_caches(list_metric_caches(folder), agent, folder / "r.csv", mappings=mappings)
    return {row["token"]: row for row in read_table(folder / "r.csv", TWO_STAGE_COLUMNS)}


def test_two_stage_rows_weights_and_summary(parity, tmp_path: Path) -> None:
    rows = _two_stage_rows(tmp_path, *_two_stage_folder(parity, tmp_path))
    score = {token: float(rows[token]["score"]) for token in ("now", "prev", "a_now", "a_prev", "b_now", "b_prev")}
    assert rows["now"]["ego_progress_stage_two"] == "" and rows["a_now"]["ego_progress_stage_one"] == ""
    assert all(rows[t]["two_frame_extended_comfort_stage_one"] != "" for t in ("now", "prev"))
    assert all(rows[t]["two_frame_extended_comfort_stage_two"] != "" for t in ("a_now", "b_prev"))
    # now-group: a_now starts where the first-stage plan ends (weight 1), b_now 30 m away (exp(-4500) = 0).
    # prev-group: a_prev 4 m and b_prev 26 m from the plan's end: both weights below 1e-8, so NAVSIM's
    # kernel falls back to uniform weights.
    prev_next = (score["a_prev"] + score["b_prev"]) / 2.0
    combined = (score["now"] * score["a_now"] + score["prev"] * prev_next) / 2.0
    assert float(rows["extended_pdm_score_combined"]["score"]) == pytest.approx(combined, abs=1e-12)
    stage_one = (score["now"] + score["prev"]) / 2.0
    assert float(rows["extended_pdm_score_stage_one"]["score"]) == pytest.approx(stage_one, abs=1e-12)
    stage_two = (score["a_now"] + prev_next) / 2.0
    assert float(rows["extended_pdm_score_stage_two"]["score"]) == pytest.approx(stage_two, abs=1e-12)
    assert all(rows[token]["valid"] == "True" for token in rows)


def test_a_mapping_naming_an_unscored_token_marks_the_summary_invalid(parity, tmp_path: Path) -> None:
    plans, _ = _two_stage_folder(parity, tmp_path)
    broken = TwoStageMapping("now", "prev", (("a_now", "a_prev"), ("missing", "b_prev")))
    rows = _two_stage_rows(tmp_path, plans, [broken])
    assert rows["extended_pdm_score_combined"]["valid"] == "False"
    assert rows["now"]["valid"] == "True" and rows["now"]["score"] != ""


def test_the_command_reports_bad_inputs(parity, tmp_path: Path, capsys) -> None:
    folder, _ = parity
    assert main([str(tmp_path / "nowhere"), str(tmp_path / "t.npz"), "--out", str(tmp_path / "r.csv")]) == 2
    assert "no such metric-cache folder" in capsys.readouterr().err
    save_trajectories(tmp_path / "t.npz", {"other_token": np.zeros((8, 3))})
    assert main([str(folder / "metric_cache.pkl"), str(tmp_path / "t.npz"), "--out", str(tmp_path / "r.csv")]) == 2
    assert "no token has both" in capsys.readouterr().err
    assert not (tmp_path / "r.csv").exists()
