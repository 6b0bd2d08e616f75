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
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from agents.base import DebugView, Observation, Plan
from models.common.commands import navsim_command
from sim.types import TrajectorySampling

if TYPE_CHECKING:  # torch and the model load when a planner is built, so the registry stays light
    import torch

LOGGER = logging.getLogger(__name__)

__all__ = ["DriveVAPlanner", "DriveVAPlannerConfig", "FrameHistory", "navsim_command"]


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
    checkpoint: a DriveVA checkpoint; ``None``: the shipped one (``models/driveva/checkpoints/cpu.pt``),
        unless only ``preset`` is given.
    preset: model preset or YAML; alone, a random-weight model of it (tests); with a checkpoint, it
        must match the checkpoint's config.
    num_steps: Euler steps (``None``: the model config's, 2).
    seed: RNG seed of the initial noise (reset at every route).

    The camera (``camera``) and the input preprocessing are the model config's, as in training.
    """

    checkpoint: str | None = None
    preset: str | None = None
    num_steps: int | None = None
    seed: int = 0


class DriveVAPlanner:
    """:class:`agents.base.Planner` around :class:`models.driveva.model.DriveVA` (CPU, eval mode)."""

    def __init__(self, config: DriveVAPlannerConfig = DriveVAPlannerConfig()) -> None:
        import torch

        from models.common.loading import load_planner_model
        from models.driveva import config as driveva_config
        from models.driveva import model as driveva_model

        self.config = config
        self.model, self.model_config, self.checkpoint_extra = load_planner_model(
            driveva_config.MODEL_NAME, driveva_config.DriveVAConfig, driveva_model.DriveVA, driveva_config.load,
            Path(driveva_model.__file__).parent, config.checkpoint, config.preset, driveva_model.IGNORED_CONFIG_PATHS,
            "python -m models.driveva.train --preset cpu --data DATASET --out runs/driveva",
        )  # fmt: skip
        self.model.eval()
        self.sampling = TrajectorySampling(
            self.model_config.trajectory.num_waypoints, self.model_config.trajectory.interval_s
        )
        self.history = FrameHistory(self.model_config.history_frames, 1.0 / self.model_config.frame_rate_hz)
        self.generator = torch.Generator().manual_seed(config.seed)
        self._future_latents = None  # the video latents denoised with the last trajectory (joint mode)

    def sensors(self) -> list[dict]:
        return [self.model_config.camera.sensor_spec()]

    def reset(self) -> None:
        import torch

        self.history.reset()
        self.generator = torch.Generator().manual_seed(self.config.seed)
        self._future_latents = None

    def image_history(self) -> tuple[int, float]:
        """Front frames the model reads and their spacing [s] (the NAVSIM adapter loads these)."""
        return self.history.num_frames, self.history.interval

    def observe(self, obs: Observation) -> None:
        """Take in a past frame without planning (warm-up from NAVSIM's history frames)."""
        from models.driveva import inputs

        cfg = self.model_config
        if cfg.camera.id not in obs.images:
            raise KeyError(f"DriveVA needs camera '{cfg.camera.id}', got {sorted(obs.images)}")
        self.history.push(obs.timestamp, inputs.camera_frame(obs.images[cfg.camera.id], cfg))

    def plan(self, obs: Observation) -> Plan:
        import torch

        from models.driveva import inputs

        self.observe(obs)
        frames = inputs.model_frames(self.history.clip().unsqueeze(0))  # (1, T, 3, H, W) in [-1, 1]
        velocity = torch.from_numpy(inputs.ego_velocity(obs.speed))[None]
        command = torch.tensor([inputs.navsim_command(obs.command)])
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
        return DebugView(imagined={self.model_config.camera.id: rgb})
