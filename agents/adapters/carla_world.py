"""CARLA's world (through ``CarlaDataProvider``) -> the typed :class:`PrivilegedWorld` privileged planners read.

The one adapter between CARLA's API and the package's world arrays, used by the leaderboard agent for
planners that read ground truth (``reads_world``): the same agent file runs on a CARLA server in the
official evaluator and in the embedded world. When the provider's world is the embedded world's
:class:`~sim.world.facade.FacadeWorld`, its typed snapshot is taken directly (the fast path); otherwise
(a CARLA server) the hero, the other actors and the lights are read from CARLA's objects, the town from
``carla.Map.to_opendrive()`` and the route from the dense global plan (the generic path).
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import numpy as np

from agents.adapters.carla_actors import actor_rows, ego_snapshot, light_rows
from sim.frames import carla_to_internal_xy, carla_yaw_to_internal
from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.maps.town import town_from_opendrive
from sim.types import LightState
from sim.world.facade import FacadeWorld
from sim.world.privileged import PrivilegedWorld

PROVIDER_MODULE = "srunner.scenariomanager.carla_data_provider"


def carla_data_provider():
    """scenario_runner's ``CarlaDataProvider`` (in the embedded runner: the installed one or its stand-in)."""
    return importlib.import_module(PROVIDER_MODULE).CarlaDataProvider


def route_from_plan(plan: Sequence[tuple[object, object]], network: RoadNetwork) -> DenseRoute:
    """The dense route of a global plan ``[(carla.Transform, RoadOption)]`` on ``network``, internal frame."""
    locations = np.array([[t.location.x, t.location.y, t.location.z] for t, _ in plan], dtype=np.float64)
    headings = carla_yaw_to_internal(np.array([t.rotation.yaw for t, _ in plan], dtype=np.float64))
    points = np.column_stack([carla_to_internal_xy(locations[:, :2]), headings])
    located = DenseRoute.from_points(points, network)
    options = np.array([int(getattr(o, "value", o)) for _, o in plan], dtype=np.int64)
    return DenseRoute(network.name, located.points, locations[:, 2], options, located.lanes, located.s,
                      located.keypoint_indices)  # fmt: skip


class CarlaWorldReader:
    """Reads the provider's world every tick (see the module docstring).

    Args:
        dense_plan: the global plan in world coordinates as ``set_global_plan`` received it (dense).
    """

    def __init__(self, dense_plan: Sequence[tuple[object, object]]) -> None:
        self.dense_plan = list(dense_plan)
        self._town: tuple[str, RoadNetwork, DenseRoute] | None = None
        self._light_rows: dict[int, int] = {}

    def read(self) -> PrivilegedWorld:
        """The world now; a clear error when no world is installed in the provider."""
        provider = carla_data_provider()
        world = provider.get_world()
        if world is None:
            raise RuntimeError("CarlaDataProvider has no world: privileged planners run inside an evaluator")
        if isinstance(world, FacadeWorld):
            return world.privileged()
        return self.read_carla(world, provider.get_hero_actor(), provider.get_map())

    def read_carla(self, world, hero, carla_map) -> PrivilegedWorld:
        """The generic path: any ``carla.World``-like object, its hero actor and its ``carla.Map``."""
        network, route = self._network_and_route(carla_map)
        actors = world.get_actors()
        ids, rows = actor_rows(actors, hero.id)
        states = np.full(network.traffic_lights.count, LightState.OFF, dtype=np.int64)
        for row, state in light_rows(actors.filter("*traffic_light*"), network, self._light_rows):
            states[row] = state
        timestamp = world.get_snapshot().timestamp
        return PrivilegedWorld(int(timestamp.frame), float(timestamp.elapsed_seconds), network.name,
                               ego_snapshot(hero), ids, rows, states, network.traffic_lights, network.stop_signs,
                               route, network)  # fmt: skip

    def _network_and_route(self, carla_map) -> tuple[RoadNetwork, DenseRoute]:
        name = str(carla_map.name).split("/")[-1]
        if self._town is None or self._town[0] != name:
            network = town_from_opendrive(name, carla_map.to_opendrive())
            if not self.dense_plan:
                raise RuntimeError("the privileged world needs the global plan (set_global_plan) first")
            self._town, self._light_rows = (name, network, route_from_plan(self.dense_plan, network)), {}
        return self._town[1], self._town[2]
