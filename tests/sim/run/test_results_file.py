"""The resumable checkpoint JSON: valid after every route, resumed, crashed routes rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.route_record import RouteStatus
from sim.run.results_file import ResultsFile, ResultsFileError
from tests.sim.eval.record_factory import event, record

LB1, LB2 = LeaderboardRules.LB1, LeaderboardRules.LB2


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
