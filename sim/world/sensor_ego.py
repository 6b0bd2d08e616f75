"""The ego's own sensors: GNSS, IMU, speedometer and the OpenDRIVE map reader, in CARLA's formats.

GNSS float64 ``[lat, lon, alt]``; IMU float64 ``[acc x, y, z, gyro x, y, z, compass]`` in CARLA's
left-handed sensor frame; speedometer ``{'speed': m/s}``; OpenDRIVE ``{'opendrive': text}`` at its
``reading_frequency`` (specs/carla_leaderboard.md 1.3-1.5). Noise is off by default, seeded when on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.frames import compass_from_internal_heading
from sim.maps.road_network import RoadNetwork
from sim.world.camera import carla_mount_rotation
from sim.world.render_config import SensorConfig
from sim.world.sensor_specs import GNSS, IMU, SPEEDOMETER
from sim.world.snapshot import WorldSnapshot


@dataclass(frozen=True)
class Mount:
    """A sensor's spec, its mount in the internal ego frame and its sensor -> ego rotation."""

    spec: dict
    mount: np.ndarray
    rotation: np.ndarray

    @classmethod
    def from_spec(cls, spec: dict) -> Mount:
        mount = np.array([float(spec.get("x", 0.0)), -float(spec.get("y", 0.0)), float(spec.get("z", 0.0))])
        rotation = carla_mount_rotation(*(float(spec.get(k, 0.0)) for k in ("roll", "pitch", "yaw")))
        return cls(spec, mount, rotation)


class EgoSensors:
    """Reads GNSS, IMU, speedometer and OpenDRIVE payloads of one agent."""

    def __init__(self, network: RoadNetwork, config: SensorConfig, opendrive_text: str | None) -> None:
        self.network, self.config = network, config
        self._opendrive_text = opendrive_text
        self._opendrive_last: dict[str, float] = {}
        self._rng = np.random.default_rng(config.noise.seed)

    def read(self, sensor: Mount, snapshot: WorldSnapshot):
        """The payload of ``sensor`` now, or None when it has nothing this tick (the map reader)."""
        kind = sensor.spec["type"]
        if kind == GNSS:
            return self._gnss(sensor, snapshot)
        if kind == IMU:
            return self._imu(sensor, snapshot)
        if kind == SPEEDOMETER:
            return {"speed": float(snapshot.ego.speed)}
        return self._opendrive(sensor, snapshot)

    def _gnss(self, sensor: Mount, snapshot: WorldSnapshot) -> np.ndarray:
        ego = snapshot.ego
        c, s = math.cos(ego.pose[2]), math.sin(ego.pose[2])
        xy = np.asarray(ego.center, dtype=np.float64) + np.array(
            [c * sensor.mount[0] - s * sensor.mount[1], s * sensor.mount[0] + c * sensor.mount[1]]
        )
        gps = self.network.geo.internal_to_gps(xy, float(ego.z) + sensor.mount[2]).astype(np.float64)
        if self.config.noise.gnss:
            gps = gps + self._rng.normal(0.0, self.config.noise.gnss_std)
        return gps

    def _imu(self, sensor: Mount, snapshot: WorldSnapshot) -> np.ndarray:
        ego = snapshot.ego
        accel = np.array([ego.acceleration[0], ego.acceleration[1], self.config.gravity]) @ sensor.rotation
        gyro = np.array([0.0, 0.0, ego.yaw_rate]) @ sensor.rotation
        accel[1] = -accel[1]  # right-handed (y left) -> CARLA's left-handed sensor frame (y right)
        gyro = np.array([-gyro[0], gyro[1], -gyro[2]])  # an angular velocity is a pseudo-vector: flips twice
        if self.config.noise.imu:
            accel = accel + self._rng.normal(0.0, self.config.noise.accel_std)
            gyro = gyro + self._rng.normal(0.0, self.config.noise.gyro_std)
        forward = sensor.rotation[:, 0]
        compass = compass_from_internal_heading(ego.pose[2] + math.atan2(forward[1], forward[0]))
        return np.array([*accel, *gyro, float(compass)], dtype=np.float64)

    def _opendrive(self, sensor: Mount, snapshot: WorldSnapshot) -> dict | None:
        sensor_id, period = sensor.spec["id"], 1.0 / float(sensor.spec["reading_frequency"])
        last = self._opendrive_last.get(sensor_id)
        if last is not None and snapshot.time - last < period - 1e-9:
            return None  # the leaderboard does not wait for the map reader: it appears at its own rate
        self._opendrive_last[sensor_id] = float(snapshot.time)
        return {"opendrive": self._opendrive_text}
