"""Bench2Drive's tools reimplemented: DS/SR (merge), abilities with the junction rule, efficiency."""

from __future__ import annotations

import numpy as np
import pytest

from sim.eval.bench2drive import (
    ability_scores,
    driving_score_and_success,
    efficiency,
    is_success,
    junction_completion,
    mean_smoothness,
)


def b2d_record(route_id: str, scenario: str, status: str, rc: float = 100.0, junction=None, **infractions) -> dict:
    texts = {"red_light": [], "stop_infraction": [], "min_speed_infractions": ["Average speed is 90.0% of ..."]}
    texts.update(infractions)
    meta = {"scenario_types": [scenario] if scenario else [], "junction_completion": junction, "smoothness": None}
    return {"route_id": f"RouteScenario_{route_id}_rep0", "status": status, "infractions": texts,
            "scores": {"score_route": rc, "score_composed": rc}, "meta": meta}  # fmt: skip


FIXTURE = [
    b2d_record("1", "ParkedObstacle", "Completed"),  # Overtaking: success (min speed texts do not count)
    b2d_record("2", "MergerIntoSlowTraffic", "Failed - Agent got blocked", 40.0),  # Merging
    b2d_record("3", "HardBreakRoute", "Perfect", min_speed_infractions=[]),  # Emergency_Brake: success
    b2d_record("4", "YieldToEmergencyVehicle", "Completed", yield_emergency_vehicle_infractions=["x"]),  # Give_Way
    b2d_record("5", "T_Junction", "Failed - Agent got blocked", 60.0, junction=0.5),  # past the junction: TS success
    b2d_record("6", "VanillaSignalizedTurnEncounterRedLight", "Completed", 90.0, 0.5, red_light=["ran it"]),
    b2d_record("7", "SignalizedJunctionRightTurn", "Failed - Agent got blocked", 30.0, 0.4),  # Merging + TS
    b2d_record("8", "PedestrianCrossing", "Failed - Agent got blocked", 80.0),  # E_Brake + TS, junction unknown
    b2d_record("9", "", "Completed"),  # no scenario: no ability
]


def test_abilities_with_the_junction_rule() -> None:
    abilities = ability_scores(FIXTURE)
    assert abilities.scores == pytest.approx({
        "Overtaking": 1 / 1, "Merging": 0 / 2, "Emergency_Brake": 1 / 2, "Give_Way": 0 / 1,
        "Traffic_Signs": 1 / 4, "mean": (1 + 0 + 0.5 + 0 + 0.25) / 5,
    })  # fmt: skip
    assert abilities.junction_unknown == ("RouteScenario_8_rep0",)


def test_only_the_first_scenario_type_names_the_abilities() -> None:
    record = b2d_record("1", "ParkedObstacle", "Completed")
    record["meta"]["scenario_types"] = ["ParkedObstacle", "HardBreakRoute"]
    assert set(ability_scores([record]).scores) == {"Overtaking", "mean"}


def test_driving_score_and_success_rate_as_the_merge_script() -> None:
    successes = [is_success(record) for record in FIXTURE]
    assert successes == [True, False, True, False, False, False, False, False, True]
    ds, sr = driving_score_and_success(FIXTURE, expected_routes=220)
    assert ds == pytest.approx(sum(r["scores"]["score_composed"] for r in FIXTURE) / 220)
    assert sr == pytest.approx(3 / 220)


def test_efficiency_reads_the_percentages_and_drops_outliers() -> None:
    def route(*percentages: float) -> dict:
        texts = [f"Average speed is {value}% of the surrounding traffic's one" for value in percentages]
        return b2d_record("1", "ParkedObstacle", "Completed", min_speed_infractions=texts)

    routes = [route(80, 1200.5, 100), route(50.5), route(), route(5000)]  # no texts, all outliers: skipped
    assert efficiency(routes) == pytest.approx(((80 + 100) / 2 + 50.5) / 2)
    assert efficiency(routes[2:3]) is None


def test_junction_completion_counts_points_from_one_plus_eight() -> None:
    points = np.zeros(20, dtype=bool)
    assert junction_completion(points) is None
    points[2:5] = True
    assert junction_completion(points) == pytest.approx((3 + 8) / 20)


def test_mean_smoothness_skips_routes_without_a_value() -> None:
    routes = [b2d_record(str(i), "ParkedObstacle", "Completed") for i in range(3)]
    routes[0]["meta"]["smoothness"], routes[1]["meta"]["smoothness"] = 1.0, 0.5
    assert mean_smoothness(routes) == pytest.approx(0.75) and mean_smoothness(routes[2:]) is None
