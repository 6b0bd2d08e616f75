"""Privileged rule-based expert: follows the route, keeps its lane, obeys lights and stop signs, yields.

It reads the ground truth the leaderboard agent puts into ``Observation.world`` (a
:class:`sim.world.privileged.PrivilegedWorld`, read through ``CarlaDataProvider``: it declares
``reads_world`` and no sensor of its own), and plans like carla_garage's PDM-Lite
(specs/carla_leaderboard.md 6.3): the route's centreline ahead, a target speed of 8 m/s (5 m/s in
junctions, 2 m/s near walkers, slower in tight curves), and an IDM speed profile to the nearest
constraint (an actor on or about to cross the path, a red or yellow light, an unserved stop sign,
the end of the route). The trajectory is the route centreline sampled at that profile, in the
ego rear-axle frame; the agent layer's PID controller drives it.
"""

from __future__ import annotations

import logging

import numpy as np

from agents.base import Observation, Plan
from agents.expert.actors import ActorMotion, EgoBody, actor_rules
from agents.expert.config import ExpertConfig
from agents.expert.geometry import Path, RouteView, build_path
from agents.expert.speed import Constraints, allowed_speed, binding_reason, idm_rollout
from agents.privileged import require_world
from sim.geometry import to_local, wrap_angle
from sim.maps.dense_route import RouteCursor
from sim.types import LightState
from sim.world.privileged import PrivilegedWorld

__all__ = ["ExpertConfig", "ExpertPlanner"]

logger = logging.getLogger(__name__)

_SLOW_LEAD = 2.0  # [m/s] a constraint slower than this may stop the ego soon
_AT_LINE = 0.2  # [m] front bumper closer to a stop line than this: already committed to the junction


