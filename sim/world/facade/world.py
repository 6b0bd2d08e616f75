"""``carla.World`` of one route's embedded world: what agents read through ``CarlaDataProvider.get_world()``.

Built next to the :class:`sim.world.world.World` of a route and told every new snapshot
(:meth:`FacadeWorld.update`), it serves the hero, the other vehicles, walkers, props, traffic lights,
stop signs and a spectator as CARLA actors (:mod:`sim.world.facade.actors`), the town's real
``carla.Map``, snapshots with timestamps, settings and weather, in CARLA's frame and units. It is
read-only: the runner owns the clock (``tick`` and ``wait_for_tick`` do not advance it) and the
actors. :meth:`FacadeWorld.privileged` is the typed ground truth of the same tick.
"""

from __future__ import annotations

import itertools
import logging

import carla
import numpy as np

from routes.route_types import LeaderboardVersion
from sim.maps.town import town_carla_map
from sim.types import ActorIndex, ActorKind
from sim.world.facade.actor_list import FacadeActorList, FacadeWorldSnapshot
from sim.world.facade.actors import FacadeActor, FacadeVehicle, FacadeWalker, Kinematics, Spectator, row_kinematics
from sim.world.facade.blueprints import (
    BACKGROUND_ROLE,
    SCENARIO_ROLE,
    SPECTATOR_BLUEPRINT,
    STOP_SIGN_BLUEPRINT,
    TRAFFIC_LIGHT_BLUEPRINT,
    Blueprint,
    actor_blueprint,
    hero_blueprint,
)  # fmt: skip
from sim.world.facade.frame import HERO_ID, FrameState
from sim.world.facade.signal_actors import LIGHT_BOX, SIGN_BOX, FacadeStopSign, FacadeTrafficLight
from sim.world.facade.signal_boxes import light_boxes, stop_boxes
from sim.world.privileged import PrivilegedWorld
from sim.world.snapshot import WorldSnapshot
from sim.world.world import World

logger = logging.getLogger(__name__)

LIGHT_ID_BASE = 1_000_000_000  # traffic light k has id LIGHT_ID_BASE + k
STOP_ID_BASE = 2_000_000_000  # stop sign k has id STOP_ID_BASE + k
SPECTATOR_ID = 3_000_000_000
_TAG = carla.CityObjectLabel
_TAGS = {ActorKind.VEHICLE: [_TAG.Car], ActorKind.WALKER: [_TAG.Pedestrians], ActorKind.STATIC: [_TAG.Static],
         ActorKind.BICYCLE: [_TAG.Bicycle, _TAG.Rider], ActorKind.EMERGENCY: [_TAG.Truck]}  # fmt: skip
_CLASSES = {ActorKind.WALKER: FacadeWalker, ActorKind.STATIC: FacadeActor}  # everything else is a FacadeVehicle


class _Debug:
    """``world.debug``: drawing calls are accepted and not shown (nothing renders the debug layer)."""

    def __getattr__(self, name: str):
        if name.startswith("draw_"):
            return lambda *args, **kwargs: None
        raise AttributeError(f"carla.DebugHelper has no attribute {name!r}")


