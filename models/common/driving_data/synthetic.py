"""A small synthetic dataset in the real layout, for unit tests and benchmarks (never for training).

Each episode drives a constant-curvature arc with a speed ramp; labels are consistent with the
motion (``expert_trajectory`` = ``future_poses`` = the arc ahead), images are flat colour blocks
whose road band bends with the curvature, so loaders and training loops see plausible values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.common.driving_data.layout import SAMPLE_FIELDS, BoxColumn
from models.common.driving_data.manifest import EpisodeInfo, LayoutConfig
from models.common.driving_data.writer import DatasetWriter
from sim.types import LightState, RoadOption

BEV_CHANNELS = ("road", "lane_markings", "vehicles", "walkers", "obstacles", "red", "yellow", "green", "ego")


def camera(camera_id: str, width: int, height: int, yaw: float = 0.0, fov: float = 100.0) -> dict:
    """A leaderboard camera dict."""
    return {"type": "sensor.camera.rgb", "id": camera_id, "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0,
            "pitch": 0.0, "yaw": yaw, "width": width, "height": height, "fov": fov}  # fmt: skip


def small_layout(codec: str = "png", bev: bool = True, cameras: tuple[dict, ...] | None = None) -> LayoutConfig:
    """Two tiny cameras, a 16 px BEV raster, the 40 x 0.1 s horizon."""
    cams = cameras or (camera("rgb_front", 32, 24), camera("rgb_left", 16, 12, yaw=-60.0))
    return LayoutConfig(
        cameras=cams,
        bev_channels=BEV_CHANNELS if bev else (),
        bev_size_px=16 if bev else 0,
        bev_metres_per_px=2.0 if bev else 0.0,
        image_codec=codec,
    )


def arc_poses(start: np.ndarray, speeds: np.ndarray, curvature: float, dt: float) -> np.ndarray:
    """``(n, 3)`` poses driven from ``start`` (x, y, heading) at ``speeds`` [m/s] on a constant curvature."""
    poses = np.zeros((len(speeds), 3))
    x, y, h = start
    for i, v in enumerate(speeds):
        poses[i] = (x, y, h)
        x, y, h = x + v * dt * np.cos(h), y + v * dt * np.sin(h), h + curvature * v * dt
    return poses


def to_local(poses: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Global ``(..., 3)`` poses into the frame of ``origin`` (x, y, heading)."""
    c, s = np.cos(origin[2]), np.sin(origin[2])
    d = poses[..., :2] - origin[:2]
    heading = (poses[..., 2] - origin[2] + np.pi) % (2 * np.pi) - np.pi
    return np.stack([c * d[..., 0] + s * d[..., 1], -s * d[..., 0] + c * d[..., 1], heading], axis=-1)


def _image(cam: dict, curvature: float, t: int, rng: np.random.Generator) -> np.ndarray:
    h, w = cam["height"], cam["width"]
    image = np.empty((h, w, 3), np.uint8)
    image[: h // 2] = (90, 140, 220)
    image[h // 2 :] = (70, 110, 60)
    rows = np.arange(h // 2, h)
    centre = w / 2 + curvature * 400.0 * (h - rows) / h + (t % 7) - 3
    half = 0.1 * w + 0.6 * (rows - h // 2)
    for row, c, hw in zip(rows, centre, half, strict=True):
        image[row, max(int(c - hw), 0) : max(int(c + hw), 0)] = (60, 60, 60)
    image[rng.integers(0, h), rng.integers(0, w)] = (200, 30, 30)
    return image


def _sample_fields(i: int, poses: np.ndarray, speeds: np.ndarray, layout: LayoutConfig, curvature: float) -> dict:
    steps, n = layout.horizon_steps, len(poses)
    ahead = np.clip(np.arange(i + 1, i + 1 + steps), 0, n - 1)
    future = to_local(poses[ahead], poses[i])
    valid = np.arange(i + 1, i + 1 + steps) < n
    command = RoadOption.LEFT if curvature > 0.01 else RoadOption.RIGHT if curvature < -0.01 else RoadOption.LANEFOLLOW
    span = i // 30
    values = {
        "frame": 2 * i, "time": i * layout.sample_interval_s, "speed": speeds[i],
        "acceleration": np.array([speeds[min(i + 1, n - 1)] - speeds[i], 0.0]) / layout.sample_interval_s,
        "gnss": np.array([poses[i, 1] * 9e-6, poses[i, 0] * 9e-6, 0.0]), "compass": poses[i, 2],
        "ego_pose": poses[i], "target_point": future[min(steps, n - i) - 1, :2] + [5.0, 0.0], "command": int(command),
        "instruction_id": span % 3, "notice_id": 50 if i % 45 == 10 else -1,
        "instruction": ("follow the lane", "turn left at the next intersection", "keep going straight")[span % 3],
        "notice": "pedestrian ahead" if i % 45 == 10 else "", "misleading": False,
        "instruction_completed": i % 30 == 29 or i == n - 1, "expert_trajectory": future, "future_poses": future,
        "future_valid": valid, "control": np.array([0.5, 0.0, 0.0]), "expert_control": np.array([0.5, 0.0, 0.0]),
        "perturbed": i % 20 == 5, "light_state": int(LightState.RED if i % 40 < 10 else LightState.NONE),
        "light_distance": 20.0 if i % 40 < 10 else np.inf, "stop_sign_distance": np.inf, "blocking_reason": "none",
    }  # fmt: skip
    assert set(values) == {f.name for f in SAMPLE_FIELDS}
    return values


def write_synthetic_dataset(
    root: str | Path,
    layout: LayoutConfig | None = None,
    episodes: int = 3,
    samples: int = 60,
    seed: int = 0,
    val_every: int = 3,
) -> DatasetWriter:
    """Write ``episodes`` arcs of ``samples`` samples; every ``val_every``-th episode is ``val``."""
    layout = layout or small_layout()
    writer = DatasetWriter(root, layout, {"synthetic": True, "seed": seed})
    rng = np.random.default_rng(seed)
    for e in range(episodes):
        curvature = float(rng.uniform(-0.05, 0.05))
        speeds = np.clip(np.linspace(0.0, 9.0, samples) + rng.normal(0, 0.2, samples), 0.0, None)
        poses = arc_poses(np.array([100.0 * e, 50.0, rng.uniform(-np.pi, np.pi)]), speeds, curvature, 0.1)
        info = EpisodeInfo(f"ep{e:03d}", "Town01", str(e), "synthetic", seed, "val" if e % val_every == 2 else "train")
        with writer.episode(info) as ep:
            for i in range(samples):
                boxes = np.zeros((i % 3, len(BoxColumn)))
                boxes[:, BoxColumn.X], boxes[:, BoxColumn.LENGTH], boxes[:, BoxColumn.WIDTH] = 8.0, 4.5, 2.0
                boxes[:, BoxColumn.ID] = np.arange(i % 3)
                bev = np.zeros((layout.bev_size_px, layout.bev_size_px, len(layout.bev_channels)), bool)
                if layout.bev_channels:
                    bev[:, 6:10, 0] = True
                    bev[2 : 2 + i % 3, 7, 2] = True
                images = {c["id"]: _image(c, curvature, i, rng) for c in layout.cameras}
                ep.add_sample(_sample_fields(i, poses, speeds, layout, curvature), images, boxes,
                              bev if layout.bev_channels else None)  # fmt: skip
            ep.commit("Completed")
    return writer
