"""Synthetic DriveVA batches for unit tests (training reads the expert dataset, :mod:`models.driveva.data`).

Trajectories are constant-speed arcs whose curvature follows the command; frames are smooth random
images, so the batch has the right shapes and a learnable action signal but no visual meaning.
"""

from __future__ import annotations

import torch

from models.driveva.config import DriveVAConfig


def arc_trajectory(speed: torch.Tensor, command: torch.Tensor, num: int, dt: float) -> torch.Tensor:
    """``(B,)`` speed [m/s], ``(B,)`` command -> ``(B, num, 3)`` poses on an arc (left +, right -)."""
    curvature = torch.tensor([0.05, 0.0, -0.05, 0.0])[command.clamp(0, 3)]
    s = speed.unsqueeze(1) * dt * torch.arange(1, num + 1, dtype=torch.float32)
    heading = curvature.unsqueeze(1) * s
    safe = torch.where(curvature.abs() > 0, curvature, torch.ones_like(curvature)).unsqueeze(1)
    x = torch.where(curvature.unsqueeze(1) != 0, torch.sin(heading) / safe, s)
    y = torch.where(curvature.unsqueeze(1) != 0, (1 - torch.cos(heading)) / safe, torch.zeros_like(s))
    return torch.stack([x, y, heading], dim=-1)


def make_batch(config: DriveVAConfig, batch_size: int, seed: int) -> dict:
    """A batch: ``frames (B, Th + Tf, 3, H, W)`` in [-1, 1], ``velocity``, ``command``, ``trajectory``."""
    g = torch.Generator().manual_seed(seed)
    frames_total = config.history_frames + config.future_frames
    coarse = torch.rand((batch_size, frames_total, 3, 8, 16), generator=g) * 2 - 1
    frames = torch.nn.functional.interpolate(
        coarse.flatten(0, 1), size=(config.image_height, config.image_width), mode="bilinear", align_corners=False
    ).unflatten(0, (batch_size, frames_total))
    speed = torch.rand((batch_size,), generator=g) * 12.0
    command = torch.randint(0, 4, (batch_size,), generator=g)
    velocity = torch.stack([speed, torch.zeros_like(speed)], dim=-1)
    traj = arc_trajectory(speed, command, config.trajectory.num_waypoints, config.trajectory.interval_s)
    return {"frames": frames, "velocity": velocity, "command": command, "trajectory": traj}
