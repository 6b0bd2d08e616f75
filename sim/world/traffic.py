"""Background vehicles: spawning along lanes, one IDM tick for all of them, respawning near the ego.

The per-vehicle work is :func:`sim.kernels.world_traffic.traffic_step_kernel`; this module owns
the arrays, draws every random number from the world's generator (so a seed fixes the traffic),
and keeps the density around the ego by moving vehicles that fall behind or get stuck.
"""

from __future__ import annotations

import logging

import numpy as np

from sim.kernels.traffic_rules import TrafficParam
from sim.kernels.world_traffic import OBSTACLE_COLUMNS, lane_pose, traffic_step_kernel
from sim.types import ActorIndex, ActorKind
from sim.world.config import DEFAULT_VEHICLES_PER_TOWN, LB1_VEHICLES_PER_TOWN, IdmConfig, TrafficConfig
from sim.world.lanes import LaneGraph
from sim.world.snapshot import ACTOR_COLUMNS

logger = logging.getLogger(__name__)

PLAN_LENGTH = 6  # lanes planned ahead (junction lanes are short; 6 covers the 50 m lookahead)
_SPAWN_TRIES = 128  # candidate samples drawn per spawn
_STUCK_SPEED = 0.1  # [m/s]
_STUCK_HIDDEN = 40.0  # [m] stuck vehicles only respawn this far from the ego (out of sight)
_SPAWN_SPEED_FRACTION = 0.5  # of the lane's cruise speed


def idm_params(idm: IdmConfig, dt: float) -> np.ndarray:
    """The kernel's parameter vector, :class:`TrafficParam` entries."""
    values = {
        TrafficParam.DT: dt,
        TrafficParam.TIME_HEADWAY: idm.time_headway,
        TrafficParam.MIN_GAP: idm.min_gap,
        TrafficParam.MAX_ACCEL: idm.max_acceleration,
        TrafficParam.COMFORT_DECEL: idm.comfortable_deceleration,
        TrafficParam.MAX_DECEL: idm.max_deceleration,
        TrafficParam.EXPONENT: idm.exponent,
        TrafficParam.LOOKAHEAD_TIME: idm.lookahead_time,
        TrafficParam.MIN_LOOKAHEAD: idm.min_lookahead,
        TrafficParam.MAX_LOOKAHEAD: idm.max_lookahead,
        TrafficParam.PATH_MARGIN: idm.path_margin,
        TrafficParam.STOP_SIGN_WAIT: idm.stop_sign_wait,
        TrafficParam.JUNCTION_APPROACH: idm.junction_approach,
    }
    return np.array([values[p] for p in TrafficParam], dtype=np.float64)


def lb1_vehicle_count(town: str, graph: LaneGraph, center: np.ndarray, config: TrafficConfig) -> int:
    """LB1's per-town count scaled by the share of lane length within ``active_radius`` of ``center``."""
    if config.num_vehicles is not None:
        return int(config.num_vehicles)
    total = LB1_VEHICLES_PER_TOWN.get(town, DEFAULT_VEHICLES_PER_TOWN)
    near = np.hypot(*(graph.points[:, :2] - center).T) < config.active_radius
    share = float(near.sum()) / max(graph.points.shape[0], 1)  # samples are ~1 m apart
    return int(round(total * share * config.density_scale))


