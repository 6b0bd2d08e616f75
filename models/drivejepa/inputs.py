"""What Drive-JEPA sees, built by the same functions in closed loop (``agents/drivejepa.py``) and in
training (:mod:`models.drivejepa.data`): a 2-frame front clip (t - 0.5 s, t) resized to the encoder
size in [0, 1], and the ego status (velocity, acceleration, 4-way command, optionally the route
target point)."""

from __future__ import annotations

import numpy as np
import torch

from models.common.commands import navsim_command
from models.common.images import resize_image
from models.drivejepa.config import DriveJEPAConfig
from models.drivejepa.model import ego_status


def camera_frame(image: np.ndarray, config: DriveJEPAConfig) -> torch.Tensor:
    """``(H, W, 3)`` uint8 RGB front frame -> ``(3, image_height, image_width)`` in [0, 1]."""
    return resize_image(image, config.encoder.image_height, config.encoder.image_width)


def status_vector(
    speed: float, acceleration: np.ndarray, command: int, target_point: np.ndarray, config: DriveJEPAConfig
) -> torch.Tensor:
    """``(ego_dim,)`` ego status of one sample (speed [m/s], body acceleration (2,) [m/s^2], RoadOption
    value, local target point (2,) [m], used when ``planner.use_target_point``)."""
    plan = config.planner
    velocity = torch.tensor([[float(speed), 0.0]])
    accel = torch.as_tensor(np.asarray(acceleration, dtype=np.float32)[:2]).view(1, 2)
    cmd = torch.tensor([navsim_command(command)])
    target = (
        torch.as_tensor(np.asarray(target_point, dtype=np.float32)[:2]).view(1, 2) if plan.use_target_point else None
    )
    return ego_status(velocity, accel, cmd, plan.num_commands, target)[0]
