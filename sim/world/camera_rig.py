"""Standard camera specs and a timing helper for the world benchmark (``benchmarks/world.py``)."""

from __future__ import annotations

import time

from sim.maps.road_network import RoadNetwork
from sim.world.render_config import DEFAULT_SENSOR_CONFIG, SensorConfig
from sim.world.sensors import SensorSuite
from sim.world.snapshot import WorldSnapshot

RIG_YAWS = (-60.0, 0.0, 60.0)  # [deg] left, front, right (TransFuser-style rig)


def camera_spec(
    sensor_id: str,
    yaw: float = 0.0,
    width: int = 224,
    height: int = 224,
    fov: float = 100.0,
    position: tuple[float, float, float] = (1.3, 0.0, 2.3),
) -> dict:
    """A leaderboard ``sensor.camera.rgb`` spec; ``position`` x, y, z [m] in CARLA's ego frame, yaw [deg]."""
    x, y, z = position
    return {
        "type": "sensor.camera.rgb",
        "id": sensor_id,
        "x": x,
        "y": y,
        "z": z,
        "roll": 0.0,
        "pitch": 0.0,
        "yaw": yaw,
        "width": width,
        "height": height,
        "fov": fov,
    }


def rig_specs(width: int = 224, height: int = 224, fov: float = 100.0) -> list[dict]:
    """Left (yaw -60), front and right (yaw +60) cameras."""
    names = ("rgb_left", "rgb_front", "rgb_right")
    return [camera_spec(name, yaw, width, height, fov) for name, yaw in zip(names, RIG_YAWS, strict=True)]


def _ms_per_read(suite: SensorSuite, snapshot: WorldSnapshot, n_frames: int) -> float:
    suite.read(snapshot, 0)  # compile kernels, build the town scene
    started = time.perf_counter()
    for frame in range(n_frames):
        suite.read(snapshot, frame)
    return 1000.0 * (time.perf_counter() - started) / max(n_frames, 1)


def time_camera_rig(
    network: RoadNetwork,
    snapshot: WorldSnapshot,
    n_frames: int = 50,
    width: int = 224,
    height: int = 224,
    config: SensorConfig = DEFAULT_SENSOR_CONFIG,
) -> dict:
    """Milliseconds per frame of one front camera and of the three-camera rig on ``snapshot``.

    Returns:
        ``{"single_camera_ms", "rig_ms", "rig_fps", "width", "height", "n_frames", "town"}``.
    """
    single = SensorSuite.from_specs([camera_spec("rgb_front", 0.0, width, height)], network, config)
    rig = SensorSuite.from_specs(rig_specs(width, height), network, config)
    single_ms = _ms_per_read(single, snapshot, n_frames)
    rig_ms = _ms_per_read(rig, snapshot, n_frames)
    return {
        "single_camera_ms": single_ms,
        "rig_ms": rig_ms,
        "rig_fps": 1000.0 / rig_ms if rig_ms > 0 else float("inf"),
        "width": width,
        "height": height,
        "n_frames": n_frames,
        "town": network.name,
    }
