"""A stand-in for CARLA's ``agents.navigation.local_planner`` (``RoadOption`` only).

CARLA's PythonAPI ships ``agents.navigation`` outside the ``carla`` wheel; when it is not importable,
the runner offers this module under that name so global plans carry an enum with CARLA's members and
values. Like CARLA's, it is a plain ``Enum``: ``RoadOption.LEFT == 1`` is False, ``.value`` is 1.
"""

from __future__ import annotations

from enum import Enum

from sim.types import RoadOption as _OurRoadOption

# CARLA's members and values (ours are the same), as a plain Enum like CARLA's
RoadOption = Enum("RoadOption", [(option.name, option.value) for option in _OurRoadOption], module=__name__)
RoadOption.__doc__ = "What to do at a route point (CARLA's ``agents.navigation.local_planner.RoadOption``)."
