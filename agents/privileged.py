"""What rule-based planners read off a :class:`PrivilegedWorld`: the route ahead, the speed limit, the lead.

A planner that reads ground truth says so with a true ``reads_world`` attribute; the leaderboard agent
then fills ``Observation.world`` from the world it drives in, read through ``CarlaDataProvider``
(:mod:`agents.adapters.carla_world`), in the official evaluator on CARLA and in the embedded world.
"""

from __future__ import annotations

import numpy as np

from agents.base import Observation
from sim.geometry import to_local
from sim.types import ActorIndex, LightState
from sim.world.privileged import PrivilegedWorld


def require_world(obs: Observation, planner: str) -> PrivilegedWorld:
    """``obs.world``, or a clear error naming the planner and the sensor it must declare."""
    if obs.world is None:
        raise ValueError(
            f"{planner} needs obs.world (a PrivilegedWorld); the leaderboard agent reads it through "
            "CarlaDataProvider for planners whose reads_world is true"
        )
    return obs.world


def _nearest_route_index(world: PrivilegedWorld) -> int:
    return int(np.argmin(np.hypot(*(world.route.points[:, :2] - world.ego.center).T)))


def route_ahead_local(world: PrivilegedWorld, behind: float = 10.0) -> np.ndarray:
    """``(K, 2)`` the route from ``behind`` [m] before the ego to its end, in the ego rear-axle frame."""
    route = world.route
    keep = route.s >= route.s[_nearest_route_index(world)] - behind
    return to_local(route.points[keep, :2], world.ego.pose)


def speed_limit_at(world: PrivilegedWorld) -> float | None:
    """[m/s] speed limit of the route lane under the ego, or None where the map gives none."""
    limit = float(world.network.lane_speed_limits[world.route.lanes[_nearest_route_index(world)]])
    return limit if np.isfinite(limit) and limit > 0 else None


def lead_on_route(world: PrivilegedWorld, lateral_margin: float = 1.5) -> tuple[float, float] | None:
    """(gap [m] along the route, speed [m/s]) of the nearest actor or red stop line ahead, or None.

    An actor leads when its centre lies within half a lane plus ``lateral_margin`` [m] of the route
    ahead; a red (or yellow) light leads as a standing obstacle at its stop point on a route lane.
    """
    route, network, ego = world.route, world.network, world.ego
    points, s = route.points[:, :2], route.s
    ego_index = _nearest_route_index(world)
    ego_s, candidates = s[ego_index], []
    actors = np.asarray(world.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    for row in actors:
        nearest = int(np.argmin(np.hypot(*(points - row[:2]).T)))
        lateral = float(np.hypot(*(points[nearest] - row[:2])))
        width = float(network.widths[network.lane_offsets[route.lanes[nearest]]])
        gap = s[nearest] - ego_s - (row[ActorIndex.LENGTH] + ego.dimensions[0]) / 2
        if s[nearest] > ego_s and lateral <= width / 2 + lateral_margin:
            candidates.append((max(gap, 0.0), max(row[ActorIndex.SPEED], 0.0)))
    route_lanes = set(route.lanes[ego_index:].tolist())
    lights = world.traffic_lights
    for signal, state in enumerate(world.light_states):
        if state not in (LightState.RED, LightState.YELLOW):
            continue
        start, end = lights.lane_offsets[signal], lights.lane_offsets[signal + 1]
        for lane, stop in zip(lights.lanes[start:end], lights.stop_points[start:end], strict=True):
            if int(lane) in route_lanes:
                nearest = int(np.argmin(np.hypot(*(points - stop).T)))
                if s[nearest] > ego_s:
                    candidates.append((s[nearest] - ego_s - ego.dimensions[0] / 2, 0.0))
    return min(candidates) if candidates else None
