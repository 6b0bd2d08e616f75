"""The route length each leaderboard reports, Bench2Drive's route names and its junction threshold."""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pytest

from routes.route_types import LeaderboardVersion, RouteDescription, ScenarioSpec
from sim.eval.bench2drive_fields import safe_folder_name
from sim.maps.dense_route import NO_LANE
from sim.run.record_fields import junction_threshold, record_fields, reported_length

KEYPOINTS = np.array([[0.0, 0.0, 0.0], [3.0, 4.0, 0.0], [3.0, 4.0, 12.0]])


def description(version: LeaderboardVersion, scenarios=()) -> RouteDescription:
    case_0 = {"cloudiness": "5.0", "wind_intensity": "10.0", "sun_azimuth_angle": "-1.0", "sun_altitude_angle": "90.0",
              "fog_density": "2.0"}  # fmt: skip
    weathers = ((0.0, case_0),)
    return RouteDescription("7", "Town05", KEYPOINTS, weathers, tuple(scenarios), version, "f.xml:1")


def test_leaderboard_1_measures_the_keypoint_polyline_and_2_0_the_dense_route() -> None:
    dense = SimpleNamespace(points=np.array([[0.0, 0.0, 0.0], [6.0, 8.0, 0.0]]), z=np.array([0.0, 0.0]))
    assert reported_length(description(LeaderboardVersion.LB1), dense) == pytest.approx(5.0 + 12.0)
    assert reported_length(description(LeaderboardVersion.LB2), dense) == pytest.approx(10.0)
    assert reported_length(description(LeaderboardVersion.LB2)) == 0.0  # never built


def test_bench2drive_names_a_route_before_it_runs(data_dir) -> None:
    scenario = ScenarioSpec("ParkingCutIn_1", "ParkingCutIn", np.zeros(4))
    fields = record_fields(description(LeaderboardVersion.LB2, [scenario]), "RouteScenario_7_rep0", str(data_dir))
    assert (fields["scenario_name"], fields["weather_id"], fields["town_name"]) == ("ParkingCutIn_1", "0", "Town05")
    assert re.fullmatch(r"RouteScenario_7_rep0_Town05_ParkingCutIn_1_0_\d\d_\d\d_\d\d_\d\d_\d\d", fields["save_name"])
    assert record_fields(description(LeaderboardVersion.LB1), "RouteScenario_7", str(data_dir)) == {}


def test_save_names_stay_inside_their_folder() -> None:
    assert safe_folder_name("RouteScenario_../../x_Town01") == "RouteScenario_.._.._x_Town01"
    assert safe_folder_name("..") == "_" and safe_folder_name("a b/c") == "a_b_c"


def test_junction_threshold_from_the_lanes_of_the_route() -> None:
    network = SimpleNamespace(lane_is_junction=np.array([False, True]))
    route = SimpleNamespace(lanes=np.array([NO_LANE, 0, 0, 1, 1] + [0] * 15))
    assert junction_threshold(network, route) == pytest.approx((4 + 8) / 20)
    assert junction_threshold(network, SimpleNamespace(lanes=np.zeros(20, dtype=int))) is None
