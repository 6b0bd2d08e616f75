"""Leaderboard inputs -> internal values: ego sensors, cameras, GPS route, route tracking.

All CARLA <-> internal flips go through :mod:`sim.frames` (specs/carla_leaderboard.md 1.4, 1.5).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.frames import EARTH_RADIUS, GeoReference, internal_heading_from_compass

GNSS_ID, IMU_ID, SPEED_ID, MAP_ID = "gps", "imu", "speed", "opendrive"

EGO_SENSORS: tuple[dict, ...] = (
    {"type": "sensor.other.gnss", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0, "id": GNSS_ID},
    {"type": "sensor.other.imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0.0, "pitch": 0.0, "yaw": 0.0, "id": IMU_ID},
    {"type": "sensor.speedometer", "reading_frequency": 20, "id": SPEED_ID},
)
"""GNSS, IMU and speedometer every adapted planner gets (LMDrive's ids)."""


class MissingSensorError(KeyError):
    """A sensor id the agent declared is not in ``input_data``."""


def sensor_payload(input_data: Mapping[str, Any], sensor_id: str) -> Any:
    """The payload of ``input_data[sensor_id] = (frame, payload)``; a clear error naming the id if absent."""
    if sensor_id not in input_data:
        raise MissingSensorError(
            f"sensor '{sensor_id}' missing from input_data (got ids: {sorted(input_data)}); "
            "check the agent's sensors() against what the runner provides"
        )
    return input_data[sensor_id][1]


def merge_sensors(planner_sensors: Sequence[dict]) -> list[dict]:
    """The planner's sensors plus the ego sensors it does not declare itself (by id)."""
    ids = {s["id"] for s in planner_sensors}
    if len(ids) != len(planner_sensors):
        raise ValueError(f"duplicate sensor ids in {[s['id'] for s in planner_sensors]}")
    return [*planner_sensors, *(s for s in EGO_SENSORS if s["id"] not in ids)]


def bgra_to_rgb(image: np.ndarray) -> np.ndarray:
    """``(H, W, 4)`` BGRA (CARLA camera) -> ``(H, W, 3)`` RGB uint8."""
    return np.ascontiguousarray(np.asarray(image)[..., 2::-1], dtype=np.uint8)


def lidar_to_local(points: np.ndarray, mount: Mapping[str, float]) -> np.ndarray:
    """``(N, 4)`` CARLA sensor-frame points -> vehicle frame, internal convention (y left); roll/pitch ignored."""
    pts = np.asarray(points, dtype=np.float32).copy()
    yaw = math.radians(float(mount.get("yaw", 0.0)))  # CARLA yaw is clockwise in a left-handed frame
    x, y = pts[:, 0].copy(), pts[:, 1].copy()
    pts[:, 0] = math.cos(yaw) * x - math.sin(yaw) * y + float(mount.get("x", 0.0))
    pts[:, 1] = -(math.sin(yaw) * x + math.cos(yaw) * y + float(mount.get("y", 0.0)))
    pts[:, 2] += float(mount.get("z", 0.0))
    return pts


@dataclass(frozen=True)
class EgoReading:
    """Ego state from GNSS + IMU + speedometer: pose internal global (x, y [m], heading [rad])."""

    pose: np.ndarray
    speed: float  # [m/s]
    acceleration: np.ndarray  # (2,) [m/s^2] longitudinal, lateral (left positive)


def read_ego(input_data: Mapping[str, Any], geo: GeoReference, last_heading: float) -> EgoReading:
    """Parse the ego sensors; a NaN compass (first frames) keeps ``last_heading``."""
    gnss = np.asarray(sensor_payload(input_data, GNSS_ID), dtype=np.float64)
    imu = np.asarray(sensor_payload(input_data, IMU_ID), dtype=np.float64)
    speed = float(sensor_payload(input_data, SPEED_ID)["speed"])
    xy = geo.gps_to_internal(gnss[:3])
    heading = float(internal_heading_from_compass(imu[6])) if np.isfinite(imu[6]) else last_heading
    return EgoReading(np.array([xy[0], xy[1], heading]), speed, np.array([imu[0], -imu[1]]))


def solve_geo_reference(lat: float, lon: float, x_carla: float, y_carla: float) -> GeoReference:
    """The (lat_ref, lon_ref) for which the leaderboard's GPS formula maps CARLA (x, y) to (lat, lon).

    The lat equation is ``ln tan((90+lat_ref)pi/360) = ln tan((90+lat)pi/360) + y / (R cos lat_ref)``;
    ``y / R`` is tiny, so fixed-point iteration from ``lat`` converges in a few steps.
    """
    lat_ref = lat
    for _ in range(50):
        merc = math.log(math.tan((90.0 + lat) * math.pi / 360.0)) + y_carla / (
            EARTH_RADIUS * math.cos(math.radians(lat_ref))
        )
        new = 360.0 / math.pi * math.atan(math.exp(merc)) - 90.0
        if abs(new - lat_ref) < 1e-13:
            lat_ref = new
            break
        lat_ref = new
    lon_ref = lon - 180.0 * x_carla / (math.pi * EARTH_RADIUS * math.cos(math.radians(lat_ref)))
    return GeoReference(lat_ref=lat_ref, lon_ref=lon_ref)


def plan_points(
    geo: GeoReference, gps_plan: Sequence[tuple[Mapping[str, float], Any]]
) -> tuple[np.ndarray, np.ndarray]:
    """Global GPS plan ``[({'lat','lon','z'}, RoadOption)]`` -> internal ``(K, 2)`` points and ``(K,)`` options."""
    from agents.adapters.leaderboard_base import option_value

    gps = np.array([[p["lat"], p["lon"], p.get("z", 0.0)] for p, _ in gps_plan], dtype=np.float64).reshape(-1, 3)
    options = np.array([option_value(o) for _, o in gps_plan], dtype=np.int64)
    return geo.gps_to_internal(gps), options


class RouteTracker:
    """Follows route points as LMDrive's / TF++'s RoutePlanner: drop reached points, report the next.

    Among the points within ``max_distance`` [m] of route length ahead, the farthest one closer
    than ``min_distance`` [m] to the ego counts as reached and everything before it is dropped
    (two points always remain); the target is the point after the reached one.
    """

    def __init__(self, points: np.ndarray, options: np.ndarray, min_distance: float, max_distance: float) -> None:
        self.points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        self.options = np.asarray(options, dtype=np.int64)
        self.min_distance, self.max_distance = min_distance, max_distance
        self.index = 0
        # [m] point-to-point steps, each computed as the per-point loop of the trackers we follow does
        self._steps = [float(np.linalg.norm(self.points[i] - self.points[i - 1])) for i in range(1, len(self.points))]

    def step(self, position: np.ndarray) -> tuple[np.ndarray, int]:
        """Advance for the ego ``position`` (internal, (2,)); returns (target point global, its RoadOption)."""
        if len(self.points) - self.index <= 1:
            return self.points[-1], int(self.options[-1])
        # 1. the points within max_distance of route length after the last reached one
        end, travelled = self.index + 1, 0.0
        while end < len(self.points) and not travelled > self.max_distance:
            travelled += self._steps[end - 1]
            end += 1
        window = self.points[self.index + 1 : end]
        # 2. the farthest one within min_distance is reached; a cheap distance picks the few worth the
        # exact one (np.linalg.norm, whose rounding the comparisons below have always seen)
        near = np.hypot(window[:, 0] - position[0], window[:, 1] - position[1]) <= self.min_distance * (1 + 1e-9) + 1e-9
        reached, best = 0, -np.inf
        for k in np.flatnonzero(near).tolist():
            distance = float(np.linalg.norm(window[k] - position))
            if best < distance <= self.min_distance:
                reached, best = k + 1, distance
        self.index = min(self.index + reached, len(self.points) - 2)
        return self.points[self.index + 1], int(self.options[self.index + 1])

    def upcoming(self, count: int) -> np.ndarray:
        """``(<= count, 2)`` global points from the last reached one on."""
        return self.points[self.index : self.index + count]
