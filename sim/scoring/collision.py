"""NC, TTC and TLC of NAVSIM's PDMS (v1.1) and EPDMS (v2): validated wrappers around the kernels.

Inputs are simulated ego states ``(N, T, 11)`` (rear axle, global), their corners ``(N, T, 5, 2)``
(:func:`sim.scoring.ego_geometry.ego_corners`), the ego-area flags ``(N, T, 3)`` (columns
:class:`EgoAreaIndex`) and an :class:`~sim.scoring.observation.Observation`. Step ``t`` is checked
against observation frame ``t``; TTC projections ``t + offset`` against later frames.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from sim.kernels import collision as kernels
from sim.scoring.area import EgoAreaIndex
from sim.scoring.ego_geometry import RADIUS_MARGIN
from sim.scoring.observation import Observation
from sim.types import STATE_SIZE

__all__ = [
    "CollisionConfig",
    "CollisionType",
    "no_at_fault_collisions",
    "no_at_fault_collisions_unchecked",
    "time_to_collision",
    "time_to_collision_unchecked",
    "traffic_light_compliance",
    "traffic_light_compliance_unchecked",
]


class CollisionType(enum.IntEnum):
    """nuPlan's collision classes, in the order their rules are tried."""

    STOPPED_EGO = kernels.STOPPED_EGO
    STOPPED_TRACK = kernels.STOPPED_TRACK
    ACTIVE_FRONT = kernels.ACTIVE_FRONT
    ACTIVE_REAR = kernels.ACTIVE_REAR
    ACTIVE_LATERAL = kernels.ACTIVE_LATERAL


@dataclass(frozen=True)
class CollisionConfig:
    """Thresholds of NC and TTC (NAVSIM / nuPlan defaults).

    Attributes:
        ego_stopped_speed: [m/s] NC: an ego at or below this speed is stopped (never at fault).
        agent_stopped_speed: [m/s] NC: a track at or below this speed at first sighting is stopped.
        stopped_speed_threshold: [m/s] TTC: steps with ego speed below this are skipped.
        ttc_horizon: [s] TTC looks this far ahead (offsets ``range(0, horizon / dt, step)``).
        ttc_projection_step: [frames] spacing of the TTC projections.
        ahead_angle: [deg] TTC: a track whose bearing is below this is ahead.
        behind_angle: [deg] NC, TTC: a track whose bearing is above this is behind.
    """

    ego_stopped_speed: float = 0.05  # [m/s]
    agent_stopped_speed: float = 0.05  # [m/s]
    stopped_speed_threshold: float = 5e-3  # [m/s]
    ttc_horizon: float = 1.0  # [s]
    ttc_projection_step: int = 3  # [frames]
    ahead_angle: float = 30.0  # [deg]
    behind_angle: float = 150.0  # [deg]

    def ttc_offsets(self, dt: float) -> np.ndarray:
        """``(K,)`` int64 projection offsets [frames], NAVSIM's ``arange(0, int(horizon / dt), step)``."""
        return np.arange(0, int(self.ttc_horizon / dt), self.ttc_projection_step, dtype=np.int64)


DEFAULT_COLLISION_CONFIG = CollisionConfig()


