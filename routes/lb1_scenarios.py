"""Leaderboard 1.0 scenario definitions (``all_towns_traffic_scenarios_public.json``).

LB1 route files carry no scenarios: the evaluator takes every trigger of the route's town from
this JSON and keeps those within 2.0 m and 10 degrees of a point of the dense route. Matching
needs the planned dense route, so it happens where the route is planned (:func:`match_triggers`).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from routes.route_types import RouteError, ScenarioSpec
from sim.frames import carla_to_internal_xy, carla_yaw_to_internal
from sim.geometry import wrap_angle

TRIGGER_DISTANCE = 2.0  # [m] the leaderboard's match radius
TRIGGER_ANGLE = np.radians(10.0)  # [rad] the leaderboard's heading tolerance


def read_lb1_scenarios(path: str | Path) -> dict[str, list[ScenarioSpec]]:
    """Town -> every scenario trigger of that town, with its other actors.

    Raises:
        RouteError: unreadable or invalid JSON, or a field of the wrong shape (naming the file and
            the field, e.g. ``available_scenarios[0].Town01[2].available_event_configurations[5]``).
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise RouteError(f"{path}: line {error.lineno}: not valid JSON ({error.msg})") from error
    except (OSError, UnicodeDecodeError) as error:
        raise RouteError(f"{path}: cannot be read ({error})") from error
    towns: dict[str, list[ScenarioSpec]] = {}
    top = _typed(path, "the top level", raw, dict)
    blocks = _typed(path, "available_scenarios", top.get("available_scenarios"), list)
    for block_index, block in enumerate(blocks):
        for town, entries in _typed(path, f"available_scenarios[{block_index}]", block, dict).items():
            where = f"available_scenarios[{block_index}].{town}"
            for entry_index, entry in enumerate(_typed(path, where, entries, list)):
                entry = _typed(path, f"{where}[{entry_index}]", entry, dict)
                kind = _typed(path, f"{where}[{entry_index}].scenario_type", entry.get("scenario_type"), str)
                events = entry.get("available_event_configurations", [])
                for index, event in enumerate(_typed(path, f"{where}[{entry_index}].events", events, list)):
                    field = f"{where}.{kind}[{index}]"
                    towns.setdefault(town, []).append(_event(path, field, kind, _typed(path, field, event, dict)))
    return towns


def _typed(path: Path, field: str, value, kind: type):
    if not isinstance(value, kind):
        raise RouteError(f"{path}: field {field} = {value!r:.80}: expected a JSON {_JSON_NAMES[kind]}")
    return value


_JSON_NAMES = {dict: "object", list: "array", str: "string"}


def _pose(path: Path, field: str, raw: dict) -> list[float]:
    try:
        pose = [float(raw["x"]), float(raw["y"]), float(raw.get("z", 0.0)), float(raw.get("yaw", 0.0))]
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise RouteError(f"{path}: field {field} = {raw!r:.80}: expected x, y, z, yaw numbers") from error
    if not all(np.isfinite(pose)):
        raise RouteError(f"{path}: field {field} = {raw!r:.80}: x, y, z, yaw must be finite")
    return pose


def _event(path: Path, field: str, kind: str, event: dict) -> ScenarioSpec:
    others = _typed(path, f"{field}.other_actors", event.get("other_actors", {}), dict)
    actors = [
        _pose(path, f"{field}.other_actors.{side}[{i}]", actor)
        for side, listed in others.items()
        for i, actor in enumerate(_typed(path, f"{field}.other_actors.{side}", listed, list))
    ]
    return ScenarioSpec(
        name=kind,
        type=kind,
        trigger_carla=np.array(_pose(path, f"{field}.transform", event.get("transform", {}))),
        other_actors=np.array(actors, dtype=np.float64).reshape(-1, 4),
    )


def match_triggers(
    route_xy: np.ndarray, route_heading: np.ndarray, scenarios: list[ScenarioSpec]
) -> list[tuple[int, ScenarioSpec]]:
    """Scenarios whose trigger lies on the dense route, with the index of the matching route point.

    Args:
        route_xy: ``(K, 2)`` dense route [m], internal frame.
        route_heading: ``(K,)`` [rad] internal headings of the route points.
        scenarios: candidate scenarios (e.g. every trigger of the route's town).
    """
    matches = []
    for scenario in scenarios:
        trigger_xy = carla_to_internal_xy(scenario.trigger_carla[:2])
        trigger_heading = carla_yaw_to_internal(scenario.trigger_carla[3])
        distance = np.hypot(*(route_xy - trigger_xy).T)
        angle = np.abs(wrap_angle(route_heading - trigger_heading))
        hits = np.flatnonzero((distance < TRIGGER_DISTANCE) & (angle < TRIGGER_ANGLE))
        if hits.size:
            matches.append((int(hits[np.argmin(distance[hits])]), scenario))
    return matches
