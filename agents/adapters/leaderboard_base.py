"""A stand-in for the leaderboard's ``AutonomousAgent`` with the same contract (specs/carla_leaderboard.md 1).

Used when the leaderboard package is not importable (the embedded world, tests, a bare machine).
It accepts both constructor orders: leaderboard 1.0 ``Agent(path_to_conf_file)`` (calls
``setup`` itself) and 2.0 ``Agent(carla_host, carla_port, debug=False)`` (the evaluator calls
``set_global_plan`` then ``setup``), and downsamples the global plan with the leaderboard's rule.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from typing import Any

DOWNSAMPLE_DISTANCE = 50.0  # [m] LB1, LMDrive and Bench2Drive (LB2 master uses 200 m)
LANE_CHANGE_OPTIONS = (5, 6)  # RoadOption CHANGELANELEFT, CHANGELANERIGHT


class Track(enum.Enum):
    """Leaderboard tracks; an agent's ``track`` must equal the evaluator's ``--track``."""

    SENSORS = "SENSORS"
    MAP = "MAP"
    SENSORS_QUALIFIER = "SENSORS_QUALIFIER"
    MAP_QUALIFIER = "MAP_QUALIFIER"


class SensorInterfacePlaceholder:
    """Where the leaderboard's wrapper would queue sensor data; the embedded runner calls ``run_step`` directly."""

    def get_data(self, frame: int | None = None) -> dict:
        raise RuntimeError("no sensor interface outside the leaderboard: call run_step(input_data, timestamp)")


def option_value(option: Any) -> int:
    """A RoadOption (enum member or int) as its int value."""
    return int(getattr(option, "value", option))


def point_xyz(point: Any) -> tuple[float, float, float]:
    """World position of a global-plan point: a ``carla.Transform``, a ``carla.Location``, a dict or a tuple."""
    location = getattr(point, "location", point)
    if hasattr(location, "x"):
        return float(location.x), float(location.y), float(getattr(location, "z", 0.0))
    if isinstance(location, dict):
        return float(location["x"]), float(location["y"]), float(location.get("z", 0.0))
    x, y, *z = location
    return float(x), float(y), float(z[0]) if z else 0.0


def downsample_indices(route: Sequence[tuple[Any, Any]], sample_factor: float = DOWNSAMPLE_DISTANCE) -> list[int]:
    """Indices of ``route`` ``[(point, RoadOption)]`` the leaderboard keeps in ``set_global_plan``.

    Kept: every lane-change point; a point whose option differs from the previous one (unless the
    previous was a lane change); the first point after more than ``sample_factor`` [m]; the last point.
    """
    kept: list[int] = []
    previous_option: int | None = None
    travelled = 0.0
    for i, (point, option) in enumerate(route):
        current = option_value(option)
        keep = (
            current in LANE_CHANGE_OPTIONS
            or (current != previous_option and previous_option not in LANE_CHANGE_OPTIONS)
            or travelled > sample_factor
            or i == len(route) - 1
        )
        if keep:
            kept.append(i)
            travelled = 0.0
        else:
            travelled += math.dist(point_xyz(point), point_xyz(route[i - 1][0]))
        previous_option = current
    return kept


class LocalAutonomousAgent:
    """The leaderboard's ``AutonomousAgent`` contract without the leaderboard."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.track = Track.SENSORS
        self._global_plan: list | None = None
        self._global_plan_world_coord: list | None = None
        self.sensor_interface = SensorInterfacePlaceholder()
        self.wallclock_t0 = None
        lb2 = len(args) >= 2 or "carla_host" in kwargs or "carla_port" in kwargs
        if not lb2:  # leaderboard 1.0: Agent(path_to_conf_file) sets itself up
            path = args[0] if args else kwargs.get("path_to_conf_file", "")
            self.setup(path)

    @staticmethod
    def get_ros_version() -> int:
        return -1

    def setup(self, path_to_conf_file: str) -> None:
        """User initialisation; set ``self.track``."""

    def sensors(self) -> list[dict]:
        return []

    def run_step(self, input_data: dict, timestamp: float) -> Any:
        raise NotImplementedError

    def destroy(self) -> None:
        """Called after every route."""

    def set_global_plan(self, global_plan_gps: list, global_plan_world_coord: list) -> None:
        """Keep the downsampled plan (50 m rule), as the leaderboard's base class does."""
        kept = downsample_indices(global_plan_world_coord, DOWNSAMPLE_DISTANCE)
        self._global_plan = [global_plan_gps[i] for i in kept]
        self._global_plan_world_coord = [global_plan_world_coord[i] for i in kept]

    def __call__(self) -> Any:
        raise RuntimeError("LocalAutonomousAgent is driven by run_step(input_data, timestamp), not called")


def leaderboard_base_class() -> tuple[type, type]:
    """(AutonomousAgent, Track) from the leaderboard when importable, else the local ones."""
    try:
        from leaderboard.autoagents.autonomous_agent import AutonomousAgent
        from leaderboard.autoagents.autonomous_agent import Track as LeaderboardTrack
    except ImportError:
        return LocalAutonomousAgent, Track
    return AutonomousAgent, LeaderboardTrack
