"""Bench2Drive's own fields of a route record: scenario_name, weather_id, save_name, town_name.

Its evaluator names every route, before running it,
``save_name = f"{route_id}_{town}_{scenario_name}_{weather_id}_{MM_DD_HH_MM_SS}"`` (``route_id``
with its ``_rep<k>``, ``scenario_name`` the route's first scenario's name), and its agents keep
their files, metric_info.json among them, in ``<save path>/<save_name>/``.
"""

from __future__ import annotations

import re
from datetime import datetime

from routes.route_types import RouteDescription

SAVE_NAME_TIME = "%m_%d_%H_%M_%S"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")


def bench2drive_fields(route: RouteDescription, route_id: str, weather_id: str | None, started: datetime) -> dict:
    """The four fields of one route, named at ``started``; the save_name is safe as a folder name."""
    scenario_name = route.scenarios[0].name if route.scenarios else None
    save_name = f"{route_id}_{route.town}_{scenario_name}_{weather_id}_{started.strftime(SAVE_NAME_TIME)}"
    return {
        "scenario_name": scenario_name,
        "weather_id": weather_id,
        "save_name": safe_folder_name(save_name),
        "town_name": route.town,
    }


def safe_folder_name(name: str) -> str:
    """``name`` with every character but letters, digits and ``_.+-`` replaced by ``_``, never ``.``/``..``."""
    safe = _UNSAFE.sub("_", name)
    return "_" if safe.strip(".") == "" else safe
