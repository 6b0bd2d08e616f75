"""Readers for leaderboard 1.0 (and LangAuto) and leaderboard 2.0 / Bench2Drive route XML files.

LB1: ``<route id town>`` with sparse ``<waypoint x y z .../>`` keypoints and one ``<weather .../>``.
LB2: ``<route id town>`` with ``<waypoints><position x y z/>``, ``<scenarios>`` and ``<weathers>``.
Errors name the file, the line and the field.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.parsers import expat

import numpy as np

from routes.route_types import LeaderboardVersion, RouteDescription, RouteError, ScenarioSpec

LINE_ATTRIBUTE = "__line__"
# The leaderboard's weather when a route names none (carla.WeatherParameters defaults it sets).
DEFAULT_WEATHER = ((0.0, {"cloudiness": "30.0", "sun_altitude_angle": "70.0"}),)


def parse_xml(path: Path) -> ET.Element:
    """Parse ``path`` keeping each element's line number; malformed XML raises :class:`RouteError`."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(tag, {**attrs, LINE_ATTRIBUTE: str(parser.CurrentLineNumber)})

    parser.StartElementHandler = start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(Path(path).read_bytes(), True)
        return builder.close()
    except (expat.ExpatError, AssertionError) as error:
        line = getattr(error, "lineno", "?")
        raise RouteError(f"{path}: line {line}: malformed XML ({error})") from error


def _where(path: Path, element: ET.Element) -> str:
    return f"{path}: line {element.get(LINE_ATTRIBUTE, '?')}"


def _number(path: Path, element: ET.Element, name: str, default: float | None = None) -> float:
    raw = element.get(name)
    if raw is None:
        if default is not None:
            return default
        raise RouteError(f"{_where(path, element)}: <{element.tag}> is missing the attribute '{name}'")
    try:
        value = float(raw)
    except ValueError as error:
        raise RouteError(f"{_where(path, element)}: <{element.tag}> {name}={raw!r} is not a number") from error
    if not math.isfinite(value):
        raise RouteError(f"{_where(path, element)}: <{element.tag}> {name}={raw!r} is not finite")
    return value


def _attributes(element: ET.Element) -> dict[str, str]:
    return {key: value for key, value in element.attrib.items() if key != LINE_ATTRIBUTE}


def _points(path: Path, elements: list[ET.Element]) -> np.ndarray:
    return np.array([[_number(path, e, "x"), _number(path, e, "y"), _number(path, e, "z", 0.0)] for e in elements])


def _route_header(path: Path, route: ET.Element) -> tuple[str, str]:
    route_id, town = route.get("id"), route.get("town")
    if not route_id:
        raise RouteError(f"{_where(path, route)}: <route> is missing the attribute 'id'")
    if not town:
        raise RouteError(f"{_where(path, route)}: <route id={route_id!r}> is missing the attribute 'town'")
    return route_id, town


def _scenario(path: Path, element: ET.Element) -> ScenarioSpec:
    trigger = element.find("trigger_point")
    if trigger is None:
        raise RouteError(f"{_where(path, element)}: <scenario name={element.get('name')!r}> has no <trigger_point>")
    actors = [child for child in element if child.tag == "other_actor"]
    parameters = {
        child.tag: _attributes(child) for child in element if child.tag not in ("trigger_point", "other_actor")
    }
    return ScenarioSpec(
        name=element.get("name", ""),
        type=element.get("type", ""),
        trigger_carla=np.array([*_points(path, [trigger])[0], _number(path, trigger, "yaw", 0.0)]),
        parameters=parameters,
        other_actors=np.array(
            [[*_points(path, [a])[0], _number(path, a, "yaw", 0.0)] for a in actors], dtype=np.float64
        ).reshape(-1, 4),
    )


def _read_route(path: Path, route: ET.Element) -> RouteDescription:
    route_id, town = _route_header(path, route)
    positions = route.find("waypoints")
    if positions is not None:  # leaderboard 2.0 / Bench2Drive
        version = LeaderboardVersion.LB2
        keypoints = _points(path, positions.findall("position"))
        scenarios_element = route.find("scenarios")
        children = [] if scenarios_element is None else list(scenarios_element)
        scenarios = tuple(_scenario(path, s) for s in children if s.tag == "scenario")
        weathers = tuple(
            (_number(path, w, "route_percentage", 0.0), _attributes(w)) for w in route.findall("weathers/weather")
        )
    else:  # leaderboard 1.0 / LangAuto
        version = LeaderboardVersion.LB1
        keypoints = _points(path, route.findall("waypoint"))
        scenarios = ()
        weathers = tuple((0.0, _attributes(w)) for w in route.findall("weather"))
    weathers = weathers or DEFAULT_WEATHER
    if keypoints.shape[0] < 2:
        raise RouteError(f"{_where(path, route)}: route {route_id!r} needs at least 2 keypoints, has {len(keypoints)}")
    return RouteDescription(
        route_id=route_id,
        town=town,
        keypoints_carla=keypoints,
        weathers=weathers,
        scenarios=scenarios,
        version=version,
        source=_where(path, route),
    )


def read_route_file(path: str | Path) -> list[RouteDescription]:
    """Every route of an LB1, LangAuto or LB2/Bench2Drive route file, in file order."""
    path = Path(path)
    root = parse_xml(path)
    if root.tag != "routes":
        raise RouteError(f"{_where(path, root)}: the root element is <{root.tag}>, expected <routes>")
    routes = [_read_route(path, route) for route in root.findall("route")]
    seen: set[str] = set()
    for route in routes:
        if route.route_id in seen:
            raise RouteError(f"{route.source}: duplicate route id {route.route_id!r}")
        seen.add(route.route_id)
    return routes