class ExpertPlanner:
    """The expert behind the :class:`agents.base.Planner` protocol (state: route progress, signal memory)."""

    def __init__(self, config: ExpertConfig | None = None) -> None:
        config = config or ExpertConfig()
        self.config = config
        self._motion = ActorMotion(config.motion_smoothing)
        self.reset()

    reads_world = True  # the leaderboard agent fills Observation.world every tick

    def sensors(self) -> list[dict]:
        return []

    def reset(self) -> None:
        self._route_key: tuple | None = None
        self._view: RouteView | None = None
        self._cursor: RouteCursor | None = None
        self._light_choice: dict[int, str] = {}  # signal s (rounded) -> "stop" / "go" while not green
        self._stop_since: dict[int, float] = {}  # stop sign -> time the standstill began
        self._served: set[int] = set()
        self._motion.reset()

    def plan(self, obs: Observation) -> Plan:
        cfg = self.config
        world = require_world(obs, "the expert planner")
        ego = world.ego
        speed = max(float(ego.speed), 0.0)
        body = EgoBody.from_ego(ego)
        # 1. where am I on the route
        view = self._route_view(world)
        index = self._cursor.advance(np.asarray(ego.pose[:2], dtype=np.float64))
        # 2. the path ahead (route points, global frame, lane changes smoothed)
        ahead = max(cfg.lookahead_min, speed * cfg.lookahead_time)
        path = build_path(view, index, ego.pose[:2], cfg.path_behind, ahead, cfg.lane_change_length)
        # 3. speed cap along the path: target, junctions, lane limits, curvature
        cap = self._speed_cap(path)
        constraints = Constraints()
        constraints.add(path.end_s + cfg.route_end_overshoot, 0.0, 0.0, "route_end")
        # 4. actors on the path (follow), about to cross it (yield), walkers near it (slow down)
        yaw_rate, accel = self._motion.update(world.time, world.actor_ids, world.actors)
        go_speed = float(np.interp(0.0, path.s, allowed_speed(path.s, cap, cfg.decel_comfort)))
        walker_cap = actor_rules(
            world.actors, yaw_rate, accel, ego.pose[:2], path, body, speed, go_speed, cfg, constraints
        )
        cap = np.minimum(cap, walker_cap)
        # 5. red / yellow lights and stop signs on the route's lanes ahead
        self._signals(view, world, path, body, speed, constraints)
        # 6. IDM profile to the nearest constraint, free speed from the cap profile
        v_allow = allowed_speed(path.s, cap, cfg.decel_comfort)
        progress, velocity = idm_rollout(speed, path.s, v_allow, constraints, cfg.idm)
        # 7. poses on the path at that progress, in the ego rear-axle frame
        trajectory = _local_poses(path, progress, np.asarray(ego.pose, dtype=np.float64))
        v0 = float(np.interp(0.0, path.s, v_allow))
        info = {
            "reason": binding_reason(speed, v0, constraints, cfg.idm),
            "target_speed": v0,
            "velocity": velocity,
            "route_index": index,
            "constraints": list(zip(constraints.reason, constraints.limit, strict=True)),
        }
        return Plan(trajectory=trajectory, sampling=cfg.sampling, info=info)

    # ---- steps ---------------------------------------------------------------------------------
    def _route_view(self, world: PrivilegedWorld) -> RouteView:
        route, points = world.route, world.route.points
        key = (world.town, points.shape[0], *np.round(points[[0, -1], :2], 2).ravel().tolist())
        if key != self._route_key:  # a new route: forget progress and signal memory
            self.reset()
            self._route_key, self._view = key, RouteView.build(world)
            self._cursor = self._view.cursor()
            logger.debug("expert: new route of %d points, %d signals", len(route.points), len(self._view.signals))
        return self._view

    def _speed_cap(self, path: Path) -> np.ndarray:
        cfg = self.config
        cap = np.minimum(cfg.target_speed, path.speed_limit * cfg.speed_limit_factor)
        cap = np.where(path.junction, np.minimum(cap, cfg.junction_speed), cap)
        curve = np.sqrt(cfg.lateral_accel / np.maximum(path.curvature, 1e-6))
        return np.minimum(cap, np.maximum(curve, cfg.min_curve_speed))

    def _signals(
        self, view: RouteView, world: PrivilegedWorld, path: Path, body: EgoBody, speed: float, out: Constraints
    ) -> None:
        cfg = self.config
        for signal in view.signals:
            line = signal.s - path.route_s0  # [m] rear-axle path arc length of the stop line
            to_line = line - body.front  # [m] front bumper to the line
            if to_line < -0.5 or line > path.s[-1]:
                continue  # passed, or beyond the path
            key = round(signal.s)
            if to_line > _AT_LINE and _would_block_line(out, line + body.rear + cfg.clear_line_margin):
                # Whatever makes us stop just past the line would leave the tail on it (and a red
                # light would then catch it): wait before the line until there is room.
                out.add(line - body.front, 0.0, cfg.stop_line_gap, "no_room")
            if signal.kind == "stop":
                if self._stop_sign_holds(key, to_line, speed, world.time):
                    out.add(line - body.front, 0.0, cfg.stop_line_gap, "stop_sign")
                continue
            states = world.light_states
            state = int(states[signal.row]) if signal.row < len(states) else int(LightState.OFF)
            if state in (LightState.GREEN, LightState.OFF):
                self._light_choice.pop(key, None)
                continue
            if key not in self._light_choice:
                needed = speed**2 / (2.0 * max(to_line - cfg.stop_line_gap, 0.05))
                limit = cfg.yellow_stop_decel if state == LightState.YELLOW else cfg.red_commit_decel
                self._light_choice[key] = "stop" if needed <= limit else "go"
                if self._light_choice[key] == "go":
                    logger.debug("expert: cannot stop for light %d (needs %.1f m/s^2), going", signal.row, needed)
            if self._light_choice[key] == "stop":
                out.add(line - body.front, 0.0, cfg.stop_line_gap, "red_light" if state == LightState.RED else "yellow")

    def _stop_sign_holds(self, key: int, to_line: float, speed: float, time: float) -> bool:
        """The stop sign still binds: not yet served by a standstill near its line held long enough."""
        cfg = self.config
        if key in self._served:
            return False
        if speed < cfg.stop_speed and to_line < cfg.stop_serve_distance:
            since = self._stop_since.setdefault(key, time)
            if time - since >= cfg.stop_wait:
                self._served.add(key)
                return False
        else:
            self._stop_since.pop(key, None)
        return True


def _would_block_line(constraints: Constraints, clear: float) -> bool:
    """A standing or slow constraint would stop the rear axle before ``clear`` [m] (tail not past the line)."""
    limit, speed, gap = constraints.arrays()
    relevant = np.array([reason != "route_end" for reason in constraints.reason], dtype=bool)
    return bool(np.any(relevant & (speed < _SLOW_LEAD) & (limit - gap < clear)))


def _local_poses(path: Path, progress: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """``(T, 3)`` poses at path arc lengths ``progress`` in the frame of ``pose`` (x forward, y left)."""
    xy = np.stack([np.interp(progress, path.s, path.xy[:, i]) for i in (0, 1)], axis=-1)
    heading = np.interp(progress, path.s, np.unwrap(path.heading))
    local = to_local(np.column_stack([xy, heading]), pose)
    local[:, 2] = wrap_angle(local[:, 2])
    return local
