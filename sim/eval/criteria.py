"""The leaderboard's per-tick criteria for one route in the embedded world.

``RouteCriteria.update(snapshot)`` runs every tick (20 Hz) and judges the ego like the CARLA
leaderboard's criteria tree: route completion, collisions, red lights, stop signs, outside route
lanes, route deviation, agent blocked, route timeout and Bench2Drive's tick cap. It collects
:class:`InfractionEvent` s; a terminating one (deviation, blocked, timeout) ends the route, and so
do completion and the tick cap, after which further updates are ignored. ``finish()`` adds the
outside-lanes event, which the leaderboard reports once, at the end.

Scenario state lives in the world: the runner reports a scenario that timed out with
:meth:`RouteCriteria.scenario_timeout` and a failure to yield to an emergency vehicle with
:meth:`RouteCriteria.failed_to_yield` (2.0 rules only), and switches the blocked test and the
opposite-lane check with :meth:`set_blocked_test_active` / :meth:`set_wrong_direction_check`.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from sim.eval.criteria_collisions import CollisionCriterion
from sim.eval.criteria_common import CriteriaConfig, carla_location
from sim.eval.criteria_lanes import OutsideRouteLanes, RouteDeviation
from sim.eval.criteria_signals import RedLightCriterion, StopSignCriterion
from sim.eval.criteria_speed import MinimumSpeedCriterion
from sim.eval.infractions import Infraction, InfractionEvent, LeaderboardRules
from sim.eval.route_progress import RouteProgress
from sim.maps.dense_route import NO_LANE, DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.world.snapshot import WorldSnapshot

__all__ = ["CriteriaConfig", "RouteCriteria"]

logger = logging.getLogger(__name__)


class RouteCriteria:
    """Judge one route, tick by tick.

    Args:
        network: the town's road network.
        route: the dense route.
        rules: whose rules (thresholds and 2.0-only infractions).
        config: thresholds; default ``CriteriaConfig.for_rules(rules)``.
    """

    def __init__(
        self, network: RoadNetwork, route: DenseRoute, rules: LeaderboardRules, config: CriteriaConfig | None = None
    ) -> None:
        self.rules = rules
        self.config = config or CriteriaConfig.for_rules(rules)
        self._network, self._route = network, route
        self._progress = RouteProgress(route, self.config.completion_window, self.config.completion_slack)
        self._deviation = RouteDeviation(route.points, route.s, self.config)
        self._outside = OutsideRouteLanes(network, self.config)
        self._collisions = CollisionCriterion(self.config)
        self._red_lights = RedLightCriterion(network, self.config)
        self._stops = StopSignCriterion(network, self.config)
        self._min_speed = MinimumSpeedCriterion(self.config.min_speed_checkpoints, self.config.min_speed_report_all)
        self._events: list[InfractionEvent] = []
        self._outside_event: InfractionEvent | None = None
        self._ticks = 0
        self._start_time: float | None = None
        self._last_valid_time: float | None = None  # last time the ego was not blocked
        self._blocked_active = True
        self._last_location = carla_location(route.points[0, :2])
        self._last_time = 0.0
        self.route_timeout = self._initial_timeout()  # [s] grows with progress under 2.0 rules
        self.terminated: InfractionEvent | None = None
        self.tick_cap_reached = False

    # ----------------------------------------------------------------------------------- results
    @property
    def events(self) -> tuple[InfractionEvent, ...]:
        """Every infraction event so far, in time order (the outside-lanes one after ``finish``)."""
        extra = (self._outside_event,) if self._outside_event is not None else ()
        return tuple(self._events) + extra

    @property
    def route_completion(self) -> float:
        """RC [%] in [0, 100]."""
        return self._progress.completion

    @property
    def completed(self) -> bool:
        return self._progress.completed

    @property
    def finished(self) -> bool:
        """The route has ended: completed, terminated or out of ticks."""
        return self.completed or self.terminated is not None or self.tick_cap_reached

    # ------------------------------------------------------------------------------------ ticking
    def update(self, snapshot: WorldSnapshot) -> None:
        """Judge one tick; ignored once the route has ended."""
        if self.finished:
            logger.debug("route already ended; tick %d ignored", snapshot.frame)
            return
        ego_xy = np.asarray(snapshot.ego.center, dtype=np.float64)
        self._last_location = carla_location(ego_xy, snapshot.ego.z)
        self._last_time = float(snapshot.time)
        if self._start_time is None:
            self._start_time = float(snapshot.time)
        # 1. Bench2Drive's tick cap: the route stops with what it has accrued.
        self._ticks += 1
        if self.config.tick_cap is not None and self._ticks > self.config.tick_cap:
            self.tick_cap_reached = True
            logger.info("tick cap of %d ticks reached", self.config.tick_cap)
            return
        # 2. Route progress, and the distance it adds to the outside-lanes share and the timeout.
        advanced = self._progress.update(ego_xy)
        self._outside.add(advanced, self._outside.is_outside(ego_xy, float(snapshot.ego.pose[2])))
        self._grow_timeout(advanced)
        # 3. Collisions, red lights and stop signs (penalties, the route goes on).
        self._events += self._collisions.update(snapshot)
        self._events += self._red_lights.update(snapshot)
        self._events += self._stops.update(snapshot)
        self._events += self._min_speed.update(snapshot, self.route_completion)
        # 4. Terminating tests: deviation, blocked, timeout.
        if self._deviation.update(ego_xy):
            self._terminate(Infraction.ROUTE_DEVIATION)
        elif self._is_blocked(snapshot):
            self._terminate(Infraction.AGENT_BLOCKED)
        elif self._last_time - self._start_time > self.route_timeout:
            self._terminate(Infraction.ROUTE_TIMEOUT)
        # 5. Completion was decided in step 2; nothing else to do when it happened.
        if self.completed:
            logger.info("route completed at t=%.2f s", self._last_time)

    def finish(self) -> tuple[InfractionEvent, ...]:
        """End the route: add the outside-lanes event (when any distance was driven outside); all events."""
        if self._outside_event is None and self._outside.wrong_distance > 0.0:
            self._outside_event = InfractionEvent(
                kind=Infraction.OUTSIDE_ROUTE_LANES,
                time=self._last_time,
                location=self._last_location,
                value=self._outside.percentage,
                distance=self._outside.wrong_distance,
            )
        # The last partial minimum-speed segment (2.0 rules; 1.0 has no checkpoints)
        self._events += self._min_speed.finish(self._last_time, self._last_location, self.route_completion)
        return self.events

    # ------------------------------------------------------------------------ scenario reports
    def scenario_timeout(self, name: str, time: float, location: np.ndarray) -> None:
        """A scenario timed out (2.0 ``ScenarioTimeoutTest``); ``location`` internal x, y[, z] [m]."""
        self._scenario_event(Infraction.SCENARIO_TIMEOUT, time, location, name)

    def failed_to_yield(self, time: float, location: np.ndarray) -> None:
        """The ego did not yield to an emergency vehicle (2.0 ``YieldToEmergencyVehicleTest``)."""
        self._scenario_event(Infraction.YIELD_TO_EMERGENCY_VEHICLE, time, location, "")

    def set_blocked_test_active(self, active: bool) -> None:
        """Switch the blocked test (2.0 scenarios pause it during their own timeout); restarts its clock."""
        self._blocked_active = bool(active)
        self._last_valid_time = self._last_time if self._start_time is not None else None

    def set_wrong_direction_check(self, active: bool) -> None:
        """Switch the opposite-lane part of outside route lanes (2.0 scenarios that require invading)."""
        self._outside.wrong_direction_active = bool(active)

    # ---------------------------------------------------------------------------------- helpers
    def _scenario_event(self, kind: Infraction, time: float, location: np.ndarray, detail: str) -> None:
        if self.rules is LeaderboardRules.LB1:
            logger.warning("%s is a 2.0 infraction; ignored under leaderboard 1.0 rules", kind.value)
            return
        xyz = np.asarray(location, dtype=np.float64).reshape(-1)
        z = float(xyz[2]) if xyz.size > 2 else 0.0
        self._events.append(InfractionEvent(kind, float(time), carla_location(xyz[:2], z), detail=detail))

    def _is_blocked(self, snapshot: WorldSnapshot) -> bool:
        """Slower than ``blocked_speed`` for longer than ``blocked_time`` (the clock starts on the first tick)."""
        if not self._blocked_active:
            return False
        now = float(snapshot.time)
        if abs(snapshot.ego.speed) < self.config.blocked_speed and self._last_valid_time is not None:
            return now - self._last_valid_time > self.config.blocked_time
        self._last_valid_time = now
        return False

    def _initial_timeout(self) -> float:
        """[s] 1.0: int(0.8 s/m x route length + 5 s); 2.0: 300 s to start with."""
        config = self.config
        if config.route_timeout_lb2:
            return config.route_timeout_initial
        return float(int(config.route_timeout_per_metre * self._progress.length + config.route_timeout_initial))

    def _grow_timeout(self, advanced: float) -> None:
        """2.0: every metre advanced [m] buys 1 / (10 % of the speed limit) seconds."""
        if self.config.route_timeout_lb2 and advanced > 0.0:
            limit = self._speed_limit(self._progress.index)
            self.route_timeout += advanced / (self.config.timeout_speed_fraction * limit)

    def _speed_limit(self, index: int) -> float:
        """[m/s] of the road at route point ``index``, the default where the road has none."""
        lane = int(self._route.lanes[index])
        if lane == NO_LANE:
            return self.config.default_speed_limit
        limit = float(self._network.lane_speed_limits[lane])
        return limit if math.isfinite(limit) and limit > 0 else self.config.default_speed_limit

    def _terminate(self, kind: Infraction) -> None:
        self.terminated = InfractionEvent(kind, self._last_time, self._last_location)
        self._events.append(self.terminated)
        logger.info("route ended by %s at t=%.2f s", kind.value, self._last_time)
