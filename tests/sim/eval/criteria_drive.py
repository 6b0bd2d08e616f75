"""Driving a route by hand for the criteria tests: Town01 snapshots along a planned route through a lit junction."""

from __future__ import annotations

import math

import numpy as np

from sim.eval.infractions import Infraction, LeaderboardRules
from sim.types import LightState
from sim.world.snapshot import ACTOR_COLUMNS, EgoSnapshot, WorldSnapshot

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE
DT = 0.05  # [s] 20 Hz
LIGHT = 6  # Town01 light controlling the straight junction lane 116 (approach lane 81 -> lane 83)
JUNCTION_LANE = 116
EGO_DIMS = np.array([4.9, 2.1, 1.5])


def pose_at(route, s: float, lateral: float = 0.0) -> tuple[np.ndarray, float]:
    """Centre ``(2,)`` and heading at arc length ``s`` [m] of the route, shifted ``lateral`` [m] to the left."""
    s = float(np.clip(s, 0.0, route.length))
    k = int(np.clip(np.searchsorted(route.s, s, side="right") - 1, 0, len(route.s) - 2))
    t = (s - route.s[k]) / max(route.s[k + 1] - route.s[k], 1e-9)
    xy = route.points[k, :2] + t * (route.points[k + 1, :2] - route.points[k, :2])
    heading = float(route.points[k, 2])
    return xy + lateral * np.array([-math.sin(heading), math.cos(heading)]), heading


def snapshot(network, frame, centre, heading, speed, actors=None, ids=None, lights=LightState.GREEN):
    forward = np.array([math.cos(heading), math.sin(heading)])
    ego = EgoSnapshot(
        pose=np.array([*(centre - 1.4 * forward), heading]),
        center=np.asarray(centre, dtype=np.float64),
        z=0.0,
        speed=float(speed),
        acceleration=np.zeros(2),
        yaw_rate=0.0,
        dimensions=EGO_DIMS,
    )
    states = np.full(network.traffic_lights.count, int(LightState.GREEN), dtype=np.int64)
    states[LIGHT] = int(lights)
    return WorldSnapshot(
        frame=frame,
        time=frame * DT,
        town="Town01",
        ego=ego,
        actor_ids=np.zeros(0, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64),
        actors=np.zeros((0, ACTOR_COLUMNS)) if actors is None else np.asarray(actors, dtype=np.float64),
        light_states=states,
    )


def infractions(events) -> tuple:
    """The events other than the minimum-speed reports (2.0 rules report every checkpoint)."""
    return tuple(e for e in events if e.kind is not Infraction.MIN_SPEED)


def drive(
    criteria, network, route, speed, s_from=0.0, s_to=None, frame=0, lateral=None, lights=LightState.GREEN, actors=None
):
    """Drive the route at ``speed`` [m/s] from ``s_from`` to ``s_to``; returns the next frame and RC history."""
    s_to = route.length if s_to is None else s_to
    history, s = [], s_from
    while s <= s_to and not criteria.finished:
        centre, heading = pose_at(route, s, lateral(s) if lateral else 0.0)
        ids = None if actors is None else np.arange(len(actors))
        criteria.update(snapshot(network, frame, centre, heading, speed, actors, ids, lights=lights))
        history.append(criteria.route_completion)
        s, frame = s + speed * DT, frame + 1
    return frame, history


def stand(criteria, network, route, s, ticks, frame, speed=0.0, lights=LightState.GREEN):
    centre, heading = pose_at(route, s)
    for _ in range(ticks):
        if criteria.finished:
            break
        criteria.update(snapshot(network, frame, centre, heading, speed, lights=lights))
        frame += 1
    return frame


def stop_line_s(network, route) -> float:
    """Route arc length [m] of the first point on the junction lane."""
    return float(route.s[int(np.flatnonzero(route.lanes == JUNCTION_LANE)[0])])


def stop_then_cross(criteria, network, route, speed: float = 5.0, before: float = 2.5, ticks: int = 20) -> None:
    """Drive to ``before`` [m] short of the stop line, stand ``ticks`` ticks, then cross to 15 m past it."""
    line = stop_line_s(network, route)
    frame, _ = drive(criteria, network, route, speed, s_to=line - before)
    frame = stand(criteria, network, route, line - before, ticks, frame)
    drive(criteria, network, route, speed, s_from=line - before, s_to=line + 15.0, frame=frame)
