"""A stand-in for the leaderboard's ``leaderboard.autoagents.autonomous_agent`` (``AutonomousAgent``, ``Track``).

Offered to agent files when no leaderboard is installed. It downsamples the global plan as the leaderboard
of the running benchmark does (its *profile*): a point every 50 m on leaderboard 1.0 and Bench2Drive, 200 m
on leaderboard 2.0. It is a superset of the three base classes, so an agent written for any of them runs
on any benchmark: Bench2Drive's additions (the hero found in the constructor, ``get_metric_info``, the
undownsampled ``_plan_gps_HACK``) are always there. Both constructors are accepted:
``Agent(path_to_conf_file)`` (1.0: calls ``setup``) and ``Agent(carla_host, carla_port, debug=False)``
(2.0: the evaluator calls ``setup`` after the plan).
"""

from __future__ import annotations

import importlib
from enum import Enum
from typing import Any

import carla

from sim.eval.infractions import LeaderboardRules
from sim.run.carla_env.game_time import GameTime
from sim.run.carla_env.route_manipulation import downsample_route
from sim.run.carla_env.sensor_interface import SensorInterface

DOWNSAMPLE_DISTANCE = {LeaderboardRules.LB1: 50.0, LeaderboardRules.LB2: 200.0, LeaderboardRules.BENCH2DRIVE: 50.0}
"""[m] ``set_global_plan``'s ``downsample_route`` factor per leaderboard (1.0, 2.0 master, Bench2Drive)."""

_profile = LeaderboardRules.LB1


def use_profile(rules: LeaderboardRules) -> None:
    """Behave as the leaderboard of ``rules`` (the runner sets it per route)."""
    global _profile
    _profile = LeaderboardRules(rules)


def active_profile() -> LeaderboardRules:
    return _profile


class Track(Enum):
    """Leaderboard tracks; an agent's ``track`` must equal the evaluator's ``--track``."""

    SENSORS = "SENSORS"
    MAP = "MAP"
    SENSORS_QUALIFIER = "SENSORS_QUALIFIER"
    MAP_QUALIFIER = "MAP_QUALIFIER"


def _provider():
    try:  # scenario_runner's (or the runner's stand-in) under its own name
        return importlib.import_module("srunner.scenariomanager.carla_data_provider").CarlaDataProvider
    except ImportError:
        from sim.run.carla_env.data_provider import CarlaDataProvider

        return CarlaDataProvider


class AutonomousAgent:
    """Base class of leaderboard agents (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.track = Track.SENSORS
        self._global_plan: list | None = None
        self._global_plan_world_coord: list | None = None
        self.sensor_interface = SensorInterface()
        lb2 = len(args) >= 2 or "carla_host" in kwargs or "carla_port" in kwargs
        if not lb2:  # leaderboard 1.0: Agent(path_to_conf_file) sets itself up
            self.setup(args[0] if args else kwargs.get("path_to_conf_file", ""))
        self.wallclock_t0 = None
        self.get_hero()

    def setup(self, path_to_conf_file: str) -> None:
        """User initialisation; set ``self.track``."""

    def sensors(self) -> list[dict]:
        return []

    def run_step(self, input_data: dict, timestamp: float) -> carla.VehicleControl:
        return carla.VehicleControl(steer=0.0, throttle=0.0, brake=0.0, hand_brake=False)

    def destroy(self) -> None:
        """Called after every route."""

    def __call__(self) -> carla.VehicleControl:
        control = self.run_step(self.sensor_interface.get_data(GameTime.get_frame()), GameTime.get_time())
        control.manual_gear_shift = False
        return control

    @staticmethod
    def get_ros_version() -> int:
        return -1

    def set_global_plan(self, global_plan_gps: list, global_plan_world_coord: list) -> None:
        """Keep the points the leaderboard's ``downsample_route`` keeps (50 m, or 200 m on leaderboard 2.0)."""
        kept = downsample_route(global_plan_world_coord, DOWNSAMPLE_DISTANCE[_profile])
        self._global_plan_world_coord = [(global_plan_world_coord[i][0], global_plan_world_coord[i][1]) for i in kept]
        self._global_plan = [global_plan_gps[i] for i in kept]
        self._plan_gps_HACK = global_plan_gps  # Bench2Drive's base keeps the dense GPS plan too

    def get_hero(self) -> None:
        """Bench2Drive: ``self.hero_actor`` is the actor whose ``role_name`` is ``hero``."""
        self.hero_actor = None
        world = _provider().get_world()
        for actor in world.get_actors() if world is not None else ():
            if actor.attributes.get("role_name") == "hero":
                self.hero_actor = actor
                break

    def get_metric_info(self) -> dict[str, list[float]]:
        """Bench2Drive: the hero's acceleration, angular velocity, axes, location and rotation (CARLA's units)."""
        transform = self.hero_actor.get_transform()
        vectors = {"acceleration": self.hero_actor.get_acceleration(),
                   "angular_velocity": self.hero_actor.get_angular_velocity(),
                   "forward_vector": transform.get_forward_vector(), "right_vector": transform.get_right_vector(),
                   "location": transform.location}  # fmt: skip
        out = {name: [v.x, v.y, v.z] for name, v in vectors.items()}
        out["rotation"] = [transform.rotation.roll, transform.rotation.pitch, transform.rotation.yaw]
        return out
