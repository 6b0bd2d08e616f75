"""PDM-Closed (Dauner et al.): IDM proposals along the route centerline, scored, best one driven.

Proposals: every lateral offset of the centerline (-1, 0, +1 m) x every IDM policy with target
speed ``fraction * speed_limit`` (fractions 0.2 ... 1.0) = 15 trajectories of 40 poses at 0.1 s,
in the local frame. The IDM is tuplan_garage's batch IDM: forward Euler, acceleration exponent 10,
gap clamped to the minimum gap, acceleration clipped to [-decel_max, accel_max]. Without a leading
object the end of the centerline acts as a standing one, so proposals stop where the route ends.

Scoring: an injected ``score_proposals(proposals_local (N, P, 3)) -> (N,)`` when given; else our
EPDMS in the observation's NAVSIM ``scene``, or in its privileged ``world`` (the town's map indexed
once per route).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from agents.base import Observation, Plan
from agents.config_loader import require
from agents.privileged import lead_on_route, route_ahead_local, speed_limit_at
from sim.scoring.scorer import score_batch
from sim.scoring.world_scene import WorldMap, prepare_world_map, score_in_world
from sim.types import TrajectorySampling

ScoreFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class PDMClosedConfig:
    """NAVSIM's PDM-Closed values (specs/navsim_scoring.md section 3); speeds [m/s], gaps [m]."""

    speed_fractions: tuple[float, ...] = (0.2, 0.4, 0.6, 0.8, 1.0)
    lateral_offsets: tuple[float, ...] = (-1.0, 0.0, 1.0)  # [m] left positive
    fallback_target_speed: float = 15.0  # [m/s]
    min_gap: float = 1.0  # [m]
    headway: float = 1.5  # [s]
    accel_max: float = 1.5  # [m/s^2]
    decel_max: float = 3.0  # [m/s^2]
    acceleration_exponent: float = 10.0  # tuplan_garage's batch IDM (not the textbook 4)
    num_poses: int = 40
    interval_length: float = 0.1  # [s]
    route_end_extension: float = 40.0  # [m] embedded world: the road continues past the route's end

    def __post_init__(self) -> None:
        require(self, ">=1", "num_poses")
        require(self, ">0", "fallback_target_speed", "headway", "accel_max", "decel_max", "interval_length")
        require(self, ">=0", "min_gap", "route_end_extension")
        if not self.speed_fractions or not all(f > 0.0 for f in self.speed_fractions):
            raise ValueError(f"speed_fractions {self.speed_fractions} must be positive fractions, at least one")

    @property
    def sampling(self) -> TrajectorySampling:
        return TrajectorySampling(self.num_poses, self.interval_length)


def offset_path(path: np.ndarray, offset: float) -> np.ndarray:
    """``(M, 2)`` polyline shifted ``offset`` [m] along its left normal."""
    tangent = np.gradient(path, axis=0)
    tangent /= np.maximum(np.linalg.norm(tangent, axis=-1, keepdims=True), 1e-9)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=-1)
    return path + offset * normal


def arclength(path: np.ndarray) -> np.ndarray:
    """``(M,)`` cumulative distance [m] along a polyline, 0 at its first vertex."""
    return np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=-1))])


def poses_along(path: np.ndarray, progress: np.ndarray) -> np.ndarray:
    """``(..., 3)`` poses at arclength ``progress`` [m] (clamped to the path), heading of the segment."""
    s = arclength(path)
    seg = np.clip(np.searchsorted(s, progress, side="right") - 1, 0, len(s) - 2)
    weight = np.clip((progress - s[seg]) / np.maximum(s[seg + 1] - s[seg], 1e-9), 0.0, 1.0)
    xy = path[seg] + weight[..., None] * (path[seg + 1] - path[seg])
    direction = path[seg + 1] - path[seg]
    return np.concatenate([xy, np.arctan2(direction[..., 1], direction[..., 0])[..., None]], axis=-1)


def idm_progress(
    speed: float, target_speeds: np.ndarray, lead_gap: float, lead_speed: float, config: PDMClosedConfig
) -> np.ndarray:
    """``(K, P)`` progress [m] of ``K`` IDM policies over ``P`` steps, starting at 0 with ``speed``.

    ``lead_gap`` [m] is the distance from the ego to the leading object's rear now; it moves at
    ``lead_speed`` [m/s].
    """
    dt = config.interval_length
    progress = np.zeros(target_speeds.shape)
    velocity = np.full(target_speeds.shape, max(float(speed), 0.0))
    out = np.empty((target_speeds.size, config.num_poses))
    for step in range(config.num_poses):
        lead = lead_gap + lead_speed * step * dt
        s_star = (
            config.min_gap
            + velocity * config.headway
            + velocity * (velocity - lead_speed) / (2.0 * np.sqrt(config.accel_max * config.decel_max))
        )
        gap = np.maximum(lead - progress, config.min_gap)  # clamped: no division by zero
        free = (velocity / np.maximum(target_speeds, 1e-6)) ** config.acceleration_exponent
        accel = np.clip(config.accel_max * (1.0 - free - (s_star / gap) ** 2), -config.decel_max, config.accel_max)
        progress = progress + dt * velocity
        velocity = np.maximum(velocity + dt * accel, 0.0)  # IDM never reverses
        out[:, step] = progress
    return out


