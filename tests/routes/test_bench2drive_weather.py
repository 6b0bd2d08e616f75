"""Bench2Drive's weather ids: the first weather.xml case whose attributes equal the route's first weather."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from routes.bench2drive_weather import read_weather_cases, weather_id
from routes.benchmarks import load_benchmark
from routes.route_types import LeaderboardVersion, RouteDescription
from routes.route_xml import DEFAULT_WEATHER

CASES = [
    ("0", {"cloudiness": "5.0", "sun_altitude_angle": "90.0"}),
    ("1", {"cloudiness": "50.0", "sun_altitude_angle": "70.0"}),  # Bench2Drive's base weather
    ("2", {"cloudiness": "0.1", "sun_altitude_angle": "90.0"}),  # never matches: 0.1 is not exact in 32 bits
    ("3", {"cloudiness": "5.0", "sun_altitude_angle": "90.0", "fog_density": "2.0"}),
]


def route_with(*weathers) -> RouteDescription:
    return RouteDescription("1", "Town01", np.zeros((2, 3)), tuple(weathers), (), LeaderboardVersion.LB2, "f.xml:1")


def test_the_first_matching_case_of_the_routes_first_weather() -> None:
    night = {"cloudiness": "5.0", "sun_altitude_angle": "-90.0"}
    noon = {"cloudiness": "5", "sun_altitude_angle": "90", "fog_density": "2"}
    assert weather_id(route_with((100.0, night), (0.0, noon)), CASES) == "0"  # case 0 checks no fog; it comes first
    fog_first = [CASES[3], CASES[0]]
    assert weather_id(route_with((0.0, noon)), fog_first) == "3"
    assert weather_id(route_with((0.0, {**noon, "fog_density": "0"})), fog_first) == "0"  # fog 0 is not 2.0
    assert weather_id(route_with((0.0, night)), CASES) is None


def test_a_route_without_weather_has_the_base_weather() -> None:
    assert weather_id(route_with(*DEFAULT_WEATHER), CASES) == "1"


def test_parameters_compare_as_carla_stores_them() -> None:
    assert weather_id(route_with((0.0, {"cloudiness": "0.1", "sun_altitude_angle": "90"})), CASES) is None


def test_every_bench2drive_route_has_a_weather_id(data_dir: Path) -> None:
    cases = read_weather_cases(data_dir)
    assert len(cases) == 23
    ids = [weather_id(route, cases) for route in load_benchmark("bench2drive", data_dir).routes]
    assert None not in ids and len(set(ids)) == 23
