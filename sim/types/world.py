"""Enums of the driving world shared by the simulator, the agents and the models' datasets.

They live here (re-exported by :mod:`sim.types`) because ``models/`` may import only ``sim.types``:
the dataset columns and the world's own arrays use these very classes, so they cannot drift apart.
"""

from __future__ import annotations

import enum


class ActorKind(enum.IntEnum):
    """What an actor is (decides collision class, rendering and behaviour)."""

    VEHICLE = 0
    WALKER = 1
    BICYCLE = 2
    STATIC = 3  # props, parked obstacles, construction objects
    EMERGENCY = 4  # emergency vehicles (Bench2Drive's YieldToEmergencyVehicle)


class ActorIndex(enum.IntEnum):
    """Columns of an actor row (the world's ``WorldSnapshot.actors``, a dataset's ``tracks``): box centre,
    global frame."""

    X = 0  # [m]
    Y = 1  # [m]
    HEADING = 2  # [rad]
    SPEED = 3  # [m/s] signed, along the heading
    LENGTH = 4  # [m]
    WIDTH = 5  # [m]
    HEIGHT = 6  # [m]
    KIND = 7  # ActorKind value


class LightState(enum.IntEnum):
    """Traffic-light state in CARLA's order; ``NONE`` where no light governs (dataset ``light_state``)."""

    NONE = -1
    RED = 0
    YELLOW = 1
    GREEN = 2
    OFF = 3


class RoadOption(enum.IntEnum):
    """What to do on a route point: CARLA's ``agents.navigation.local_planner.RoadOption``; values are the
    leaderboard's (agents use ``.value``)."""

    VOID = -1
    LEFT = 1
    RIGHT = 2
    STRAIGHT = 3
    LANEFOLLOW = 4
    CHANGELANELEFT = 5
    CHANGELANERIGHT = 6

    @property
    def is_lane_change(self) -> bool:
        return self in (RoadOption.CHANGELANELEFT, RoadOption.CHANGELANERIGHT)
