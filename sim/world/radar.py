"""``sensor.other.radar`` of the embedded world: CARLA's random rays in the field of view, relative velocities.

Each tick CARLA's radar casts ``points_per_second * dt`` rays towards points of an ellipse at ``range``
(uniform radius and angle; half axes ``range * tan(fov / 2)``) and reports for each hit its velocity
relative to the radar along the ray (positive moving away, m/s), azimuth (right positive) and altitude
[rad] and depth [m]. The leaderboard's wrapper reverses CARLA's column order, so agents receive
``(N, 4)`` float32 depth, altitude, azimuth, velocity; so does this sensor. Leaderboard 1.0 specs give one
``fov`` for both axes, 2.0 ``horizontal_fov`` and ``vertical_fov``; ``range`` 100 m and 1500 points/s
are the wrapper's values. Rays hit :class:`sim.world.raycast.RayTargets` (actor boxes, flat ground).
"""

from __future__ import annotations

import math

import numpy as np

from sim.world.lidar import sensor_axes, to_world
from sim.world.raycast import RayTargets, cast_rays
from sim.world.snapshot import WorldSnapshot

RADAR_RANGE = 100.0  # [m] the leaderboard wrapper's
RADAR_POINTS_PER_SECOND = 1500  # the leaderboard wrapper's


class Radar:
    """One radar of an agent, with its seeded ray draws."""

    def __init__(self, spec: dict, dt: float, rng: np.random.Generator) -> None:
        self.spec, self.dt, self.rng = spec, float(dt), rng
        fov = float(spec.get("fov", 30.0))
        self.horizontal_fov = float(spec.get("horizontal_fov", fov))  # [deg]
        self.vertical_fov = float(spec.get("vertical_fov", fov))  # [deg]
        self.range = float(spec.get("range", RADAR_RANGE))
        self.points_per_second = int(spec.get("points_per_second", RADAR_POINTS_PER_SECOND))
        if not (0.0 < self.horizontal_fov < 180.0 and 0.0 < self.vertical_fov < 180.0 and self.range > 0.0):
            raise ValueError(f"radar '{spec.get('id')}': fields of view must lie in (0, 180) deg and range be positive")

    def read(self, snapshot: WorldSnapshot, targets: RayTargets) -> np.ndarray:
        """``(N, 4)`` float32 depth [m], altitude [rad], azimuth [rad], velocity [m/s] of this tick's hits."""
        count = max(int(round(self.points_per_second * self.dt)), 1)
        radius, angle = self.rng.random(count), self.rng.uniform(0.0, 2.0 * math.pi, count)
        half_x = math.tan(math.radians(0.5 * self.horizontal_fov)) * self.range
        half_y = math.tan(math.radians(0.5 * self.vertical_fov)) * self.range
        ends = np.column_stack([np.full(count, self.range), half_x * radius * np.cos(angle),
                                half_y * radius * np.sin(angle)])  # fmt: skip
        directions = ends / np.linalg.norm(ends, axis=1, keepdims=True)  # CARLA's axes: x forward, y right, z up
        ego = snapshot.ego
        axes, offset = sensor_axes(self.spec, float(ego.pose[2]))
        origin = np.array([*ego.center, float(ego.z)]) + offset
        world = to_world(directions, axes)
        distances, hits = cast_rays(origin, world, targets, self.range)
        found = np.flatnonzero(np.isfinite(distances))
        ego_velocity = targets.velocities[-1]  # the ego is the last target
        target_velocity = np.where((hits[found] >= 0)[:, None], targets.velocities[np.maximum(hits[found], 0)], 0.0)
        relative = np.einsum("ij,ij->i", target_velocity - ego_velocity, world[found])
        d = directions[found]
        azimuth, altitude = np.arctan2(d[:, 1], d[:, 0]), np.arcsin(np.clip(d[:, 2], -1.0, 1.0))
        return np.column_stack([distances[found], altitude, azimuth, relative]).astype(np.float32)
