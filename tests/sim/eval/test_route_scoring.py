"""Leaderboard route scores, statuses, the resumable results file and Bench2Drive's summary metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sim.eval.bench2drive import ability_scores, comfortness, driving_score_and_success, efficiency, is_success
from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules
from sim.eval.results_file import ResultsFile, ResultsFileError
from sim.eval.route_record import RouteRecord, RouteStatus, final_status

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE


def event(kind: Infraction, value: float = 0.0) -> InfractionEvent:
    return InfractionEvent(kind=kind, time=1.0, location=np.array([1.0, 2.0, 0.0]), value=value, detail="x")


def record(index: int = 0, rc: float = 100.0, events=(), status=RouteStatus.COMPLETED, **extra) -> RouteRecord:
    return RouteRecord(
        index=index,
        route_id=f"RouteScenario_{index}",
        town="Town01",
        status=status,
        route_completion=rc,
        infractions=tuple(events),
        route_length=500.0,
        duration_game=60.0,
        duration_system=5.0,
        **extra,
    )


def test_penalties_multiply_and_driving_score_is_rc_times_is() -> None:
    route = record(rc=80.0, events=[event(Infraction.COLLISION_PEDESTRIAN), event(Infraction.COLLISION_VEHICLE)])
    assert route.infraction_penalty(LB1) == pytest.approx(0.5 * 0.6)
    assert route.driving_score(LB1) == pytest.approx(80.0 * 0.3)


@pytest.mark.parametrize(
    "kind,factor",
    [
        (Infraction.COLLISION_STATIC, 0.65),
        (Infraction.RED_LIGHT, 0.70),
        (Infraction.STOP_SIGN, 0.80),
        (Infraction.ROUTE_DEVIATION, 1.0),
        (Infraction.AGENT_BLOCKED, 1.0),
    ],
)
def test_each_penalty_coefficient(kind: Infraction, factor: float) -> None:
    assert record(events=[event(kind)]).infraction_penalty(LB2) == pytest.approx(factor)


def test_outside_lanes_scales_by_the_percentage_and_min_speed_depends_on_rules() -> None:
    assert record(events=[event(Infraction.OUTSIDE_ROUTE_LANES, 20.0)]).infraction_penalty(LB1) == pytest.approx(0.8)
    slow = record(events=[event(Infraction.MIN_SPEED, 50.0)])
    assert slow.infraction_penalty(LB2) == pytest.approx(1 - 0.3 * 0.5)
    assert slow.infraction_penalty(B2D) == 1.0


def test_status_rules() -> None:
    assert final_status(True, (), LB2, None) is RouteStatus.PERFECT
    assert final_status(True, (), LB1, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.RED_LIGHT),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.MIN_SPEED, 80),), B2D, None) is RouteStatus.PERFECT
    assert final_status(False, (event(Infraction.AGENT_BLOCKED),), LB1, None) is RouteStatus.BLOCKED
    assert final_status(False, (event(Infraction.ROUTE_DEVIATION),), LB1, None) is RouteStatus.DEVIATED
    assert final_status(False, (), LB1, RouteStatus.AGENT_CRASHED) is RouteStatus.AGENT_CRASHED


def test_results_file_is_valid_after_every_route_and_resumes(tmp_path: Path) -> None:
    ids = [f"RouteScenario_{i}" for i in range(3)]
    path = tmp_path / "results.json"
    results = ResultsFile(path, LB1, ids, ["sensor.camera.rgb"])
    results.add(record(0, rc=100.0))
    results.add(record(1, rc=50.0, events=[event(Infraction.COLLISION_VEHICLE)]))
    payload = json.loads(path.read_text())
    assert payload["_checkpoint"]["progress"] == [2, 3] and payload["entry_status"] == "Started"
    global_scores = payload["_checkpoint"]["global_record"]["scores_mean"]
    assert global_scores["score_composed"] == pytest.approx((100.0 + 50.0 * 0.6) / 2)
    assert global_scores["score_route"] == pytest.approx(75.0)
    assert list(tmp_path.iterdir()) == [path], "no temporary files are left behind"

    resumed = ResultsFile(path, LB1, ids, ["sensor.camera.rgb"])
    assert resumed.resume() == {0, 1}
    resumed.add(record(2, rc=10.0))
    final = resumed.write(finished=True)
    assert final["_checkpoint"]["progress"] == [3, 3] and final["entry_status"] == "Finished"
    assert final["values"][0] == f"{(100.0 + 30.0 + 10.0) / 3:.3f}"


def test_crashed_routes_are_rerun_and_foreign_files_refused(tmp_path: Path) -> None:
    ids = ["RouteScenario_0", "RouteScenario_1"]
    path = tmp_path / "results.json"
    results = ResultsFile(path, LB2, ids, [])
    results.add(record(0))
    results.add(record(1, rc=0.0, status=RouteStatus.AGENT_CRASHED))
    assert ResultsFile(path, LB2, ids, []).resume() == {0}
    with pytest.raises(ResultsFileError, match="RouteScenario_7"):
        ResultsFile(path, LB2, ["RouteScenario_7", "RouteScenario_1"], []).resume()
    path.write_text("{not json")
    with pytest.raises(ResultsFileError, match=str(path)):
        ResultsFile(path, LB2, ids, []).resume()


def test_infractions_per_km_use_km_driven(tmp_path: Path) -> None:
    results = ResultsFile(tmp_path / "r.json", LB2, ["RouteScenario_0"], [])
    results.add(record(0, rc=50.0, events=[event(Infraction.RED_LIGHT), event(Infraction.RED_LIGHT)]))
    infractions = results.write(finished=True)["_checkpoint"]["global_record"]["infractions"]
    assert infractions["red_light"] == pytest.approx(2 / 0.25)  # 500 m x 50 % = 0.25 km


def test_bench2drive_success_ds_and_abilities() -> None:
    ok = record(0, scenario_types=("ParkedObstacle",), status=RouteStatus.PERFECT).to_json(B2D)
    slow = record(1, events=[event(Infraction.MIN_SPEED, 40.0)], scenario_types=("ParkingCutIn",)).to_json(B2D)
    bad = record(2, rc=60.0, events=[event(Infraction.RED_LIGHT)], scenario_types=("ParkingCutIn",)).to_json(B2D)
    assert is_success(ok) and is_success(slow) and not is_success(bad)
    ds, sr = driving_score_and_success([ok, slow, bad], expected_routes=4)
    assert ds == pytest.approx((100 + 100 + 60 * 0.7) / 4) and sr == pytest.approx(2 / 4)
    abilities = ability_scores([ok, slow, bad])
    assert abilities["Overtaking"] == 1.0 and abilities["Emergency_Brake"] == 0.5
    assert efficiency([slow]) == pytest.approx(40.0)


def test_comfortness_of_smooth_and_jerky_driving() -> None:
    t = np.arange(60)
    smooth = np.column_stack([np.full(60, 0.5), np.zeros(60)])
    jerky = np.column_stack([3.0 * np.sign(np.sin(t)), np.zeros(60)])
    assert comfortness(smooth, np.zeros(60)) == 1.0
    assert comfortness(jerky, np.zeros(60)) == 0.0


def test_free_minimum_speed_reports_do_not_spoil_a_perfect_route() -> None:
    assert final_status(True, (event(Infraction.MIN_SPEED, 100.0),), LB2, None) is RouteStatus.PERFECT
    assert final_status(True, (event(Infraction.MIN_SPEED, 50.0),), LB2, None) is RouteStatus.COMPLETED
    assert final_status(True, (event(Infraction.MIN_SPEED, 50.0),), B2D, None) is RouteStatus.PERFECT
