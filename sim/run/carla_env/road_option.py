"""A stand-in for CARLA's ``agents.navigation.local_planner`` (``RoadOption`` only).

CARLA's PythonAPI ships ``agents.navigation`` outside the ``carla`` wheel; when it is not importable,
the runner offers this module under that name so global plans carry an enum with CARLA's members and
values. Like CARLA's, it is a plain ``Enum``: ``RoadOption.LEFT == 1`` is False, ``.value`` is 1.
"""

from __future__ import annotations

from enum import Enum


class RoadOption(Enum):
    """What to do at a route point (CARLA's ``agents.navigation.local_planner.RoadOption``)."""

    VOID = -1
    LEFT = 1
    RIGHT = 2
    STRAIGHT = 3
    LANEFOLLOW = 4
    CHANGELANELEFT = 5
    CHANGELANERIGHT = 6
