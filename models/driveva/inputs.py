"""What DriveVA sees, built by the same functions in closed loop (``agents/driveva.py``) and in
training (:mod:`models.driveva.data`): front frames resized to the model size, the ego velocity and
the 4-way route command (plus the language instruction when the route gives one)."""

from __future__ import annotations

import numpy as np
import torch

from models.common.commands import navsim_command
from models.common.images import resize_image
from models.driveva.config import DriveVAConfig

__all__ = ["camera_frame", "ego_velocity", "model_frames", "navsim_command"]


def camera_frame(image: np.ndarray, config: DriveVAConfig) -> torch.Tensor:
    """``(H, W, 3)`` uint8 RGB front frame -> ``(3, image_height, image_width)`` in [0, 1]."""
    return resize_image(image, config.image_height, config.image_width)


def model_frames(frames: torch.Tensor) -> torch.Tensor:
    """Frames in [0, 1] -> the model's [-1, 1]."""
    return frames * 2.0 - 1.0


def ego_velocity(speed: float) -> np.ndarray:
    """``(2,)`` velocity [m/s] in the ego frame: the speedometer's forward speed, no lateral part."""
    return np.array([float(speed), 0.0], dtype=np.float32)
