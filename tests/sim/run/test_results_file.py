"""The resumable checkpoint JSON: valid after every route, resumed, crashed routes rerun, exact formats."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.carla.checkpoint import record_from_evaluator
from sim.eval.bench2drive_metric import MetricColumn, MotionSamples
from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules
from sim.eval.results_format import ResultsFormat, infraction_keys
from sim.eval.route_record import RouteRecord, RouteStatus
from sim.run.results_file import METRIC_DIR, ResultsFile, ResultsFileError
from tests.sim.eval.record_factory import event, record

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE


def test_results_file_is_valid_after_every_route_and_resumes(tmp_path: Path) -> None:
    ids = [f"RouteScenario_{i}" for i in range(3)]
    path = tmp_path / "results.json"
    results = ResultsFile(path, LB1, ids)
    results.add(record(0, rc=100.0, sensors=("sensor.camera.rgb", "sensor.speedometer")))
    results.add(record(1, rc=50.0, events=[event(Infraction.COLLISION_VEHICLE)]))
    payload = json.loads(path.read_text())
    assert payload["_checkpoint"]["progress"] == [2, 3] and payload["entry_status"] == "Started"
    assert payload["eligible"] is False and payload["sensors"] == ["carla_camera", "carla_speedometer"]
    assert payload["_checkpoint"]["global_record"] == {} and payload["values"] == []  # written at the end
    assert list(tmp_path.iterdir()) == [path], "no temporary files are left behind"

    resumed = ResultsFile(path, LB1, ids)
    assert resumed.resume() == {0, 1}
    resumed.add(record(2, rc=10.0))
    final = resumed.write(finished=True)
    assert final["_checkpoint"]["progress"] == [3, 3] and final["entry_status"] == "Finished"
    assert final["sensors"] == ["carla_camera", "carla_speedometer"], "the sensors survive a resume"
    assert final["_checkpoint"]["global_record"]["scores"]["score_composed"] == pytest.approx((100 + 30 + 10) / 3)
    assert final["values"][0] == f"{(100.0 + 30.0 + 10.0) / 3:.3f}" and len(final["labels"]) == 12


def test_crashed_routes_are_rerun_and_foreign_files_refused(tmp_path: Path) -> None:
    ids = ["RouteScenario_0", "RouteScenario_1"]
    path = tmp_path / "results.json"
    results = ResultsFile(path, LB2, ids)
    results.add(record(0))
    results.add(record(1, rc=0.0, status=RouteStatus.AGENT_CRASHED))
    assert ResultsFile(path, LB2, ids).resume() == {0}
    with pytest.raises(ResultsFileError, match="RouteScenario_7"):
        ResultsFile(path, LB2, ["RouteScenario_7", "RouteScenario_1"]).resume()
    path.write_text("{not json")
    with pytest.raises(ResultsFileError, match=str(path)):
        ResultsFile(path, LB2, ids).resume()


def test_failures_reach_the_entry_status(tmp_path: Path) -> None:
    ids = ["RouteScenario_0_rep0", "RouteScenario_1_rep0"]
    results = ResultsFile(tmp_path / "r.json", LB2, ids)
    results.add(record(0, sensors=("sensor.camera.rgb",)))
    results.add(record(1, rc=0.0, status=RouteStatus.SIMULATION_CRASHED))
    final = results.write(finished=True)
    assert (final["entry_status"], final["eligible"]) == ("Crashed", False) and len(final["values"]) == 15


def test_bench2drive_writes_each_routes_metric_info(tmp_path: Path) -> None:
    values = np.zeros((3, len(MetricColumn)))
    values[:, MetricColumn.ACC_X] = [0.1, 0.2, 0.3]
    motion = MotionSamples(frames=np.array([1, 2, 3]), values=values)
    save_name = "RouteScenario_0_rep0_Town01_Accident_1_3_01_02_03_04_05"
    results = ResultsFile(tmp_path / "results.json", B2D, ["RouteScenario_0_rep0"])
    results.add(record(0, motion=motion, extra={"save_name": save_name, "scenario_name": "Accident_1"}))
    written = json.loads((tmp_path / METRIC_DIR / save_name / "metric_info.json").read_text())
    assert list(written) == ["1", "2", "3"] and written["3"]["acceleration"] == [0.3, 0.0, 0.0]
    stored = json.loads((tmp_path / "results.json").read_text())["_checkpoint"]["records"][0]
    assert stored["save_name"] == save_name and stored["town_name"] == "Town01" and stored["weather_id"] is None


KINDS = [kind for kind in Infraction if kind is not Infraction.MIN_SPEED]
STATUSES = [RouteStatus.COMPLETED, RouteStatus.FAILED, RouteStatus.BLOCKED, RouteStatus.TIMED_OUT]


@st.composite
def route_records(draw, count: int) -> list[RouteRecord]:
    records = []
    for index in range(count):
        events = []
        for kind in draw(st.lists(st.sampled_from(KINDS), max_size=4)):
            value = draw(st.integers(0, 10000)) / 100 if kind is Infraction.OUTSIDE_ROUTE_LANES else 0.0
            xyz = np.array(draw(st.lists(st.integers(-(10**6), 10**6), min_size=3, max_size=3))) / 1000
            events.append(InfractionEvent(kind, 1.0, xyz, value=value, detail="vehicle.a and id=3", distance=value))
        records.append(RouteRecord(
            index=index, route_id=f"RouteScenario_{index}_rep0", town="Town01", status=draw(st.sampled_from(STATUSES)),
            route_completion=draw(st.integers(0, 10**6)) / 10**4, infractions=tuple(events),
            route_length=draw(st.integers(1, 10**6)) / 100, duration_game=1.5, duration_system=2.5,
        ))  # fmt: skip
    return records


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(1, 4).flatmap(route_records), st.sampled_from(list(ResultsFormat)))
def test_results_json_round_trip(tmp_path: Path, records: list[RouteRecord], fmt: ResultsFormat) -> None:
    """What we write is what a reader gets: the file equals the payload, a resume keeps every record, and
    the evaluator-record reader gives back the same texts, status and scores."""
    rules = LB1 if fmt.is_lb1 else LB2
    kept = infraction_keys(fmt)  # 1.0's criteria report no 2.0-only kinds
    records = [replace(r, infractions=tuple(e for e in r.infractions if e.kind.value in kept)) for r in records]
    path = tmp_path / f"{fmt.value}.json"
    path.unlink(missing_ok=True)
    results = ResultsFile(path, rules, [r.route_id for r in records], fmt=fmt)
    for route in records:
        results.add(route)
    payload = results.write(finished=True)
    assert json.loads(path.read_text()) == payload
    assert ResultsFile(path, rules, [r.route_id for r in records], fmt=fmt).resume() == set(range(len(records)))
    for route, written in zip(records, payload["_checkpoint"]["records"], strict=True):
        back = record_from_evaluator(written, route.index, route.route_id, route.town, ())
        assert back.route_completion == pytest.approx(route.route_completion, abs=1e-6)
        assert back.infraction_penalty(rules) == pytest.approx(route.infraction_penalty(rules), abs=1e-6)
        timed = fmt is ResultsFormat.LMDRIVE
        assert sorted(e.message() for e in back.infractions) == sorted(e.message(timed) for e in route.infractions)
        assert written["status"] == route.status.value
