"""Small scoring scenes (in the scene-JSON layout) and ego rollouts for the collision tests."""

from __future__ import annotations

import numpy as np

from sim.scoring.ego_geometry import ego_corners
from sim.scoring.scene_io import scene_from_dict
from sim.types import STATE_SIZE, ScoringScene, StateIndex


def agent(
    kind: str, x: float, y: float, heading: float, speed: float, *, frames: int = 41, length: float = 4.5,
    width: float = 2.0, window: tuple[int, int] | None = None, yaw_rate: float = 0.0,
) -> dict:  # fmt: skip
    """An agent moving at constant ``speed`` [m/s] along its heading, 0.1 s per frame."""
    t = np.arange(frames) * 0.1
    headings = heading + yaw_rate * t
    states = np.column_stack(
        [x + speed * np.cos(heading) * t, y + speed * np.sin(heading) * t, headings,
         speed * np.cos(headings), speed * np.sin(headings)]
    )  # fmt: skip
    entry = {"type": kind, "length": length, "width": width, "height": 1.5, "states": states.tolist()}
    if window is not None:
        entry["frames"] = list(window)
    return entry


def square(cx: float, cy: float, half: float) -> list[list[float]]:
    return [[cx + half, cy + half], [cx - half, cy + half], [cx - half, cy - half], [cx + half, cy - half]]


def make_scene(
    agents: dict[str, dict], *, frames: int = 41, ego: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0),
    map_polygons: list | None = None, route: list[str] | None = None, red_lights: dict | None = None,
) -> ScoringScene:  # fmt: skip
    """A scene with the given agents; ego = rear axle x, y, heading, speed."""
    x, y, heading, speed = ego
    raw = {
        "n_frames": frames,
        "frame_dt": 0.1,
        "map_polygons": map_polygons or [],
        "route_lane_ids": route or [],
        "centerline": [[0.0, 0.0, 0.0], [100.0, 0.0, 0.0]],
        "agents": agents,
        "red_lights": red_lights or {},
        "ego_init": {"x": x, "y": y, "heading": heading, "vx": speed, "vy": 0.0, "ax": 0.0, "ay": 0.0},
        "ego_past": [[-1.5 + 0.5 * k, x, y, heading, speed, 0.0] for k in range(4)],
    }
    return scene_from_dict(raw, source="<test scene>")


def rollout(
    x: float, y: float, heading: float, speeds: np.ndarray, yaw_rates: np.ndarray | None = None, dt: float = 0.1
) -> np.ndarray:
    """``(T, 11)`` rear-axle states integrated with explicit Euler from per-step speeds [m/s]."""
    speeds = np.asarray(speeds, dtype=np.float64)
    yaw_rates = np.zeros_like(speeds) if yaw_rates is None else np.asarray(yaw_rates, dtype=np.float64)
    states = np.zeros((speeds.shape[0], STATE_SIZE))
    for k, (speed, rate) in enumerate(zip(speeds, yaw_rates, strict=True)):
        states[k, StateIndex.X], states[k, StateIndex.Y], states[k, StateIndex.HEADING] = x, y, heading
        states[k, StateIndex.VX] = speed
        x, y = x + speed * np.cos(heading) * dt, y + speed * np.sin(heading) * dt
        heading = heading + rate * dt
    return states


def batch(*rollouts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stack rollouts into ``(N, T, 11)`` states and their ``(N, T, 5, 2)`` corners."""
    states = np.stack(rollouts)
    return states, ego_corners(states)
