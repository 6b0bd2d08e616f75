"""``sensor.lidar.ray_cast`` of the embedded world: CARLA's scan pattern, ray cast against boxes and ground.

CARLA's ray-cast LiDAR turns at ``rotation_frequency``; each tick it sweeps ``360 * frequency * dt``
degrees (180 at the leaderboard's 10 Hz and 20 Hz ticks), casting ``points_per_second * dt / channels``
rays per channel, channels evenly spread from ``upper_fov`` down to ``lower_fov``. A ray is skipped with
probability ``dropoff_general_rate``; a hit at distance ``d`` has intensity ``exp(-attenuation * d)`` and
is kept if the intensity exceeds ``dropoff_intensity_limit``, else with probability
``(1 - zero_intensity) / limit * intensity + (1 - zero_intensity)``. Points are ``(N, 4)`` float32
x, y, z, intensity in the sensor frame with CARLA's axes (x forward, y right, z up). The defaults are
the values the leaderboard's wrapper forces; a spec's own keys override them (data-collection forks).
What rays hit is :class:`sim.world.raycast.RayTargets`: actor boxes and a flat ground, no buildings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np

from sim.world.camera import carla_mount_rotation
from sim.world.raycast import RayTargets, cast_rays
from sim.world.snapshot import WorldSnapshot


@dataclass(frozen=True)
class LidarConfig:
    """Attributes of a CARLA ray-cast LiDAR (units as CARLA's blueprint: m, Hz, deg, points/s)."""

    channels: int = 64
    range: float = 85.0  # [m]
    points_per_second: int = 600000
    rotation_frequency: float = 10.0  # [Hz]
    upper_fov: float = 10.0  # [deg]
    lower_fov: float = -30.0  # [deg]
    horizontal_fov: float = 360.0  # [deg]
    atmosphere_attenuation_rate: float = 0.004  # [1/m]
    dropoff_general_rate: float = 0.45
    dropoff_intensity_limit: float = 0.8
    dropoff_zero_intensity: float = 0.4

    @classmethod
    def from_spec(cls, spec: dict) -> LidarConfig:
        """The leaderboard's values, overridden by the keys the spec gives (validated)."""
        defaults = cls()
        given = {f.name: type(getattr(defaults, f.name))(spec[f.name]) for f in fields(cls) if f.name in spec}
        config = replace(defaults, **given)
        if config.channels < 1 or config.points_per_second < config.channels or not config.range > 0.0:
            raise ValueError(f"LiDAR '{spec.get('id')}': channels, points_per_second and range must be positive")
        if not (config.rotation_frequency > 0.0 and config.lower_fov <= config.upper_fov):
            raise ValueError(f"LiDAR '{spec.get('id')}': needs rotation_frequency > 0 and lower_fov <= upper_fov")
        return config


def sensor_axes(spec: dict, heading: float) -> tuple[np.ndarray, np.ndarray]:
    """``(3, 3)`` world rotation of a mount (columns forward, left, up) and its offset ``(3,)`` from the ego [m]."""
    mount = np.array([float(spec.get("x", 0.0)), -float(spec.get("y", 0.0)), float(spec.get("z", 0.0))])
    rotation = carla_mount_rotation(*(float(spec.get(k, 0.0)) for k in ("roll", "pitch", "yaw")))
    c, s = math.cos(heading), math.sin(heading)
    yaw = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return yaw @ rotation, yaw @ mount


def carla_directions(azimuth: np.ndarray, elevation: np.ndarray) -> np.ndarray:
    """``(R, 3)`` unit rays in CARLA's sensor frame (x forward, y right, z up) from angles [rad]."""
    flat = np.cos(elevation)
    return np.column_stack([flat * np.cos(azimuth), flat * np.sin(azimuth), np.sin(elevation)])


def to_world(directions_carla: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Sensor-frame (CARLA axes) directions -> internal world directions."""
    internal = directions_carla * np.array([1.0, -1.0, 1.0])  # y right -> y left
    return internal @ axes.T


class Lidar:
    """One LiDAR of an agent: its scan state and seeded drop-off draws."""

    def __init__(self, spec: dict, dt: float, rng: np.random.Generator) -> None:
        self.spec, self.config, self.dt, self.rng = spec, LidarConfig.from_spec(spec), float(dt), rng
        self.angle = 0.0  # [deg] azimuth where the next sweep starts

    def _rays(self) -> tuple[np.ndarray, np.ndarray]:
        cfg = self.config
        per_channel = max(int(round(cfg.points_per_second * self.dt / cfg.channels)), 1)
        sweep = min(360.0 * cfg.rotation_frequency * self.dt, cfg.horizontal_fov)
        azimuth = self.angle + sweep * np.arange(per_channel) / per_channel
        self.angle = (self.angle + 360.0 * cfg.rotation_frequency * self.dt) % 360.0
        if cfg.horizontal_fov < 360.0:
            azimuth = (azimuth % 360.0) * cfg.horizontal_fov / 360.0 - 0.5 * cfg.horizontal_fov
        elevation = np.linspace(cfg.upper_fov, cfg.lower_fov, cfg.channels)
        az, el = np.meshgrid(np.radians(azimuth), np.radians(elevation))
        return az.ravel(), el.ravel()

    def read(self, snapshot: WorldSnapshot, targets: RayTargets) -> np.ndarray:
        """``(N, 4)`` float32 points of this tick's sweep."""
        cfg = self.config
        azimuth, elevation = self._rays()
        shot = self.rng.random(azimuth.shape[0]) >= cfg.dropoff_general_rate
        directions = carla_directions(azimuth[shot], elevation[shot])
        axes, offset = sensor_axes(self.spec, float(snapshot.ego.pose[2]))
        origin = np.array([*snapshot.ego.center, float(snapshot.ego.z)]) + offset
        distances, hits = cast_rays(origin, to_world(directions, axes), targets, cfg.range)
        found = np.isfinite(distances)
        intensity = np.exp(-cfg.atmosphere_attenuation_rate * distances[found])
        alpha = (1.0 - cfg.dropoff_zero_intensity) / cfg.dropoff_intensity_limit
        keep = (intensity > cfg.dropoff_intensity_limit) | (
            self.rng.random(intensity.shape[0]) < alpha * intensity + 1.0 - cfg.dropoff_zero_intensity
        )
        points = directions[found][keep] * distances[found][keep, None]
        return np.column_stack([points, intensity[keep]]).astype(np.float32)
