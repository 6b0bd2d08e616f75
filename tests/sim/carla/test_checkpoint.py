"""The official evaluator's checkpoint records read into our RouteRecord."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.carla.checkpoint import finished_record, infraction_event, read_checkpoint, record_from_evaluator, route_status
from sim.eval.infractions import Infraction, LeaderboardRules
from sim.eval.results_format import ResultsFormat, record_json
from sim.eval.route_record import RouteStatus

BENCH2DRIVE_RECORD = {
    "index": 0, "route_id": "RouteScenario_1711_rep0", "scenario_name": "Accident_1", "weather_id": "3",
    "save_name": "RouteScenario_1711_rep0_Town12_Accident_1_3_06_01_10_00_00", "town_name": "Town12",
    "status": "Completed", "num_infractions": 3,
    "infractions": {
        "collisions_layout": ["Agent collided against object with type=static.prop.trafficcone01 and id=812 "
                              "at (x=-512.331, y=3012.5, z=362.1)"],
        "outside_route_lanes": ["Agent went outside its route lanes for about 12.304 meters "
                                "(5.41% of the completed route)"],
        "min_speed_infractions": ["Average speed is 62.5% of the surrounding traffic's one"],
        "red_light": [], "route_timeout": [],
    },
    "scores": {"score_route": 100.0, "score_penalty": 0.65 * (1 - 0.0541), "score_composed": 100 * 0.65 * (1 - 0.0541)},
    "meta": {"route_length": 227.4, "duration_game": 31.25, "duration_system": 402.7},
}  # fmt: skip


def test_a_bench2drive_record_keeps_status_messages_scores_and_fields() -> None:
    record = record_from_evaluator(BENCH2DRIVE_RECORD, 17, "RouteScenario_1711", "Town12", ("Accident",))
    assert (record.index, record.route_id, record.town, record.status) == (17, "RouteScenario_1711", "Town12",
                                                                           RouteStatus.COMPLETED)  # fmt: skip
    rules = LeaderboardRules.BENCH2DRIVE  # min speed carries no penalty in Bench2Drive
    assert record.driving_score(rules) == pytest.approx(BENCH2DRIVE_RECORD["scores"]["score_composed"])
    assert record.infraction_penalty(LeaderboardRules.LB2) == pytest.approx(0.65 * 0.9459 * (1 - 0.3 * 0.375))
    as_json = record_json(record, rules, ResultsFormat.BENCH2DRIVE)
    for key in ("collisions_layout", "outside_route_lanes", "min_speed_infractions"):
        assert as_json["infractions"][key] == BENCH2DRIVE_RECORD["infractions"][key]
    assert as_json["save_name"] == BENCH2DRIVE_RECORD["save_name"] and as_json["weather_id"] == "3"
    assert as_json["meta"]["evaluator_scores"] == BENCH2DRIVE_RECORD["scores"]
    assert (record.route_length, record.duration_game) == (227.4, 31.25)


def test_statuses_map_to_ours_and_unknown_failures_stay_failures() -> None:
    assert route_status("Failed - TickRuntime") is RouteStatus.TICK_RUNTIME
    assert route_status("Failed - Agent couldn't be set up") is RouteStatus.SETUP_FAILED
    assert route_status("Perfect") is RouteStatus.PERFECT
    assert route_status("Failed - Something new") is RouteStatus.FAILED


def test_only_a_finished_record_of_the_route_counts(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.json"
    assert read_checkpoint(path) is None
    path.write_text('{"_checkpoint": {"records": [{"route_id": "RouteScenario_1711_rep0", "sta')  # killed mid-write
    assert read_checkpoint(path) is None
    started = {**BENCH2DRIVE_RECORD, "status": "Started"}
    path.write_text(json.dumps({"_checkpoint": {"records": [started]}}))
    assert finished_record(read_checkpoint(path), "1711") is None, "created before the route ran"
    path.write_text(json.dumps({"_checkpoint": {"records": [BENCH2DRIVE_RECORD]}}))
    assert finished_record(read_checkpoint(path), "1711")["status"] == "Completed"
    assert finished_record(read_checkpoint(path), "171") is None, "route 171 is not route 1711"
    lb1 = {**BENCH2DRIVE_RECORD, "route_id": "RouteScenario_3"}
    assert finished_record({"_checkpoint": {"records": [lb1]}}, "3") is lb1


coordinate = st.floats(-5000, 5000, allow_nan=False).map(lambda v: round(v, 3))


@given(coordinate, coordinate, coordinate, st.integers(0, 10**6))
def test_collision_locations_are_read_from_the_message(x: float, y: float, z: float, actor: int) -> None:
    message = f"Agent collided against object with type=vehicle.tesla.model3 and id={actor} at (x={x}, y={y}, z={z})"
    event = infraction_event(Infraction.COLLISION_VEHICLE, message)
    assert list(event.location) == [x, y, z] and event.message() == message


@given(st.floats(0, 100).map(lambda v: round(v, 2)), st.floats(0, 1e4).map(lambda v: round(v, 3)))
def test_outside_lane_percentages_are_read_not_the_metres(percentage: float, metres: float) -> None:
    message = f"Agent went outside its route lanes for about {metres} meters ({percentage}% of the completed route)"
    assert infraction_event(Infraction.OUTSIDE_ROUTE_LANES, message).value == percentage
