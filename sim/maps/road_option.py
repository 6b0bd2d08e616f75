"""The leaderboard's route commands (CARLA's ``agents.navigation.local_planner.RoadOption``)."""

from __future__ import annotations

import enum


class RoadOption(enum.IntEnum):
    """What to do on a route point; values are the leaderboard's (agents use ``.value``)."""

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
