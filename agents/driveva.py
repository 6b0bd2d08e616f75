"""DriveVA planner: front-camera video history + velocity + command -> 8 waypoints (flow sampling).

Between steps the planner keeps the front frames of the last ~2 s with their timestamps; each call
builds the model's 5-frame 2 Hz history ending at the current frame (frames nearest to t - 0.5 k;
the oldest available frame is repeated at the start of a route), the "sliding history buffer" of
DriveVA's video continuation. No other state is carried (the model is not recurrent).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from agents.base import DebugView, Observation, Plan, RoadOption
from sim.types import TrajectorySampling
from sim.world.camera_rig import camera_spec

if TYPE_CHECKING:  # torch and the model load when a planner is built, so the registry stays light
    import torch

LOGGER = logging.getLogger(__name__)

# NAVSIM's 4-way driving command: 0 left, 1 straight, 2 right, 3 unknown.
_NAVSIM_COMMAND = {
    RoadOption.LEFT: 0,
    RoadOption.CHANGELANELEFT: 0,
    RoadOption.STRAIGHT: 1,
    RoadOption.LANEFOLLOW: 1,
    RoadOption.RIGHT: 2,
    RoadOption.CHANGELANERIGHT: 2,
}


def navsim_command(command: int) -> int:
    """CARLA ``RoadOption`` value -> NAVSIM command index (unknown options map to 3)."""
    try:
        return _NAVSIM_COMMAND.get(RoadOption(int(command)), 3)
    except ValueError:
        return 3


def resize_image(image: np.ndarray, height: int, width: int) -> torch.Tensor:
    """``(H, W, 3)`` uint8 RGB -> ``(3, height, width)`` float in [0, 1] (bilinear, antialiased)."""
    import torch
    import torch.nn.functional as F

    array = np.asarray(image)
    if array.ndim != 3 or array.shape[2] < 3:
        raise ValueError(f"expected an (H, W, 3) image, got shape {array.shape}")
    tensor = torch.from_numpy(np.ascontiguousarray(array[..., :3])).permute(2, 0, 1).float().unsqueeze(0) / 255.0
    return F.interpolate(tensor, size=(height, width), mode="bilinear", align_corners=False, antialias=True)[0]


class FrameHistory:
    """Timestamped frames of the last ``span`` seconds; :meth:`clip` samples them on a regular grid.

    Args:
        num_frames: frames per clip (the last one is the newest frame).
        interval: clip spacing [s] (0.5 for 2 Hz).
    """

    def __init__(self, num_frames: int, interval: float) -> None:
        self.num_frames, self.interval = num_frames, interval
        self._frames: deque[tuple[float, torch.Tensor]] = deque()

    def __len__(self) -> int:
        return len(self._frames)

    def reset(self) -> None:
        self._frames.clear()

    def push(self, timestamp: float, frame: torch.Tensor) -> None:
        """Add the newest frame and forget frames older than the clip needs (plus one interval of slack)."""
        if self._frames and timestamp < self._frames[-1][0]:
            LOGGER.warning("frame timestamp went back from %.3f to %.3f: history reset", self._frames[-1][0], timestamp)
            self._frames.clear()
        self._frames.append((float(timestamp), frame))
        horizon = self.num_frames * self.interval + 1e-6
        while timestamp - self._frames[0][0] > horizon:
            self._frames.popleft()

    def clip(self) -> torch.Tensor:
        """``(num_frames, ...)`` frames nearest to ``t_now - k interval`` (oldest first)."""
        import torch

        if not self._frames:
            raise RuntimeError("FrameHistory.clip called before any frame was pushed")
        times = np.array([t for t, _ in self._frames])
        now = times[-1]
        picks = []
        for k in range(self.num_frames - 1, -1, -1):
            picks.append(int(np.argmin(np.abs(times - (now - k * self.interval)))))
        return torch.stack([self._frames[i][1] for i in picks])


@dataclass(frozen=True)
class DriveVAPlannerConfig:
    """Attributes:
    preset: model preset name or YAML path (``tiny`` runs with random weights).
    camera_id: sensor id of the front camera.
    camera_width / camera_height / camera_fov: the camera sensor [px, px, deg] (NAVSIM-like view).
    camera_position: sensor mount x, y, z [m] (leaderboard convention, vehicle frame).
    num_steps: Euler steps (``None``: the model config's, 2).
    seed: RNG seed of the initial noise (reset at every route).
    """

    preset: str = "tiny"
    camera_id: str = "rgb_front"
    camera_width: int = 832
    camera_height: int = 480
    camera_fov: float = 70.0
    camera_position: tuple[float, float, float] = (1.3, 0.0, 2.3)
    num_steps: int | None = None
    seed: int = 0


class DriveVAPlanner:
    """:class:`agents.base.Planner` around :class:`models.driveva.model.DriveVA` (CPU, eval mode)."""

    def __init__(self, config: DriveVAPlannerConfig = DriveVAPlannerConfig()) -> None:
        import torch

        from models.driveva import config as driveva_config
        from models.driveva.model import build_model

        self.config = config
        self.model_config = driveva_config.load(config.preset)
        self.model = build_model(self.model_config).eval()
        self.sampling = TrajectorySampling(
            self.model_config.trajectory.num_waypoints, self.model_config.trajectory.interval_s
        )
        self.history = FrameHistory(self.model_config.history_frames, 1.0 / self.model_config.frame_rate_hz)
        self.generator = torch.Generator().manual_seed(config.seed)
        self._future_latents = None  # the video latents denoised with the last trajectory (joint mode)

    def sensors(self) -> list[dict]:
        cfg = self.config
        return [
            camera_spec(
                cfg.camera_id, 0.0, cfg.camera_width, cfg.camera_height, self.config.camera_fov, cfg.camera_position
            )
        ]

    def reset(self) -> None:
        import torch

        self.history.reset()
        self.generator = torch.Generator().manual_seed(self.config.seed)
        self._future_latents = None

    def plan(self, obs: Observation) -> Plan:
        import torch

        if self.config.camera_id not in obs.images:
            raise KeyError(f"DriveVA needs camera '{self.config.camera_id}', got {sorted(obs.images)}")
        cfg = self.model_config
        frame = resize_image(obs.images[self.config.camera_id], cfg.image_height, cfg.image_width)
        self.history.push(obs.timestamp, frame)
        frames = self.history.clip().unsqueeze(0) * 2.0 - 1.0  # (1, T, 3, H, W) in [-1, 1]
        velocity = torch.tensor([[float(obs.speed), 0.0]])
        command = torch.tensor([navsim_command(obs.command)])
        instructions = [obs.instruction] if obs.instruction else None
        sample = self.model.sample(
            frames, velocity, command, instructions, num_steps=self.config.num_steps, generator=self.generator
        )
        poses = sample.trajectory[0].double().numpy()
        self._future_latents = sample.future_latents
        if not np.all(np.isfinite(poses)):
            LOGGER.warning("DriveVA produced a non-finite trajectory at t=%.2f", obs.timestamp)
        return Plan(trajectory=poses, sampling=self.sampling, info={"history_frames": len(self.history)})

    def debug_view(self) -> DebugView | None:
        """The future video DriveVA denoised together with its last trajectory, decoded (debugging only)."""
        if self._future_latents is None:
            return None
        import torch

        with torch.inference_mode():
            frames = self.model.decode_video(self._future_latents)[0]  # (T, 3, H, W) in [-1, 1]
        rgb = ((frames.clamp(-1.0, 1.0) + 1.0) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
        return DebugView(imagined={self.config.camera_id: rgb})