def no_at_fault_collisions(
    states: np.ndarray,
    corners: np.ndarray,
    ego_areas: np.ndarray,
    observation: Observation,
    *,
    config: CollisionConfig = DEFAULT_COLLISION_CONFIG,
    parallel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """NC: no at-fault collision, per proposal.

    Returns:
        ``nc`` ``(N,)`` in {0, 0.5, 1} and ``collision_time_idx`` ``(N,)`` float, the first step of an
        at-fault collision (``inf`` if none).
    """
    states, corners, areas = _validated(states, corners, ego_areas, observation, "no_at_fault_collisions")
    return no_at_fault_collisions_unchecked(
        states, corners, areas, observation, _ego_radius(corners), config=config, parallel=parallel
    )


def no_at_fault_collisions_unchecked(
    states: np.ndarray,
    corners: np.ndarray,
    ego_areas: np.ndarray,
    observation: Observation,
    ego_radius: float,
    *,
    config: CollisionConfig = DEFAULT_COLLISION_CONFIG,
    parallel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`no_at_fault_collisions` of validated arrays and the ego's broad-phase radius [m]
    (an :class:`~sim.scoring.ego_geometry.EgoBatch`'s)."""
    areas = ego_areas
    lateral = np.ascontiguousarray(areas[..., EgoAreaIndex.MULTIPLE_LANES] | areas[..., EgoAreaIndex.NON_DRIVABLE_AREA])
    thresholds = (
        float(config.ego_stopped_speed),
        float(config.agent_stopped_speed),
        float(np.deg2rad(config.behind_angle)),
    )
    run = kernels.nc_parallel if parallel else kernels.nc_serial
    return run(states, corners, lateral, observation.track_arrays(), ego_radius, thresholds)


def time_to_collision(
    states: np.ndarray,
    corners: np.ndarray,
    ego_areas: np.ndarray,
    rear_axle_in_intersection: np.ndarray,
    observation: Observation,
    *,
    version: str,
    config: CollisionConfig = DEFAULT_COLLISION_CONFIG,
    parallel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """TTC: time to collision within bound, per proposal.

    v2 checks steps ``0 .. T - 1 - max_offset`` (projections stay inside the T frames); v1.1 checks
    every step and needs ``max_offset`` more observation frames (51 for T = 41).

    Args:
        rear_axle_in_intersection: ``(N, T)`` bool, rear axle strictly within an INTERSECTION polygon.
        version: ``"v1"`` or ``"v2"`` (or a ``ScorerVersion``).

    Returns:
        ``ttc`` ``(N,)`` in {0, 1} and ``ttc_time_idx`` ``(N,)`` float (``inf`` if none).
    """
    states, corners, areas = _validated(states, corners, ego_areas, observation, "time_to_collision")
    inter = np.asarray(rear_axle_in_intersection)
    if inter.dtype != np.bool_ or inter.shape != states.shape[:2]:
        raise ValueError(
            f"time_to_collision: rear_axle_in_intersection must be bool {states.shape[:2]}, "
            f"got {inter.dtype} {inter.shape}"
        )
    return time_to_collision_unchecked(
        states, corners, areas, inter, observation, _ego_radius(corners), version=version, config=config,
        parallel=parallel,
    )  # fmt: skip


def time_to_collision_unchecked(
    states: np.ndarray,
    corners: np.ndarray,
    areas: np.ndarray,
    inter: np.ndarray,
    observation: Observation,
    ego_radius: float,
    *,
    version: str,
    config: CollisionConfig = DEFAULT_COLLISION_CONFIG,
    parallel: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`time_to_collision` of validated arrays and the ego's broad-phase radius [m]."""
    offsets = config.ttc_offsets(observation.frame_dt)
    if offsets.size == 0:
        raise ValueError(f"time_to_collision: no projection offsets for {config} and dt={observation.frame_dt}")
    eval_steps = _ttc_eval_steps(str(getattr(version, "value", version)), states.shape[1], int(offsets[-1]))
    if eval_steps + int(offsets[-1]) > observation.num_frames:
        raise ValueError(
            f"time_to_collision: {version} checks steps up to {eval_steps - 1} with offsets up to {offsets[-1]}, "
            f"but the observation has only {observation.num_frames} frames"
        )
    widened = np.ascontiguousarray(
        areas[..., EgoAreaIndex.MULTIPLE_LANES] | areas[..., EgoAreaIndex.NON_DRIVABLE_AREA] | inter
    )
    thresholds = (
        float(config.stopped_speed_threshold),
        float(np.deg2rad(config.ahead_angle)),
        float(np.deg2rad(config.behind_angle)),
    )
    run = kernels.ttc_parallel if parallel else kernels.ttc_serial
    args = (observation.track_arrays(), ego_radius, offsets, float(observation.frame_dt))
    return run(states, corners, widened, *args, max(eval_steps, 0), thresholds)


def traffic_light_compliance(corners: np.ndarray, observation: Observation, *, parallel: bool = False) -> np.ndarray:
    """TLC: 0 where an ego box at step ``t`` intersects a red-light polygon of frame ``t``, else 1.

    Returns:
        ``(N,)`` float64 in {0, 1}.
    """
    corners = _checked_corners(corners, "traffic_light_compliance")
    if corners.shape[1] > observation.num_frames:
        raise ValueError(
            f"traffic_light_compliance: {corners.shape[1]} steps but {observation.num_frames} observation frames"
        )
    return traffic_light_compliance_unchecked(corners, observation, parallel=parallel)


def traffic_light_compliance_unchecked(
    corners: np.ndarray, observation: Observation, *, parallel: bool = False
) -> np.ndarray:
    """:func:`traffic_light_compliance` of validated corners (no more steps than observation frames)."""
    a = observation.num_tracks
    run = kernels.tlc_parallel if parallel else kernels.tlc_serial
    scores, _ = run(
        corners,
        np.ascontiguousarray(observation.present[a:]),
        np.ascontiguousarray(observation.ring_offsets[a:]),
        observation.ring_vertices,
        np.ascontiguousarray(observation.bounds[a:]),
    )
    return scores


def _ttc_eval_steps(version: str, steps: int, max_offset: int) -> int:
    if version == "v2":
        return steps - max_offset
    if version == "v1":
        return steps
    raise ValueError(f"time_to_collision: version must be 'v1' or 'v2', got {version!r}")


def _ego_radius(corners: np.ndarray) -> float:
    """Conservative bounding radius [m] of every ego quad around its centre."""
    if corners.shape[0] == 0 or corners.shape[1] == 0:
        return 0.0
    return kernels.quad_reach(corners) * (1.0 + RADIUS_MARGIN)


def _checked_corners(corners: np.ndarray, name: str) -> np.ndarray:
    corners = np.ascontiguousarray(corners, dtype=np.float64)
    if corners.ndim != 4 or corners.shape[2:] != (5, 2):
        raise ValueError(f"{name}: corners must have shape (N, T, 5, 2), got {corners.shape}")
    if not np.all(np.isfinite(corners)):
        raise ValueError(f"{name}: corners contain NaN or inf")
    return corners


def _validated(states, corners, ego_areas, observation: Observation, name: str):
    """Contiguous float64 states/corners and bool areas with matching ``(N, T)``; clear errors otherwise."""
    states = np.ascontiguousarray(states, dtype=np.float64)
    if states.ndim != 3 or states.shape[2] != STATE_SIZE:
        raise ValueError(f"{name}: states must have shape (N, T, {STATE_SIZE}), got {states.shape}")
    if not np.all(np.isfinite(states)):
        raise ValueError(f"{name}: states contain NaN or inf")
    corners = _checked_corners(corners, name)
    areas = np.asarray(ego_areas)
    if areas.dtype != np.bool_ or areas.shape != (*states.shape[:2], 3):
        raise ValueError(f"{name}: ego_areas must be bool {(*states.shape[:2], 3)}, got {areas.dtype} {areas.shape}")
    if corners.shape[:2] != states.shape[:2]:
        raise ValueError(f"{name}: corners {corners.shape[:2]} and states {states.shape[:2]} disagree on (N, T)")
    if states.shape[1] > observation.num_frames:
        raise ValueError(f"{name}: {states.shape[1]} steps but only {observation.num_frames} observation frames")
    return states, corners, areas
