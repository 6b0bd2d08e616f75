"""Other actors as the expert sees them: who is on the path, who will cross it, who to be careful of.

Three rules, all against a corridor of half the ego's width plus a margin around the path ahead:

1. an actor in the corridor now is followed (IDM) at its speed projected on the path;
2. an actor predicted (constant turn rate and acceleration) to enter the corridor at a place and a
   time the ego would occupy, give or take a buffer, is yielded to: the ego stays behind the point
   where it enters (a junction crosser, a walker stepping onto the road, a cut-in);
3. walkers close to the corridor and walking towards it cap the speed near them.

Vehicles beside or behind the ego heading the same way are left out of rule 2: they follow us.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.expert.geometry import Path, corridor_overlap, predict_centers, project_onto
from agents.expert.speed import Constraints
from sim.geometry import wrap_angle
from sim.types import ActorIndex, ActorKind
from sim.world.snapshot import EgoSnapshot

if TYPE_CHECKING:
    from agents.expert.config import ExpertConfig

_I = ActorIndex
_ALIGNED = np.pi / 4  # [rad] an actor heading within this of the path runs along it
_REACH = 20.0  # [m] actors farther than the path's end plus this are ignored
_FACING = 0.5  # sin of the angle to the path above which a walker faces it (30 degrees)
_CLOSE = 0.5  # [m] a walker this close to the corridor is careful-worthy even standing still


@dataclass(frozen=True)
class EgoBody:
    """The ego's box relative to its rear axle: ``front`` / ``rear`` [m] to the bumpers, ``half_width`` [m]."""

    front: float
    rear: float
    half_width: float

    @classmethod
    def from_ego(cls, ego: EgoSnapshot) -> EgoBody:
        axle_to_center = float(np.hypot(*(np.asarray(ego.center) - np.asarray(ego.pose)[:2])))
        length, width = float(ego.dimensions[0]), float(ego.dimensions[1])
        return cls(axle_to_center + 0.5 * length, 0.5 * length - axle_to_center, 0.5 * width)


def go_distance(times: np.ndarray, speed: float, target: float, accel: float) -> np.ndarray:
    """[m] travelled at ``times`` when accelerating at ``accel`` from ``speed`` up to ``target`` (never slowing)."""
    target = max(target, speed)
    t_cruise = (target - speed) / max(accel, 1e-6)
    t = np.maximum(times, 0.0)
    ramp = speed * np.minimum(t, t_cruise) + 0.5 * accel * np.minimum(t, t_cruise) ** 2
    return ramp + target * np.maximum(t - t_cruise, 0.0)