class BackgroundTraffic:
    """Up to ``capacity`` background vehicles (inactive rows have ``plan[:, 0] == -1``)."""

    def __init__(self, graph: LaneGraph, config: TrafficConfig, idm: IdmConfig, dt: float, capacity: int, rng):
        self.graph, self.config, self.rng = graph, config, rng
        self.params = idm_params(idm, dt)
        self.plan = np.full((capacity, PLAN_LENGTH), -1, dtype=np.int64)
        self.s, self.speed, self.stop_wait, self.stuck = (np.zeros(capacity) for _ in range(4))
        self.unjam = np.zeros(capacity, dtype=bool)
        self.unjam_time = idm.junction_unjam_time
        self.length, self.width, self.height, self.factor = (np.zeros(capacity) for _ in range(4))
        self.pose, self.accel = np.zeros((capacity, 3)), np.zeros(capacity)
        self.alive = np.ones(capacity, dtype=np.bool_)
        self.ids = np.full(capacity, -1, dtype=np.int64)
        self.persistent = np.zeros(capacity, dtype=np.bool_)  # scenario flows: never respawned
        starts = graph.offsets[:-1]
        spawnable = (graph.junction < 0) & (graph.lengths > 8.0)
        point_lane = np.repeat(np.arange(graph.num_lanes), np.diff(graph.offsets))
        self.candidates = np.flatnonzero(spawnable[point_lane] & (graph.s > 2.0))  # samples to spawn on
        self.candidate_lane = point_lane[self.candidates]
        self._lane_starts = starts

    @property
    def active(self) -> np.ndarray:
        return self.plan[:, 0] >= 0

    def random_plan(self, lane: int) -> np.ndarray:
        """``(PLAN_LENGTH,)`` lane sequence from ``lane`` with seeded random successors."""
        plan = np.full(PLAN_LENGTH, -1, dtype=np.int64)
        plan[0] = lane
        g = self.graph
        for k in range(1, PLAN_LENGTH):
            nxt = g.successors[g.successor_offsets[plan[k - 1]] : g.successor_offsets[plan[k - 1] + 1]]
            if nxt.size == 0:
                break
            plan[k] = nxt[int(self.rng.integers(nxt.size))]
        return plan

    def add(self, new_id: int, lane: int, s: float, speed: float, plan=None, persistent: bool = False) -> int:
        """Put a vehicle on ``lane`` at ``s`` [m]; returns its row (ValueError when full)."""
        free = np.flatnonzero(~self.active)
        if free.size == 0:
            raise ValueError(f"background traffic is full ({self.plan.shape[0]} vehicles)")
        row = int(free[0])
        self._place(row, lane, s, speed, plan)
        self.ids[row], self.persistent[row] = new_id, persistent
        return row

    def _place(self, row: int, lane: int, s: float, speed: float, plan=None) -> None:
        c, rng = self.config, self.rng
        self.plan[row] = self.random_plan(lane) if plan is None else plan
        self.s[row], self.speed[row], self.stop_wait[row], self.stuck[row] = s, speed, 0.0, 0.0
        self.unjam[row] = False
        self.length[row] = rng.uniform(*c.vehicle_length)
        self.width[row] = rng.uniform(*c.vehicle_width)
        self.height[row] = rng.uniform(*c.vehicle_height)
        self.factor[row] = rng.uniform(0.85, 1.05)
        lane_pose(self.graph.offsets, self.graph.points, self.graph.s, lane, s, self.pose[row])

    def remove(self, row: int) -> None:
        self.plan[row] = -1
        self.ids[row] = -1

    def find_spawn(self, ego_xy: np.ndarray, near: float, far: float, others: np.ndarray) -> int | None:
        """A candidate sample index between ``near`` and ``far`` [m] of the ego, clear of ``others`` ``(k, 2)``."""
        d_all = np.hypot(*(self.graph.points[self.candidates, :2] - ego_xy).T)
        pool = self.candidates[(d_all >= near) & (d_all <= far)]
        if pool.size == 0:
            return None
        picks = pool[self.rng.integers(pool.size, size=_SPAWN_TRIES)]
        xy = self.graph.points[picks, :2]
        ok = np.ones(picks.size, dtype=np.bool_)
        if others.shape[0]:
            d_min = np.min(np.hypot(xy[:, None, 0] - others[None, :, 0], xy[:, None, 1] - others[None, :, 1]), axis=1)
            ok &= d_min >= self.config.spawn_clearance
        hits = np.flatnonzero(ok)
        return int(picks[hits[0]]) if hits.size else None

    def spawn_around(self, ego_xy: np.ndarray, count: int, near: float, others: np.ndarray, next_id) -> int:
        """Spawn up to ``count`` vehicles; returns how many were placed."""
        placed = 0
        for _ in range(count):
            occupied = np.concatenate([others, self.pose[self.active, :2]])
            point = self.find_spawn(ego_xy, near, self.config.active_radius, occupied)
            if point is None or not np.any(~self.active):
                break
            lane = int(np.searchsorted(self.graph.offsets, point, side="right") - 1)
            s = float(self.graph.s[point])
            self.add(next_id(), lane, s, _SPAWN_SPEED_FRACTION * self.graph.cruise_speed[lane])
            placed += 1
        return placed

    def obstacles(self) -> tuple[np.ndarray, np.ndarray]:
        """``(k, 6)`` obstacle rows of the active vehicles and their rows (owners)."""
        rows = np.flatnonzero(self.active)
        obstacle = np.column_stack([self.pose[rows], self.speed[rows], self.length[rows], self.width[rows]]).reshape(
            -1, OBSTACLE_COLUMNS
        )
        return obstacle, rows

    def step(self, lane_rules: np.ndarray, others: np.ndarray, dt: float | None = None) -> None:
        """Advance every vehicle one tick of ``dt`` [s] (None: the last one); ``others`` ``(m, 6)`` are
        obstacles that are not traffic."""
        if dt is not None:
            self.params[TrafficParam.DT] = dt
        own, rows = self.obstacles()
        obstacles = np.ascontiguousarray(np.concatenate([own, others]))
        owner = np.concatenate([rows, np.full(others.shape[0], -1, dtype=np.int64)])
        rand = self.rng.random(self.plan.shape[0])
        g = self.graph
        traffic_step_kernel(
            g.offsets, g.points, g.s, g.lengths, g.successor_offsets, g.successors, g.junction, g.cruise_speed,
            g.conflict_offsets, g.conflicts, lane_rules, self.plan, self.s, self.speed, self.length, self.width,
            self.factor, self.stop_wait, obstacles, owner, rand, self.params, self.pose, self.accel, self.alive,
            self._unjam_flags(),
        )  # fmt: skip
        moving = (self.speed >= _STUCK_SPEED) | ~self.active
        self.stuck = np.where(moving, 0.0, self.stuck + self.params[TrafficParam.DT])

    def _unjam_flags(self) -> np.ndarray:
        """Vehicles that stood too long inside a junction ignore other background vehicles until they leave it.

        Crossing vehicles that entered together can hold each other forever; the flag stays set while
        the vehicle is in the junction so its creeping does not reset it.
        """
        lanes = self.plan[:, 0]
        in_junction = (lanes >= 0) & (self.graph.junction[np.maximum(lanes, 0)] >= 0)
        self.unjam = in_junction & (self.unjam | (self.stuck > self.unjam_time))
        return self.unjam

    def recycle(self, ego_xy: np.ndarray, others: np.ndarray, stuck_time: float, next_id) -> None:
        """Respawn vehicles that are too far, at a dead end, or stuck out of sight."""
        active = self.active & ~self.persistent
        d = np.hypot(*(self.pose[:, :2] - ego_xy).T)
        gone = active & (
            (d > self.config.despawn_radius) | ~self.alive | ((self.stuck > stuck_time) & (d > _STUCK_HIDDEN))
        )
        for row in np.flatnonzero(gone).tolist():
            occupied = np.concatenate([others, self.pose[self.active, :2]])
            point = self.find_spawn(ego_xy, self.config.respawn_min_distance, self.config.active_radius, occupied)
            if point is None:
                continue
            lane = int(np.searchsorted(self.graph.offsets, point, side="right") - 1)
            self._place(row, lane, float(self.graph.s[point]), _SPAWN_SPEED_FRACTION * self.graph.cruise_speed[lane])
            self.ids[row] = next_id()  # a respawn is a new actor for the criteria
        ended = self.persistent & self.active & ~self.alive
        for row in np.flatnonzero(ended).tolist():
            self.remove(row)

    def actor_rows(self, kind: ActorKind = ActorKind.VEHICLE) -> tuple[np.ndarray, np.ndarray]:
        """``(ids (k,), actors (k, 8))`` of the active vehicles for the snapshot."""
        rows = np.flatnonzero(self.active)
        actors = np.empty((rows.size, ACTOR_COLUMNS))
        actors[:, ActorIndex.X : ActorIndex.HEADING + 1] = self.pose[rows]
        actors[:, ActorIndex.SPEED] = self.speed[rows]
        actors[:, ActorIndex.LENGTH] = self.length[rows]
        actors[:, ActorIndex.WIDTH] = self.width[rows]
        actors[:, ActorIndex.HEIGHT] = self.height[rows]
        actors[:, ActorIndex.KIND] = kind
        return self.ids[rows].copy(), actors
