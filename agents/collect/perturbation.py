"""Recovery data: bursts of steering bias on top of the expert's control, kept safe by hard bounds.

The executed control is the expert's PID control with ``bias`` added to its steer during a burst
(see :class:`~agents.collect.settings.PerturbationConfig` for when a burst may start, how long it
lasts and what ends it early); the expert keeps planning from wherever the ego is, so its plan,
the label, steers back to the route. The schedule draws from its own seeded generator, so the
same episode seed gives the same bursts for the same drive.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agents.collect.settings import PerturbationConfig
from sim.geometry import to_local, wrap_angle
from sim.maps.dense_route import DenseRoute, RouteCursor
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, RoadOption
from sim.world.snapshot import WorldSnapshot

_LANE_CHANGES = (int(RoadOption.CHANGELANELEFT), int(RoadOption.CHANGELANERIGHT))


@dataclass(frozen=True)
class RouteOffset:
    """Where the ego's box centre is relative to the route: ``lateral`` [m] (left +), ``heading`` error [rad]."""

    lateral: float
    heading: float
    index: int  # nearest route point


def route_offset(cursor: RouteCursor, route: DenseRoute, center: np.ndarray, heading: float) -> RouteOffset:
    """The offset of a box centre ``(2,)`` [m] with ``heading`` [rad] from the route (cursor advanced)."""
    index = cursor.advance(center)
    x, y, h = route.points[index]
    dx, dy = center[0] - x, center[1] - y
    return RouteOffset(-math.sin(h) * dx + math.cos(h) * dy, float(wrap_angle(heading - h)), index)


class Perturber:
    """Decides each tick whether and how much steer bias is added (state: the current burst)."""

    def __init__(self, config: PerturbationConfig, route: DenseRoute, network: RoadNetwork, seed: int) -> None:
        self.config, self.route = config, route
        self.rng = np.random.default_rng([seed, 7])
        self.cursor = RouteCursor(route)
        self._junction = network.lane_is_junction[np.maximum(route.lanes, 0)] & (route.lanes >= 0)
        changes = route.s[np.isin(route.road_options, _LANE_CHANGES)]
        self._changes = changes if changes.size else np.array([np.inf])
        self.bias = 0.0
        self.until = -math.inf  # [s] end of the current burst
        self.last_end = -math.inf  # [s] when the last burst ended
        self.offset = RouteOffset(0.0, 0.0, 0)

    @property
    def active(self) -> bool:
        return self.bias != 0.0

    def steer(self, snapshot: WorldSnapshot, expert_steer: float, dt: float) -> float:
        """The steer to execute this tick (``expert_steer`` outside bursts); ``dt`` [s] the tick."""
        cfg, now = self.config, snapshot.time
        center = np.asarray(snapshot.ego.center, dtype=np.float64)
        self.offset = route_offset(self.cursor, self.route, center, float(snapshot.ego.pose[2]))
        if self.active and (now >= self.until or not self._safe(snapshot, center)):
            self.bias, self.last_end = 0.0, now
        elif not self.active and cfg.enabled and self._may_start(snapshot, center):
            if self.rng.random() < cfg.rate * dt:
                self.until = now + float(self.rng.uniform(*cfg.duration))
                self.bias = float(self.rng.uniform(*cfg.bias)) * (1.0 if self.rng.random() < 0.5 else -1.0)
        return float(np.clip(expert_steer + self.bias, -1.0, 1.0))

    def _may_start(self, snapshot: WorldSnapshot, center: np.ndarray) -> bool:
        cfg = self.config
        s = float(self.route.s[self.offset.index])
        return (
            snapshot.time >= cfg.warmup
            and snapshot.time - self.last_end >= cfg.cooldown
            and snapshot.ego.speed >= cfg.min_speed
            and not bool(self._junction[self.offset.index])
            and float(np.min(np.abs(self._changes - s))) > cfg.lane_change_margin
            and self._safe(snapshot, center)
        )

    def _safe(self, snapshot: WorldSnapshot, center: np.ndarray) -> bool:
        """Within the offset and heading bounds, no actor within the clearance box around the ego."""
        cfg = self.config
        if abs(self.offset.lateral) > cfg.max_offset or abs(self.offset.heading) > math.radians(cfg.max_heading_deg):
            return False
        actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
        if not actors.size:
            return True
        local = to_local(actors[:, :2], np.array([*center, snapshot.ego.pose[2]]))
        close = (np.abs(local[:, 0]) < cfg.clearance) & (np.abs(local[:, 1]) < cfg.lateral_clearance)
        return not bool(close.any())
