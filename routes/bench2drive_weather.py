"""Bench2Drive's weather ids: which ``<case weather_id>`` of ``weather.xml`` a route's weather is.

Bench2Drive's evaluator builds the route's first weather as ``carla.WeatherParameters`` (a base of
sun altitude 70 and cloudiness 50, then the route's attributes, stored as 32-bit floats) and picks
the first case whose every attribute, as text, equals ``str()`` of that parameter. The id only
names the route (``save_name``, the record's ``weather_id``); no case matching gives ``None``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from routes.route_types import RouteDescription, RouteError
from routes.route_xml import DEFAULT_WEATHER, LINE_ATTRIBUTE, parse_xml
from sim.paths import data_path

WEATHER_FILE = "routes/bench2drive/weather.xml"
BASE_WEATHER = {"sun_altitude_angle": 70.0, "cloudiness": 50.0}  # [deg], [%] Bench2Drive's base weather
WeatherCase = tuple[str, dict[str, str]]  # (weather_id, attributes of the case's first weather)


def read_weather_cases(data_dir: str | os.PathLike[str] | None = None, path: Path | None = None) -> list[WeatherCase]:
    """The cases of ``weather.xml`` in file order."""
    path = path if path is not None else data_path(WEATHER_FILE, data_dir)
    cases = []
    for case in parse_xml(path).findall("case"):
        weather = case.find("weather")
        if case.get("weather_id") is None or weather is None:
            raise RouteError(f"{path}: a <case> needs a weather_id attribute and a <weather> element")
        attributes = {k: v for k, v in weather.attrib.items() if k not in ("route_percentage", LINE_ATTRIBUTE)}
        cases.append((case.get("weather_id"), attributes))
    return cases


def weather_id(route: RouteDescription, cases: list[WeatherCase]) -> str | None:
    """The id of the first case matching the route's first weather, or None."""
    parameters = _carla_weather(route)
    for case_id, attributes in cases:
        if all(_as_text(parameters.get(key, 0.0)) == text for key, text in attributes.items()):
            return case_id
    return None


def _carla_weather(route: RouteDescription) -> dict[str, float]:
    """The first weather's parameters as the evaluator sets them (routes without weather get the base)."""
    parameters = dict(BASE_WEATHER)
    if route.weathers == DEFAULT_WEATHER:
        return parameters
    first = min(route.weathers, key=lambda weather: weather[0])[1]
    for key, text in first.items():
        try:
            parameters[key] = float(text)
        except ValueError:
            continue  # e.g. LangAuto's id="WetNoon": not a weather parameter
    return parameters


def _as_text(value: float) -> str:
    """``str()`` of a parameter after CARLA stored it as a 32-bit float."""
    return str(float(np.float32(value)))
