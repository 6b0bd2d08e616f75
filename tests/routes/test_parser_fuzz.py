"""Malformed route XML (LB1, LB2) and LB1 scenario JSON give a RouteError naming the file, never a traceback."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routes.benchmarks import load_benchmark
from routes.lb1_scenarios import read_lb1_scenarios
from routes.route_types import RouteError
from routes.route_xml import read_route_file

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
NUMBERS = st.sampled_from(["1.5", "-3", "nan", "inf", "", "x", "1e400", "0x10", " 2 "]) | st.floats().map(str)
ATTRIBUTE_TEXT = NUMBERS | st.text(string.printable.replace('"', "").replace("<", "").replace("&", ""), max_size=8)


def attributes(names) -> st.SearchStrategy[str]:
    return st.dictionaries(st.sampled_from(names), ATTRIBUTE_TEXT, max_size=len(names)).map(
        lambda d: " ".join(f'{k}="{v}"' for k, v in d.items())
    )


LB1_ROUTE = st.builds(
    lambda route, points: f"<route {route}>" + "".join(f"<waypoint {p}/>" for p in points) + "</route>",
    attributes(["id", "town"]),
    st.lists(attributes(["x", "y", "z", "yaw"]), max_size=4),
)
LB2_ROUTE = st.builds(
    lambda route, points, trigger: (
        f"<route {route}><waypoints>"
        + "".join(f"<position {p}/>" for p in points)
        + f"</waypoints><scenarios><scenario name='s' type='T'>{trigger}</scenario></scenarios>"
        + "<weathers><weather route_percentage='0'/></weathers></route>"
    ),
    attributes(["id", "town"]),
    st.lists(attributes(["x", "y", "z"]), max_size=4),
    st.sampled_from(["", "<trigger_point x='1' y='2' z='0' yaw='3'/>"])
    | attributes(["x", "y"]).map(lambda a: f"<trigger_point {a}/>"),
)
DOCUMENTS = st.lists(LB1_ROUTE | LB2_ROUTE, max_size=3).map(lambda routes: "<routes>" + "".join(routes) + "</routes>")
TRUNCATED = DOCUMENTS.flatmap(lambda text: st.integers(0, len(text)).map(lambda cut: text[:cut]))


@FUZZ
@given(DOCUMENTS | TRUNCATED | st.text(max_size=60))
def test_any_route_file_parses_or_names_the_file(tmp_path, text) -> None:
    path = tmp_path / "fuzz.xml"
    path.write_text(text)
    try:
        routes = read_route_file(path)
    except RouteError as error:
        assert str(path) in str(error)
        return
    for route in routes:
        assert route.keypoints_carla.shape[0] >= 2 and route.route_id and route.town


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False) | st.text(max_size=4),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=8,
)
POSE = st.dictionaries(st.sampled_from(["x", "y", "z", "yaw"]), JSON_VALUES | st.floats(), max_size=4)
EVENT = st.fixed_dictionaries({"transform": POSE}, optional={"other_actors": st.dictionaries(
    st.sampled_from(["left", "front"]), st.lists(POSE, max_size=2) | JSON_VALUES, max_size=2)})  # fmt: skip
EVENTS = st.lists(EVENT | JSON_VALUES, max_size=2)
KINDS = st.sampled_from(["Scenario3", 3])
ENTRY = st.fixed_dictionaries({"scenario_type": KINDS, "available_event_configurations": EVENTS})
TOWNS = st.dictionaries(st.sampled_from(["Town01", "Town02"]), st.lists(ENTRY | JSON_VALUES, max_size=2) | JSON_VALUES)
SCENARIO_FILES = st.fixed_dictionaries({"available_scenarios": st.lists(TOWNS | JSON_VALUES, max_size=2)})


@FUZZ
@given(SCENARIO_FILES | JSON_VALUES)
def test_any_scenario_json_parses_or_names_file_and_field(tmp_path, raw) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(raw))
    try:
        towns = read_lb1_scenarios(path)
    except RouteError as error:
        assert str(path) in str(error)
        return
    assert all(spec.trigger_carla.shape == (4,) for specs in towns.values() for spec in specs)


@pytest.mark.parametrize(
    "raw,words",
    [
        ({"available_scenarios": {"Town01": []}}, "field available_scenarios = {'Town01': []}: expected a JSON array"),
        ({"available_scenarios": [{"Town01": [{"scenario_type": 60}]}]}, "scenario_type = 60: expected a JSON string"),
        ({"available_scenarios": [{"Town01": [{"scenario_type": "Scenario3", "available_event_configurations": [
            {"transform": {"x": "1", "z": "0"}}]}]}]}, "Town01.Scenario3[0].transform"),
        ([60], "the top level"),
    ],
)  # fmt: skip
def test_scenario_json_errors_name_the_field(tmp_path, raw, words) -> None:
    path = tmp_path / "scenarios.json"
    path.write_text(json.dumps(raw))
    with pytest.raises(RouteError, match=None) as error:
        read_lb1_scenarios(path)
    assert words in str(error.value) and str(path) in str(error.value)


def test_an_empty_route_file_is_no_benchmark(tmp_path: Path) -> None:
    path = tmp_path / "empty.xml"
    path.write_text("<routes/>")
    with pytest.raises(RouteError, match="holds no <route>"):
        load_benchmark(str(path))