class ActorMotion:
    """Yaw rate and acceleration of every actor from consecutive snapshots, exponentially smoothed."""

    def __init__(self, smoothing: float) -> None:
        self.smoothing = smoothing
        self.reset()

    def reset(self) -> None:
        self.time: float | None = None
        self.ids = np.zeros(0, dtype=np.int64)
        self.state = np.zeros((0, 4))  # heading, speed, yaw rate, acceleration

    def update(self, time: float, ids: np.ndarray, actors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(yaw_rate (A,) [rad/s], accel (A,) [m/s^2])``; 0 for actors seen for the first time."""
        ids = np.asarray(ids, dtype=np.int64)
        yaw, acc = np.zeros(ids.size), np.zeros(ids.size)
        if self.ids.size and ids.size:
            order = np.argsort(self.ids)
            pos = order[np.clip(np.searchsorted(self.ids[order], ids), 0, self.ids.size - 1)]
            known = self.ids[pos] == ids
            prev = self.state[pos]
            dt = time - self.time if self.time is not None else 0.0
            if dt > 1e-6:
                w = self.smoothing
                raw_yaw = wrap_angle(actors[:, _I.HEADING] - prev[:, 0]) / dt
                raw_acc = (actors[:, _I.SPEED] - prev[:, 1]) / dt
                yaw = np.where(known, w * prev[:, 2] + (1.0 - w) * raw_yaw, 0.0)
                acc = np.where(known, w * prev[:, 3] + (1.0 - w) * raw_acc, 0.0)
            else:  # planned twice on one tick: keep the estimates
                yaw, acc = np.where(known, prev[:, 2], 0.0), np.where(known, prev[:, 3], 0.0)
        self.time, self.ids = float(time), ids.copy()
        self.state = (
            np.column_stack([actors[:, _I.HEADING], actors[:, _I.SPEED], yaw, acc]) if ids.size else self.state[:0]
        )
        return yaw, acc


def actor_rules(
    actors: np.ndarray,
    yaw_rate: np.ndarray,
    accel: np.ndarray,
    ego_xy: np.ndarray,
    path: Path,
    body: EgoBody,
    speed: float,
    go_speed: float,
    cfg: ExpertConfig,
    constraints: Constraints,
) -> np.ndarray:
    """Add the constraints of rules 1 and 2; return the ``(M,)`` speed cap of rule 3 along the path."""
    cap = np.full(path.s.shape, np.inf)
    near = np.hypot(*(actors[:, :2] - ego_xy).T) < path.s[-1] + _REACH
    rows = actors[near]
    if rows.shape[0] == 0:
        return cap
    walker = rows[:, _I.KIND].astype(np.int64) == ActorKind.WALKER
    half = body.half_width + np.where(walker, cfg.walker_margin, cfg.vehicle_margin)
    s_c, lat_c = project_onto(path, rows[:, :2])
    relative = wrap_angle(rows[:, _I.HEADING] - path.heading[np.clip(np.searchsorted(path.s, s_c), 0, path.s.size - 1)])
    # A walker standing at the kerb facing the path is forecast as if it stepped off now: walkers
    # start crossing without looking, and once one moves at the bumper it is too late to stop.
    facing = np.sign(lat_c) * np.sin(relative) < -_FACING
    starting = walker & (rows[:, _I.SPEED] < cfg.moving_speed) & facing & (np.abs(lat_c) - half < cfg.walker_kerb)
    if starting.any():
        rows = rows.copy()
        rows[starting, _I.SPEED] = cfg.walker_start_speed
    # Only actors that could reach the corridor within the horizon are forecast (the expensive part).
    radius = 0.5 * np.hypot(rows[:, _I.LENGTH], rows[:, _I.WIDTH])
    travel = np.abs(rows[:, _I.SPEED]) * cfg.prediction_horizon + 0.5 * cfg.accel * cfg.prediction_horizon**2
    reach = np.flatnonzero(
        np.abs(lat_c) - radius - np.where(walker, np.abs(rows[:, _I.SPEED]) * cfg.prediction_horizon, travel) <= half
    )
    if reach.size:
        _follow_and_yield(rows[reach], yaw_rate[near][reach], accel[near][reach], walker[reach], half[reach],
                          s_c[reach], relative[reach], path, body, speed, go_speed, cfg, constraints)  # fmt: skip
    # 3. walkers near the corridor and walking towards it: slow down around them
    clearance = np.abs(lat_c) - radius - half
    towards = np.sign(lat_c) * rows[:, _I.SPEED] * np.sin(relative) < -cfg.moving_speed
    close = (clearance < cfg.walker_caution_lateral) & ((clearance < _CLOSE) | towards)
    ahead = (s_c > -body.rear) & (s_c < body.front + cfg.walker_caution_ahead)
    for i in np.flatnonzero(walker & close & ahead):
        cap[(path.s >= s_c[i] - body.front - cfg.walker_gap) & (path.s <= s_c[i] + body.rear)] = cfg.walker_speed
    return cap


def _follow_and_yield(rows, yaw_rate, accel, walker, half, s_c, relative, path, body, speed, go_speed, cfg, out):
    """Rules 1 and 2 for the actors that may reach the corridor (see the module docstring)."""
    yaw = np.where(walker, 0.0, np.clip(yaw_rate, -cfg.max_yaw_rate, cfg.max_yaw_rate))
    acc = np.where(walker, 0.0, np.clip(accel, -cfg.decel_max, cfg.accel))
    times = np.arange(0.0, cfg.prediction_horizon + 1e-9, cfg.prediction_step)
    poses = predict_centers(rows, yaw, acc, times)
    inside, s_lo, s_hi, _ = corridor_overlap(path, poses, rows[:, _I.LENGTH], rows[:, _I.WIDTH], half)
    names = np.where(walker, "walker", "vehicle")
    # 1. in the corridor now and not behind the rear axle: follow at its speed along the path
    now = inside[:, 0] & (s_hi[:, 0] > 0.0)
    along = rows[:, _I.SPEED] * np.cos(relative)
    for i in np.flatnonzero(now):
        gap = cfg.walker_gap if walker[i] else cfg.vehicle_gap
        out.add(s_lo[i, 0] - body.front, along[i], gap, str(names[i]))
    # 2. predicted to enter the corridor where the ego will be about then
    follower = (np.abs(relative) < _ALIGNED) & (s_c < body.front)
    candidates = ~inside[:, 0] & (rows[:, _I.SPEED] > cfg.moving_speed) & ~follower
    if not candidates.any():
        return
    buffer = cfg.conflict_time_buffer
    ego_lo = go_distance(times - buffer, speed, go_speed, cfg.accel) - body.rear - cfg.conflict_distance
    ego_hi = go_distance(times + buffer, speed, go_speed, cfg.accel) + body.front + cfg.conflict_distance
    with np.errstate(invalid="ignore"):
        hit = inside & (s_hi > 0.0) & (s_lo <= ego_hi) & (s_hi >= ego_lo) & candidates[:, None]
    for i in np.flatnonzero(hit.any(axis=1)):
        out.add(float(np.min(s_lo[i][hit[i]])) - body.front, 0.0, cfg.conflict_gap, f"yield_{names[i]}")
