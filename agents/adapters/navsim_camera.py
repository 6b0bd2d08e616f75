"""NAVSIM's AgentInput as our planners' Observation: camera names, history frames, ego status, LiDAR.

A planner names its sensors leaderboard-style (``rgb_front``...); NAVSIM names its eight cameras
``cam_f0``, ``cam_l0..2``, ``cam_r0..2``, ``cam_b0``. :data:`DEFAULT_CAMERA_MAP` pairs them (front,
front-left, front-right, back); an agent config may override or extend it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from agents.base import Observation, RoadOption

NAVSIM_CAMERAS = ("cam_f0", "cam_l0", "cam_l1", "cam_l2", "cam_r0", "cam_r1", "cam_r2", "cam_b0")
DEFAULT_CAMERA_MAP = {
    "rgb_front": "cam_f0",
    "rgb_left": "cam_l0",
    "rgb_right": "cam_r0",
    "rgb_back": "cam_b0",
    "rgb_rear": "cam_b0",
}
NAVSIM_INTERVAL = 0.5  # [s] spacing of AgentInput history frames
CAMERA_TYPE_PREFIX = "sensor.camera"
LIDAR_TYPE_PREFIX = "sensor.lidar"
# NAVSIM's one-hot driving command is (left, straight, right, unknown)
COMMAND_FROM_ONE_HOT = (RoadOption.LEFT, RoadOption.STRAIGHT, RoadOption.RIGHT, RoadOption.LANEFOLLOW)
UNKNOWN_COMMAND = 3


def navsim_command_index(one_hot: Any) -> int:
    """NAVSIM's one-hot command -> 0 left, 1 straight, 2 right, 3 unknown (also for an empty one-hot)."""
    values = np.asarray(one_hot, dtype=np.float64).reshape(-1)
    if values.size != 4 or not np.any(values > 0):
        return UNKNOWN_COMMAND
    return int(np.argmax(values))


def command_from_one_hot(one_hot: Any) -> int:
    """NAVSIM's one-hot command -> :class:`RoadOption` value (unknown -> LANEFOLLOW)."""
    return int(COMMAND_FROM_ONE_HOT[navsim_command_index(one_hot)])


def camera_map_for(sensors: list[dict], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """``{planner camera id: NAVSIM camera}`` for every camera a planner declares.

    Raises:
        ValueError: a camera id with no NAVSIM camera, or a mapping to a name NAVSIM does not have.
    """
    table = {**DEFAULT_CAMERA_MAP, **dict(overrides or {})}
    bad = {key: value for key, value in table.items() if value not in NAVSIM_CAMERAS}
    if bad:
        raise ValueError(f"camera_map {bad}: NAVSIM cameras are {list(NAVSIM_CAMERAS)}")
    mapping = {}
    for spec in sensors:
        if not str(spec.get("type", "")).startswith(CAMERA_TYPE_PREFIX):
            continue
        sensor_id = spec.get("id")
        if sensor_id not in table:
            raise ValueError(
                f"planner camera '{sensor_id}' has no NAVSIM camera; give camera_map {{'{sensor_id}': 'cam_..'}} "
                f"(NAVSIM cameras: {list(NAVSIM_CAMERAS)})"
            )
        mapping[sensor_id] = table[sensor_id]
    return mapping


def wants_lidar(sensors: list[dict]) -> bool:
    return any(str(spec.get("type", "")).startswith(LIDAR_TYPE_PREFIX) for spec in sensors)


def camera_image(cameras: list, index: int, camera: str) -> np.ndarray:
    """The ``(H, W, 3)`` image of NAVSIM camera ``camera`` in history frame ``index``.

    Raises:
        KeyError: the frame or the camera was not loaded (the agent's SensorConfig must request it).
    """
    frame = cameras[index] if -len(cameras) <= index < len(cameras) else None
    image = getattr(getattr(frame, camera, None), "image", None)
    if image is None:
        raise KeyError(
            f"NAVSIM camera '{camera}' of frame {index} is not loaded: the agent's SensorConfig must request it"
        )
    return np.asarray(image)


def lidar_points(lidars: list, index: int) -> np.ndarray | None:
    """NAVSIM's merged ``lidar_pc (6, n)`` -> ``(n, 4)`` float32 x, y, z, intensity, or ``None``."""
    if not lidars or not -len(lidars) <= index < len(lidars):
        return None
    cloud = getattr(lidars[index], "lidar_pc", None)
    return None if cloud is None else np.ascontiguousarray(np.asarray(cloud, dtype=np.float32)[:4].T)


def observation_from_agent_input(
    agent_input: Any, camera_map: Mapping[str, str] | None = None, frame: int = -1, lidar: bool = False
) -> Observation:
    """NAVSIM ``AgentInput`` (duck-typed) -> :class:`Observation` at history ``frame`` (local frame of now).

    Args:
        agent_input: ``ego_statuses`` (poses local to now), ``cameras``, ``lidars``, one per history frame.
        camera_map: ``{planner camera id: NAVSIM camera}``; ``None``: every loaded camera under its NAVSIM name.
        frame: history frame (-1 is now); its time is ``(frame - (n - 1)) * 0.5`` s.
        lidar: add the frame's LiDAR points.
    """
    statuses = agent_input.ego_statuses
    index = frame % len(statuses)
    status = statuses[index]
    velocity = np.asarray(status.ego_velocity, dtype=np.float64)
    cameras = list(getattr(agent_input, "cameras", None) or [])
    if camera_map is None:
        frame_cameras = cameras[index] if index < len(cameras) else None
        names = [
            name for name in NAVSIM_CAMERAS if getattr(getattr(frame_cameras, name, None), "image", None) is not None
        ]
        camera_map = {name: name for name in names}
    images = {sensor_id: camera_image(cameras, index, camera) for sensor_id, camera in camera_map.items()}
    return Observation(
        timestamp=(index - (len(statuses) - 1)) * NAVSIM_INTERVAL,
        speed=float(np.hypot(*velocity[:2])),
        images={key: np.asarray(image, dtype=np.uint8) for key, image in images.items()},
        acceleration=np.asarray(status.ego_acceleration, dtype=np.float64)[:2],
        pose_history=np.array([np.asarray(s.ego_pose, dtype=np.float64) for s in statuses[: index + 1]]),
        command=command_from_one_hot(status.driving_command),
        lidar=lidar_points(list(getattr(agent_input, "lidars", None) or []), index) if lidar else None,
    )
