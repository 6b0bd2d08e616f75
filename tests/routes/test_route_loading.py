"""Route files of every format load into one typed description; bad files name file, line, field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from routes.benchmarks import BENCHMARKS, load_benchmark
from routes.lb1_scenarios import match_triggers, read_lb1_scenarios
from routes.route_types import LeaderboardVersion, RouteError
from routes.route_xml import read_route_file

EXPECTED_COUNTS = {
    "langauto": 32,
    "langauto-short": 16,
    "langauto-tiny": 16,
    "bench2drive": 220,
    "bench2drive-mini": 10,
    "leaderboard1-devtest": 4,
}


@pytest.mark.parametrize("name", sorted(BENCHMARKS))
def test_every_benchmark_loads(data_dir: Path, name: str) -> None:
    benchmark = load_benchmark(name, data_dir)
    assert len(benchmark.routes) == EXPECTED_COUNTS[name]
    for route in benchmark.routes:
        assert route.town.startswith("Town")
        assert route.keypoints_carla.shape[1] == 3 and route.keypoints_carla.shape[0] >= 2
        assert route.weathers, f"{route.source} has no weather"


def test_langauto_routes_are_lb1_with_a_named_weather_and_town_scenarios(data_dir: Path) -> None:
    benchmark = load_benchmark("langauto-tiny", data_dir)
    first = benchmark.routes[0]
    assert first.version is LeaderboardVersion.LB1 and first.route_id == "0" and first.town == "Town01"
    assert np.allclose(first.keypoints_carla[0], [-2.96, 233.65, 0.0])
    assert np.allclose(first.keypoints[0], [-2.96, -233.65])  # y flipped into the internal frame
    assert first.weathers[0][1]["id"] == "SoftRainNoon"
    assert {"Town01", "Town02", "Town03"} <= set(benchmark.lb1_scenarios)


def test_bench2drive_routes_carry_one_scenario_and_two_weathers(data_dir: Path) -> None:
    routes = load_benchmark("bench2drive", data_dir).routes
    assert all(route.version is LeaderboardVersion.LB2 for route in routes)
    assert all(len(route.scenarios) == 1 for route in routes)
    first = routes[0]
    assert first.route_id == "1711" and first.scenarios[0].type == "ParkingCutIn"
    assert first.scenarios[0].parameters["direction"] == {"value": "left"}
    assert np.allclose(first.scenarios[0].trigger_carla, [-497.7, 3659.9, 364.7, -90.2])
    assert [percentage for percentage, _ in first.weathers] == [0.0, 100.0]
    assert len({route.scenarios[0].type for route in routes}) == 44


def test_unknown_benchmark_lists_the_known_ones() -> None:
    with pytest.raises(RouteError) as error:
        load_benchmark("languato")
    assert all(name in str(error.value) for name in BENCHMARKS)


@pytest.mark.parametrize(
    "body,expected",
    [
        (
            '<routes><route id="1" town="Town01"><waypoint x="1" y="2" z="0"/>\n'
            '<waypoint x="oops" y="2"/></route></routes>',
            r"line 2: <waypoint> x='oops' is not a number",
        ),
        ('<routes><route town="Town01"><waypoint x="1" y="2"/></route></routes>', "missing the attribute 'id'"),
        ('<routes><route id="1" town="Town01"><waypoint x="1" y="2"/></route></routes>', "at least 2 keypoints"),
        ("<routes><route id='1'", "malformed XML"),
        (
            '<routes><route id="1" town="Town01"><waypoints><position x="0" y="0"/><position x="1" y="0"/></waypoints>'
            '<scenarios><scenario name="A_1" type="A"/></scenarios></route></routes>',
            "has no <trigger_point>",
        ),
    ],
)
def test_malformed_files_name_file_line_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(body)
    with pytest.raises(RouteError, match=expected) as error:
        read_route_file(path)
    assert str(path) in str(error.value)


def test_lb1_triggers_match_only_near_and_aligned_route_points(data_dir: Path) -> None:
    towns = read_lb1_scenarios(data_dir / "routes/leaderboard1/all_towns_traffic_scenarios_public.json")
    scenario = towns["Town01"][0]
    trigger_xy = scenario.trigger
    heading = -np.radians(scenario.trigger_carla[3])
    route = trigger_xy + np.outer(np.arange(-5, 6), [np.cos(heading), np.sin(heading)])
    assert [index for index, _ in match_triggers(route, np.full(11, heading), [scenario])] == [5]
    assert match_triggers(route + [0.0, 3.0], np.full(11, heading), [scenario]) == []
    assert match_triggers(route, np.full(11, heading + np.pi / 2), [scenario]) == []
