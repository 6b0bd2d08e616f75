"""What LiDAR and radar rays can hit in the embedded world, and the validating wrapper of the ray-cast kernel.

The targets of one tick are the boxes of every actor and of the ego (resting on the road under them)
plus a horizontal ground plane at the road height under the ego. Traffic-light poles, kerbs and
buildings are not there (the embedded towns have none). Internal world frame, metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.kernels.raycast import GROUND_HIT, NO_HIT, raycast_kernel
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, ActorKind
from sim.world.render_actors import DEFAULT_HEIGHT
from sim.world.snapshot import WorldSnapshot

__all__ = ["GROUND_HIT", "NO_HIT", "RayTargets", "cast_rays"]


@dataclass(frozen=True)
class RayTargets:
    """Boxes rays may hit, ``B`` of them (the ego last), and the ground plane.

    Attributes:
        centers: ``(B, 3)`` float64 box centres [m].
        half_sizes: ``(B, 3)`` float64 half length, width, height [m].
        yaws: ``(B,)`` float64 headings [rad].
        velocities: ``(B, 3)`` float64 [m/s] (z 0).
        kinds: ``(B,)`` int64 :class:`ActorKind` values.
        ground_z: [m] height of the ground plane.
    """

    centers: np.ndarray
    half_sizes: np.ndarray
    yaws: np.ndarray
    velocities: np.ndarray
    kinds: np.ndarray
    ground_z: float

    @classmethod
    def from_snapshot(cls, snapshot: WorldSnapshot, network: RoadNetwork) -> RayTargets:
        actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
        ego = snapshot.ego
        heights = actors[:, ActorIndex.HEIGHT].copy()
        for kind, height in DEFAULT_HEIGHT.items():
            heights[(heights <= 0.0) & (actors[:, ActorIndex.KIND] == kind)] = height
        ground = network.ground_z(actors[:, :2], float(ego.z))
        heading, speed = actors[:, ActorIndex.HEADING], actors[:, ActorIndex.SPEED]
        ego_heading, ego_speed = float(ego.pose[2]), float(ego.speed)
        dims = np.asarray(ego.dimensions, dtype=np.float64)
        centers = np.vstack([np.column_stack([actors[:, :2], ground + 0.5 * heights]),
                             [[ego.center[0], ego.center[1], float(ego.z) + 0.5 * dims[2]]]])  # fmt: skip
        half = 0.5 * np.vstack([np.column_stack([actors[:, ActorIndex.LENGTH], actors[:, ActorIndex.WIDTH], heights]),
                                dims[None]])  # fmt: skip
        velocities = np.vstack([np.column_stack([speed * np.cos(heading), speed * np.sin(heading), 0 * speed]),
                                [[ego_speed * np.cos(ego_heading), ego_speed * np.sin(ego_heading), 0.0]]])  # fmt: skip
        kinds = np.concatenate([actors[:, ActorIndex.KIND], [ActorKind.VEHICLE]]).astype(np.int64)
        return cls(np.ascontiguousarray(centers), np.ascontiguousarray(half),
                   np.ascontiguousarray(np.append(heading, ego_heading)), velocities, kinds, float(ego.z))  # fmt: skip

    @property
    def count(self) -> int:
        return int(self.yaws.shape[0])


def cast_rays(
    origin: np.ndarray, directions: np.ndarray, targets: RayTargets, max_range: float
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit of each ray: ``distances (R,)`` [m] (inf for none) and ``hits (R,)`` (box index, or
    :data:`GROUND_HIT` / :data:`NO_HIT`). Boxes out of reach are skipped before the kernel runs.

    Raises:
        ValueError: naming the argument with a wrong shape, a non-unit direction or a bad range.
    """
    origin = np.ascontiguousarray(origin, dtype=np.float64)
    directions = np.ascontiguousarray(directions, dtype=np.float64)
    if origin.shape != (3,) or not np.all(np.isfinite(origin)):
        raise ValueError(f"cast_rays: origin must be a finite (3,) point, got shape {origin.shape}")
    if directions.ndim != 2 or directions.shape[1] != 3:
        raise ValueError(f"cast_rays: directions must be (R, 3), got shape {directions.shape}")
    if directions.size and not np.allclose(np.linalg.norm(directions, axis=1), 1.0, atol=1e-6):
        raise ValueError("cast_rays: directions must be unit vectors")
    if not (np.isfinite(max_range) and max_range > 0.0):
        raise ValueError(f"cast_rays: max_range must be a positive number of metres, got {max_range!r}")
    reach = np.hypot(*(targets.centers[:, :2] - origin[:2]).T) - np.linalg.norm(targets.half_sizes, axis=1)
    near = np.flatnonzero(reach <= max_range)
    distances, hits = raycast_kernel(origin, directions, np.ascontiguousarray(targets.centers[near]),
                                     np.ascontiguousarray(targets.half_sizes[near]),
                                     np.ascontiguousarray(targets.yaws[near]), float(targets.ground_z),
                                     float(max_range))  # fmt: skip
    boxes = hits >= 0
    hits[boxes] = near[hits[boxes]]
    return distances, hits
