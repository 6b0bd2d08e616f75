"""A stand-in for scenario_runner's ``srunner.scenariomanager.carla_data_provider`` (``CarlaDataProvider``).

Offered to agent files when scenario_runner is not installed. It answers the calls agents make
(``get_world``, ``get_map``, ``get_hero_actor``, ``get_location`` ...) from the route's
:class:`sim.world.facade.FacadeWorld`, which the runner installs for the agent's lifetime. Positions and
velocities are the current tick's (scenario_runner caches them once per tick: the same values).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Iterator

import carla
import numpy as np

_ROUTE_PLANNERS: dict[str, object] = {}  # CARLA GlobalRoutePlanner per town, built on first request
_NEXT_LIGHT_REACH = 500.0  # [m] how far get_next_traffic_light walks the lane before giving up
_DYNAMIC_PREFIXES = ("vehicle.", "walker.", "static.")


def running_facade():
    """The :class:`~sim.world.facade.FacadeWorld` of the running route; a clear error outside a route."""
    if CarlaDataProvider._world is None:
        raise RuntimeError("CarlaDataProvider has no world: the embedded runner installs one while an agent drives")
    return CarlaDataProvider._world


class CarlaDataProvider:
    """scenario_runner's provider of world state, answered from the embedded world (class-level, like the original)."""

    _world = None
    _client = None
    _map = None
    _sync_flag = True
    _ego_vehicle_route = None
    _traffic_manager_port = 8000
    _random_seed = 2000
    _rng = np.random.RandomState(_random_seed)
    _local_planner = None

    # ---- the runner's side ---------------------------------------------------------------------
    @staticmethod
    def set_world(world) -> None:
        CarlaDataProvider._world, CarlaDataProvider._map = world, None

    @staticmethod
    def set_client(client) -> None:
        CarlaDataProvider._client = client

    @staticmethod
    def cleanup() -> None:
        CarlaDataProvider._world = CarlaDataProvider._client = CarlaDataProvider._map = None
        CarlaDataProvider._ego_vehicle_route = None
        CarlaDataProvider._rng = np.random.RandomState(CarlaDataProvider._random_seed)

    @staticmethod
    def on_carla_tick() -> None:
        """Nothing is cached: every answer reads the current tick."""

    @staticmethod
    def register_actor(actor, transform=None) -> None:
        """Every actor of the embedded world is known already."""

    @staticmethod
    def register_actors(actors, transforms=None) -> None:
        """Every actor of the embedded world is known already."""

    # ---- world, map, client --------------------------------------------------------------------
    @staticmethod
    def get_world():
        return CarlaDataProvider._world

    @staticmethod
    def get_map(world=None) -> carla.Map:
        if CarlaDataProvider._map is None:
            CarlaDataProvider._map = (world or running_facade()).get_map()
        return CarlaDataProvider._map

    @staticmethod
    def get_client():
        return CarlaDataProvider._client

    @staticmethod
    def is_sync_mode() -> bool:
        return CarlaDataProvider._sync_flag

    @staticmethod
    def get_traffic_manager_port() -> int:
        return CarlaDataProvider._traffic_manager_port

    @staticmethod
    def get_random_seed() -> int:
        return CarlaDataProvider._random_seed

    @staticmethod
    def set_ego_route(route) -> None:
        CarlaDataProvider._ego_vehicle_route = route

    @staticmethod
    def get_ego_route():
        return CarlaDataProvider._ego_vehicle_route

    @staticmethod
    def set_local_planner(plan) -> None:
        CarlaDataProvider._local_planner = plan

    @staticmethod
    def get_local_planner():
        return CarlaDataProvider._local_planner

    @staticmethod
    def get_global_route_planner():
        """CARLA's ``GlobalRoutePlanner`` (2 m sampling) of the town, from CARLA's PythonAPI ``agents`` package."""
        carla_map = CarlaDataProvider.get_map()
        if carla_map.name not in _ROUTE_PLANNERS:
            try:  # CARLA's PythonAPI package ``agents`` (not this repository's)
                planner = importlib.import_module("agents.navigation.global_route_planner").GlobalRoutePlanner
            except ImportError as error:
                raise RuntimeError(
                    "get_global_route_planner needs CARLA's PythonAPI 'agents' package on sys.path"
                ) from error
            _ROUTE_PLANNERS[carla_map.name] = planner(carla_map, 2.0)
        return _ROUTE_PLANNERS[carla_map.name]

    # ---- actors --------------------------------------------------------------------------------
    @staticmethod
    def _pool() -> dict:
        actors = running_facade().get_actors()
        return {a.id: a for a in actors if a.type_id.startswith(_DYNAMIC_PREFIXES)}

    @staticmethod
    def get_actors() -> Iterator:
        """``(id, actor)`` of the hero, vehicles, walkers and props."""
        return iter(CarlaDataProvider._pool().items())

    @staticmethod
    def get_all_actors():
        return running_facade().get_actors()

    @staticmethod
    def actor_id_exists(actor_id: int) -> bool:
        return actor_id in CarlaDataProvider._pool()

    @staticmethod
    def get_hero_actor():
        return CarlaDataProvider._world.hero if CarlaDataProvider._world is not None else None

    @staticmethod
    def get_actor_by_id(actor_id: int):
        return CarlaDataProvider._pool().get(actor_id)

    @staticmethod
    def get_actor_by_name(role_name: str):
        return next((a for a in CarlaDataProvider._pool().values() if a.attributes.get("role_name") == role_name), None)

    @staticmethod
    def get_location(actor) -> carla.Location:
        return actor.get_location()

    @staticmethod
    def get_transform(actor) -> carla.Transform:
        return actor.get_transform()

    @staticmethod
    def get_velocity(actor) -> float:
        """[m/s] planar speed (scenario_runner's ``calculate_velocity``)."""
        velocity = actor.get_velocity()
        return math.hypot(velocity.x, velocity.y)

    # ---- traffic lights ------------------------------------------------------------------------
    @staticmethod
    def get_trafficlight_trigger_location(traffic_light) -> carla.Location:
        """Centre of a light's trigger box at its top, world frame (scenario_runner's formula)."""
        transform = traffic_light.get_transform()
        area = transform.transform(traffic_light.trigger_volume.location)
        return carla.Location(area.x, area.y, area.z + traffic_light.trigger_volume.extent.z)

    @staticmethod
    def get_next_traffic_light(actor, use_cached_location: bool = True):
        """The light whose trigger box is nearest to the end of the actor's lane before the next junction."""
        waypoint = CarlaDataProvider.get_map().get_waypoint(actor.get_location())
        last, walked = None, 0.0
        while waypoint is not None and not waypoint.is_junction and walked < _NEXT_LIGHT_REACH:
            last, walked = waypoint, walked + 2.0
            following = waypoint.next(2.0)
            waypoint = following[0] if following else None
        if last is None:
            return None
        lights = running_facade().get_actors().filter("*traffic_light*")
        end = last.transform.location

        def distance(light) -> float:
            return light.get_transform().transform(light.trigger_volume.location).distance(end)

        return min(lights, key=distance, default=None)