class FacadeWorld:
    """The CARLA-API view of one route's :class:`World` (see the module docstring).

    Args:
        world: the route's embedded world.
        version: which leaderboard's ego blueprint and background role names to use.
        data_dir: the data directory holding the town's ``.xodr`` (for :meth:`get_map`).
    """

    def __init__(self, world: World, version: LeaderboardVersion, data_dir: str | None = None) -> None:
        self._world, self.network, self.lights = world, world.network, world.lights
        self.version, self.data_dir, self.id = version, data_dir, int(world.seed)
        self._actors: dict[int, FacadeActor] = {}
        self._state: FrameState | None = None
        self.hero = FacadeVehicle(self, HERO_ID, hero_blueprint(version), [int(_TAG.Car)])
        self._lights = self._signals(FacadeTrafficLight, light_boxes(self.network), self.network.traffic_lights,
                                     LIGHT_ID_BASE, TRAFFIC_LIGHT_BLUEPRINT, _TAG.TrafficLight, LIGHT_BOX)  # fmt: skip
        self._stops = self._signals(FacadeStopSign, stop_boxes(self.network), self.network.stop_signs, STOP_ID_BASE,
                                    STOP_SIGN_BLUEPRINT, _TAG.TrafficSigns, SIGN_BOX)  # fmt: skip
        self._spectator = Spectator(self, SPECTATOR_ID, Blueprint(SPECTATOR_BLUEPRINT))
        self._weather = carla.WeatherParameters.ClearNoon
        self.debug = _Debug()
        self.update(world.snapshot())

    def _signals(self, cls, boxes, groups, base, type_id, tag, size) -> list:
        return [cls(self, base + k, Blueprint(type_id, {"role_name": ""}), [int(tag)], k, boxes,
                    groups.positions[k], str(groups.ids[k]), size) for k in range(groups.count)]  # fmt: skip

    # ---- the runner's side ---------------------------------------------------------------------
    def update(self, snapshot: WorldSnapshot) -> None:
        """Serve ``snapshot`` (the tick the agent senses next) from now on."""
        self._state = FrameState(snapshot, self._state, self.network)
        scenario_ids = set(itertools.chain.from_iterable(s.actor_ids for s in self._world.scenario_states()))
        actors = self._state.actors
        for actor_id, row in self._state.rows.items():
            if actor_id not in self._actors:
                role = SCENARIO_ROLE if actor_id in scenario_ids else BACKGROUND_ROLE[self.version]
                kind = ActorKind(int(actors[row, ActorIndex.KIND]))
                blueprint = actor_blueprint(kind, float(actors[row, ActorIndex.LENGTH]), role)
                cls = _CLASSES.get(kind, FacadeVehicle)
                self._actors[actor_id] = cls(self, actor_id, blueprint, [int(t) for t in _TAGS[kind]])

    @property
    def snapshot(self) -> WorldSnapshot:
        return self._state.snapshot

    @property
    def time(self) -> float:
        """[s] simulated time of the served tick."""
        return float(self._state.snapshot.time)

    def privileged(self) -> PrivilegedWorld:
        """The served tick as the typed ground truth privileged planners read."""
        return self._world.privileged(self._state.snapshot)

    # ---- what actors read ----------------------------------------------------------------------
    def has_actor(self, actor_id: int) -> bool:
        return actor_id == HERO_ID or actor_id in self._state.rows

    def carla_row(self, actor_id: int) -> list[float] | None:
        """The :class:`sim.world.facade.convert.Column` row of a hero, vehicle, walker or prop now, or None."""
        return self._state.carla_table.get(actor_id)

    def kinematics(self, actor_id: int) -> Kinematics | None:
        """The state of a hero, vehicle, walker or prop now, or None when it is not in the world."""
        state = self._state
        if actor_id == HERO_ID:
            ego = state.snapshot.ego
            heading, speed = float(ego.pose[2]), float(ego.speed)
            velocity = np.array([speed * np.cos(heading), speed * np.sin(heading)])
            return Kinematics(float(ego.center[0]), float(ego.center[1]), float(ego.z), heading, velocity,
                              state.ego_acceleration, float(ego.yaw_rate), np.asarray(ego.dimensions))  # fmt: skip
        row = state.rows.get(actor_id)
        if row is None:
            return None
        return row_kinematics(state.actors[row], state.ground_z[row], state.velocities[row],
                              state.accelerations[row], state.yaw_rates[row])  # fmt: skip

    def control_of(self, actor_id: int) -> carla.VehicleControl:
        """The hero's held control; another vehicle's estimated from its motion (throttle and brake from its
        acceleration against the IDM limits, steer from its yaw rate through the ego's steering geometry)."""
        if actor_id == HERO_ID:
            c = self._world.control
            return carla.VehicleControl(throttle=float(c.throttle), steer=float(c.steer), brake=float(c.brake),
                                        hand_brake=bool(c.hand_brake), reverse=bool(c.reverse))  # fmt: skip
        k = self.kinematics(actor_id)
        if k is None:
            return carla.VehicleControl()
        ego, idm = self._world.config.ego, self._world.config.idm
        heading = np.array([np.cos(k.heading), np.sin(k.heading)])
        along = float(k.acceleration @ heading)
        speed = max(float(np.hypot(*k.velocity)), 0.1)
        wheel = np.arctan(ego.wheelbase * k.yaw_rate / speed)
        return carla.VehicleControl(
            throttle=float(np.clip(along / idm.max_acceleration, 0.0, 1.0)),
            steer=float(np.clip(-wheel / ego.max_steer_angle, -1.0, 1.0)),  # CARLA: positive steers right
            brake=float(np.clip(-along / idm.max_deceleration, 0.0, 1.0)),
        )

    def speed_limit_at(self, xy: np.ndarray, heading: float) -> float | None:
        """[m/s] of the lane under ``xy``, or None where the map gives none."""
        lane = self.network.locate(xy, heading).lane
        limit = float(self.network.lane_speed_limits[lane])
        return limit if np.isfinite(limit) and limit > 0 else None

    def light_state(self, row: int) -> int:
        return int(self._state.snapshot.light_states[row])

    def light_actor(self, row: int) -> FacadeTrafficLight:
        return self._lights[row]

    def light_at(self, xy: np.ndarray) -> FacadeTrafficLight | None:
        row = light_boxes(self.network).containing(xy) if self._lights else -1
        return None if row < 0 else self._lights[row]

    # ---- carla.World ---------------------------------------------------------------------------
    def get_actors(self, actor_ids=None) -> FacadeActorList:
        """The hero, vehicles, walkers, props, traffic lights, stop signs and the spectator (or ``actor_ids``')."""
        everything = [self.hero, *(self._actors[i] for i in self._state.rows), *self._lights, *self._stops,
                      self._spectator]  # fmt: skip
        if actor_ids is not None:
            wanted = {int(i) for i in actor_ids}
            everything = [a for a in everything if a.id in wanted]
        return FacadeActorList(everything)

    def get_actor(self, actor_id: int):
        return self.get_actors([actor_id]).find(int(actor_id))

    def get_map(self) -> carla.Map:
        """The town's real ``carla.Map`` (OpenDRIVE loaded offline, cached per process)."""
        return town_carla_map(self.network, self.data_dir)

    def get_snapshot(self) -> FacadeWorldSnapshot:
        snapshot = self._state.snapshot
        dt = float(self._world.config.dt)
        timestamp = carla.Timestamp(int(snapshot.frame), float(snapshot.time), dt, float(snapshot.time))
        return FacadeWorldSnapshot(self.id, timestamp, [a for a in self.get_actors() if a.id != SPECTATOR_ID])

    def get_settings(self) -> carla.WorldSettings:
        """Synchronous at the world's fixed step (the leaderboard's settings)."""
        return carla.WorldSettings(synchronous_mode=True, no_rendering_mode=False,
                                   fixed_delta_seconds=float(self._world.config.dt))  # fmt: skip

    def apply_settings(self, settings: carla.WorldSettings) -> int:
        """Accepted and ignored (logged): the runner owns the world's settings."""
        logger.warning("world.apply_settings(%s) ignored: the runner owns the embedded world's settings", settings)
        return int(self._state.snapshot.frame)

    def tick(self, seconds: float = 10.0) -> int:
        """The served frame; the world does not advance (the runner ticks it after ``run_step``)."""
        return int(self._state.snapshot.frame)

    def wait_for_tick(self, seconds: float = 10.0) -> FacadeWorldSnapshot:
        """The served snapshot (in synchronous mode no tick happens while the agent runs)."""
        return self.get_snapshot()

    def get_spectator(self) -> Spectator:
        return self._spectator

    def get_weather(self) -> carla.WeatherParameters:
        return self._weather

    def set_weather(self, weather: carla.WeatherParameters) -> None:
        """Kept and reported back; the embedded renderer draws no weather."""
        self._weather = weather

    def get_traffic_light(self, landmark) -> FacadeTrafficLight | None:
        """The light of an OpenDRIVE ``carla.Landmark`` (by signal id), or None."""
        return next((light for light in self._lights if light.get_opendrive_id() == str(landmark.id)), None)

    def get_traffic_lights_from_waypoint(self, waypoint, distance: float) -> list:
        """Lights whose signals lie within ``distance`` [m] ahead of ``waypoint`` on its lane."""
        found: dict[int, FacadeTrafficLight] = {}
        for landmark in waypoint.get_landmarks(float(distance), False):
            light = self.get_traffic_light(landmark)
            if light is not None:
                found.setdefault(light.id, light)
        return list(found.values())

    def get_traffic_lights_in_junction(self, junction_id: int) -> list:
        return [light for light in self._lights if int(self.lights.junctions[light.row]) == int(junction_id)]

    def try_spawn_actor(self, *args, **kwargs) -> None:
        logger.warning("world.try_spawn_actor refused: the embedded world's actors are owned by the runner")
        return None

    def spawn_actor(self, *args, **kwargs):
        raise RuntimeError("world.spawn_actor: agents cannot spawn actors in the embedded world")
