"""The embedded closed-loop world: ego dynamics, background traffic, walkers, lights and scenarios.

A runner drives it: ``world.apply(control)``, ``world.tick()``, ``world.snapshot()``. The world is
seeded: every random draw comes from one ``numpy.random.Generator``, so the same seed and the same
controls give bit-identical snapshots.
"""

from __future__ import annotations

import itertools
import logging
import math

import numpy as np

from routes.lb1_scenarios import match_triggers
from routes.route_types import RouteDescription, ScenarioSpec
from sim.kernels.traffic_rules import LaneRule
from sim.maps.dense_route import DenseRoute, RouteCursor
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, LightState
from sim.world.config import WorldConfig
from sim.world.ego import Control, EgoState, step_ego
from sim.world.lanes import LaneGraph, build_lane_graph
from sim.world.lights import TrafficLights
from sim.world.privileged import PrivilegedWorld
from sim.world.scenario_base import ScenarioContext, ScenarioState
from sim.world.scenarios import ScenarioRunner, build_scenarios
from sim.world.snapshot import ACTOR_COLUMNS, EgoSnapshot, WorldSnapshot
from sim.world.traffic import BackgroundTraffic, lb1_vehicle_count
from sim.world.walkers import Walkers

logger = logging.getLogger(__name__)

FLOW_CAPACITY = 24  # spare traffic rows for scenario flows
_GRAPHS: dict[tuple, LaneGraph] = {}  # lane graphs per (town, file sha, IDM config): built once per process


def lane_graph(network: RoadNetwork, config: WorldConfig) -> LaneGraph:
    key = (network.name, network.source_sha256, config.idm)
    if key not in _GRAPHS:
        _GRAPHS[key] = build_lane_graph(network, config.idm)
    return _GRAPHS[key]


def lane_rules(states: np.ndarray, stop_sign: np.ndarray) -> np.ndarray:
    """``(L,)`` int64 :class:`LaneRule` per lane from the light state per lane and the stop-sign lanes."""
    rules = np.full(states.shape, LaneRule.FREE, dtype=np.int64)
    rules[stop_sign] = LaneRule.STOP_SIGN
    rules[states == LightState.RED] = LaneRule.RED
    rules[states == LightState.YELLOW] = LaneRule.YELLOW
    rules[states == LightState.GREEN] = LaneRule.GREEN
    return rules