def generate_proposals(
    centerline: np.ndarray,
    speed: float,
    config: PDMClosedConfig = PDMClosedConfig(),
    speed_limit: float | None = None,
    lead: tuple[float, float] | None = None,
) -> np.ndarray:
    """``(len(offsets) * len(fractions), P, 3)`` proposals in the local frame; offset-major order.

    Args:
        centerline: ``(M, 2)`` route centerline [m], local frame, in driving order.
        speed: current speed [m/s].
        speed_limit: [m/s] of the current lane, or ``None`` for ``fallback_target_speed``.
        lead: (gap [m] along the path, speed [m/s]) of the leading object, or ``None``.
    """
    centerline = np.asarray(centerline, dtype=np.float64)
    if centerline.ndim != 2 or centerline.shape[0] < 2:
        raise ValueError(f"PDM-Closed needs a centerline of at least 2 points, got shape {centerline.shape}")
    targets = np.asarray(config.speed_fractions) * (speed_limit or config.fallback_target_speed)
    start = float(arclength(centerline)[np.argmin(np.linalg.norm(centerline, axis=-1))])  # ego's projection
    remaining = float(arclength(centerline)[-1]) - start
    gap, lead_speed = lead if lead is not None else (remaining, 0.0)
    progress = start + idm_progress(speed, targets, min(gap, remaining), lead_speed, config)
    proposals = [poses_along(offset_path(centerline, offset), progress) for offset in config.lateral_offsets]
    return np.concatenate(proposals, axis=0)


def extend_straight(centerline: np.ndarray, length: float) -> np.ndarray:
    """``centerline`` ``(M, 2)`` continued straight along its last segment for ``length`` [m] (1 m steps)."""
    centerline = np.asarray(centerline, dtype=np.float64)
    if centerline.shape[0] < 2 or length <= 0:
        return centerline
    direction = centerline[-1] - centerline[-2]
    direction /= max(float(np.hypot(*direction)), 1e-9)
    steps = np.arange(1.0, length + 1.0)[:, None]
    return np.concatenate([centerline, centerline[-1] + steps * direction])


class PDMClosedPlanner:
    """Proposals from :func:`generate_proposals`, scored, the best one driven.

    Reads the centerline from ``obs.route`` (local); in a privileged ``obs.world`` the whole remaining
    route, the lane's speed limit and the lead object on the route.
    """

    def __init__(self, config: PDMClosedConfig = PDMClosedConfig(), score_proposals: ScoreFn | None = None) -> None:
        self.config = config
        self.score_proposals = score_proposals
        self._world_map: WorldMap | None = None  # the town's map indexed for the current route

    reads_world = True  # in a leaderboard: Observation.world; NAVSIM scenes come through obs.scene

    def sensors(self) -> list[dict]:
        return []

    def reset(self) -> None:
        """Forget the prepared map (a new route prepares its own)."""
        self._world_map = None

    def plan(self, obs: Observation) -> Plan:
        # 1. Context: centerline, speed limit and lead (the embedded world knows all three)
        centerline, speed_limit, lead = obs.route, None, None
        if obs.world is not None:  # the whole remaining route; the road goes on past its last point
            centerline = extend_straight(route_ahead_local(obs.world), self.config.route_end_extension)
            speed_limit, lead = speed_limit_at(obs.world), lead_on_route(obs.world)
        # 2. Proposals: IDM speed profiles x lateral offsets
        proposals = generate_proposals(centerline, obs.speed, self.config, speed_limit, lead)
        # 3. Score them (our EPDMS) and drive the best
        scores = np.asarray(self._score(proposals, obs), dtype=np.float64)
        if scores.shape != (proposals.shape[0],):
            raise ValueError(f"score_proposals returned shape {scores.shape}, expected ({proposals.shape[0]},)")
        best = int(np.argmax(np.where(np.isfinite(scores), scores, -np.inf)))
        return Plan(proposals[best], self.config.sampling, proposals=proposals, scores=scores, chosen=best)

    def _score(self, proposals: np.ndarray, obs: Observation) -> np.ndarray:
        if self.score_proposals is not None:
            return self.score_proposals(proposals)
        if obs.scene is not None:
            return score_batch(obs.scene, proposals, self.config.sampling).score
        if obs.world is None:
            raise ValueError(
                "pdm_closed scores its proposals in a scene: give the observation a NAVSIM scene or the embedded "
                "world (reads_world), or inject score_proposals"
            )
        if self._world_map is None or not self._world_map.serves(obs.world):
            self._world_map = prepare_world_map(obs.world.network, obs.world.route)
        return score_in_world(obs.world, proposals, self.config.sampling, self._world_map)