class World:
    """A closed-loop world on one town along one route.

    Args:
        network: the town (``sim.maps.town.load_town``).
        route: the ego's dense route; the ego's box centre spawns on its first point.
        config: every tunable number.
        seed: seeds the one random generator.
        scenarios: LB2 / Bench2Drive scenarios (their triggers are matched to the route here).
        matched_scenarios: ``(route index, spec)`` pairs already matched (LB1's JSON triggers).
    """

    def __init__(
        self,
        network: RoadNetwork,
        route: DenseRoute,
        config: WorldConfig | None = None,
        seed: int = 0,
        scenarios: tuple[ScenarioSpec, ...] | list[ScenarioSpec] = (),
        matched_scenarios: list[tuple[int, ScenarioSpec]] | None = None,
    ):
        config = WorldConfig() if config is None else config
        self.network, self.config, self.seed = network, config, int(seed)
        self.route = route
        self.rng = np.random.default_rng(self.seed)
        self._ids = itertools.count(1)  # 0 is the ego
        self.graph = lane_graph(network, config)
        self.frame, self.time = 0, 0.0
        self.cursor = RouteCursor(route)  # the ego's box centre along the route
        self.control = Control()
        x, y, heading = self.route.points[0]
        d = config.ego.rear_axle_to_center
        self.ego = EgoState(x=x - d * math.cos(heading), y=y - d * math.sin(heading), heading=float(heading))
        self.lights = TrafficLights(
            network.traffic_lights, network.lane_junction_ids, network.num_lanes, config.lights, self.rng
        )
        count = lb1_vehicle_count(network.name, self.graph, self.route.points[0, :2], config.traffic)
        self.traffic = BackgroundTraffic(
            self.graph, config.traffic, config.idm, config.dt, count + FLOW_CAPACITY, self.rng
        )
        self.walkers = Walkers(network, config.traffic, self.rng)
        self.context = ScenarioContext(network, self.route, self.rng, self.traffic, self.lights, self.new_id)
        self.scenarios = ScenarioRunner(
            build_scenarios(scenarios, self.route, matched_scenarios), config.scenario_spawn_distance,
            config.scenario_timeout,
        )  # fmt: skip
        self._update_context(config.dt)
        self.scenarios.tick(self.context)  # places actors of triggers close to the start
        self._spawn_background(count)

    @classmethod
    def from_route_description(
        cls,
        network: RoadNetwork,
        description: RouteDescription,
        route: DenseRoute,
        config: WorldConfig | None = None,
        seed: int = 0,
        lb1_scenarios: list[ScenarioSpec] | None = None,
    ) -> World:
        """A world for one route of a benchmark: LB2 scenarios from the route, LB1 ones matched from the JSON."""
        if description.town != network.name:
            raise ValueError(f"route {description.route_id} is in {description.town}, the network is {network.name}")
        matched = match_triggers(route.points[:, :2], route.points[:, 2], lb1_scenarios) if lb1_scenarios else None
        return cls(network, route, config, seed, description.scenarios, matched)

    def new_id(self) -> int:
        return next(self._ids)

    def _spawn_background(self, count: int) -> None:
        center = self.ego.center(self.config.ego)
        _, scenario_rows = self.scenarios.actor_rows()
        blocked = np.concatenate([center[None], scenario_rows[:, :2]])
        placed = self.traffic.spawn_around(center, count, self.config.traffic.ego_clearance, blocked, self.new_id)
        if placed < count:
            logger.info("spawned %d of %d background vehicles (no more clear spots)", placed, count)
        self.walkers.spawn(center, self.config.traffic.num_walkers, self.new_id)

    def apply(self, control) -> None:
        """Set the control held until the next :meth:`apply` (a ``carla.VehicleControl``-like object)."""
        self.control = Control.from_any(control)

    def tick(self, dt: float | None = None) -> None:
        """Advance the world by ``dt`` [s] (default ``config.dt``); :meth:`snapshot` then shows the new state."""
        dt = self.config.dt if dt is None else float(dt)
        if not (dt > 0.0 and math.isfinite(dt)):
            raise ValueError(f"tick dt must be a positive number of seconds, got {dt!r}")
        # 1. the ego moves under the held control (plus a scenario's steering noise)
        control = self.control
        offset = self.scenarios.steer_offset(self.context)
        if offset:
            control = Control(control.throttle, min(max(control.steer + offset, -1.0), 1.0), control.brake,
                              control.hand_brake, control.reverse)  # fmt: skip
        self.ego = step_ego(self.ego, control, dt, self.config.ego)
        # 2. lights advance
        self.lights.update(self.time + dt)
        # 3. background vehicles drive (everything else is an obstacle to them)
        self.traffic.step(lane_rules(self.lights.lane_states(), self.graph.stop_sign), self._obstacles(), dt)
        # 4. walkers walk
        self.walkers.step(dt)
        # 5. time, route progress and scenarios
        self.time += dt
        self.frame += 1
        self._update_context(dt)
        self.scenarios.tick(self.context)
        self.lights.update(self.time)  # a scenario may just have pinned a light
        # 6. keep the traffic around the ego
        center = self.context.ego_xy
        others = np.concatenate([center[None], self.scenarios.actor_rows()[1][:, :2]])
        self.traffic.recycle(center, others, self.config.idm.stuck_time, self.new_id)
        self.walkers.recycle(center, self.new_id)

    def _obstacles(self) -> np.ndarray:
        """``(m, 6)`` x, y, heading, speed, length, width of the ego, walkers and scenario actors."""
        c = self.config.ego
        ego_row = np.array([[*self.ego.center(c), self.ego.heading, self.ego.speed, c.length, c.width]])
        rows = [ego_row]
        for _, actors in (self.walkers.actor_rows(), self.scenarios.actor_rows()):
            rows.append(actors[:, [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING, ActorIndex.SPEED,
                                   ActorIndex.LENGTH, ActorIndex.WIDTH]])  # fmt: skip
        return np.ascontiguousarray(np.concatenate(rows))

    def _update_context(self, dt: float) -> None:
        ctx = self.context
        ctx.ego_xy = self.ego.center(self.config.ego)
        self.cursor.advance(ctx.ego_xy)
        ctx.ego_heading, ctx.ego_speed, ctx.ego_s = self.ego.heading, self.ego.speed, self.cursor.s
        ctx.time, ctx.dt = self.time, dt

    def snapshot(self) -> WorldSnapshot:
        """Everything dynamic now (see :class:`WorldSnapshot`)."""
        c = self.config.ego
        center = self.ego.center(c)
        parts = [self.traffic.actor_rows(), self.walkers.actor_rows(), self.scenarios.actor_rows()]
        ids = np.concatenate([p[0] for p in parts]).astype(np.int64)
        actors = np.concatenate([p[1].reshape(-1, ACTOR_COLUMNS) for p in parts])
        ego = EgoSnapshot(
            pose=np.array([self.ego.x, self.ego.y, self.ego.heading]),
            center=center,
            z=self.ground_height(center),
            speed=self.ego.speed,
            acceleration=np.array([self.ego.accel_long, self.ego.accel_lat]),
            yaw_rate=self.ego.yaw_rate,
            dimensions=np.array([c.length, c.width, c.height]),
            steer=self.ego.steer,
        )
        return WorldSnapshot(self.frame, self.time, self.network.name, ego, ids, actors, self.lights.states.copy())

    def privileged(self, snapshot: WorldSnapshot | None = None) -> PrivilegedWorld:
        """The world as privileged planners read it; ``snapshot``: this tick's, when already taken."""
        return PrivilegedWorld.from_snapshot(
            self.snapshot() if snapshot is None else snapshot, self.network, self.route
        )

    def ground_height(self, xy: np.ndarray) -> float:
        """[m] road height under ``xy`` (nearest lane sample)."""
        return float(self.network.z[self.network.locate(xy).point])

    def scenario_states(self) -> tuple[ScenarioState, ...]:
        """Every scenario of the route with its status and activation/end times (for criteria)."""
        return self.scenarios.states()

    def emergency_vehicle_behind(self, name: str) -> bool:
        """The leaderboard's YieldToEmergencyVehicle failure test: scenario ``name``'s vehicle is behind the ego."""
        for scenario in self.scenarios.scenarios:
            if scenario.spec.name == name and hasattr(scenario, "ambulance_behind_ego"):
                return scenario.ambulance_behind_ego(self.context)
        return False
