"""Action tokens: normalisation of waypoints, the trajectory encoder and the trajectory head.

Waypoints ``(B, K, 3)`` (x forward [m], y left [m], heading [rad], ego rear-axle frame) are turned
into point-to-point deltas (the first point absolute) and scaled per axis to about [-1, 1]; the
noisy deltas are clamped to [-1, 1] as in the released code.
"""

from __future__ import annotations

import torch
from torch import nn

from models.driveva.config import TrajectoryConfig


def normalise(poses: torch.Tensor, config: TrajectoryConfig) -> torch.Tensor:
    """``(B, K, 3)`` poses -> ``(B, K, 3)`` normalised deltas."""
    deltas = torch.cat([poses[:, :1], poses[:, 1:] - poses[:, :-1]], dim=1)
    low = poses.new_tensor(config.low)
    span = poses.new_tensor(config.span)
    return 2.0 * (deltas - low) / span - 1.0


def denormalise(normalised: torch.Tensor, config: TrajectoryConfig) -> torch.Tensor:
    """Inverse of :func:`normalise`: ``(B, K, 3)`` normalised deltas -> poses (cumulative sum)."""
    low = normalised.new_tensor(config.low)
    span = normalised.new_tensor(config.span)
    return ((normalised + 1.0) * 0.5 * span + low).cumsum(dim=1)


class TrajectoryEncoder(nn.Module):
    """Velocity ``(B, 2)`` and noisy points ``(B, K, 3)`` -> tokens ``(B, 1 + K, dim)`` [velocity, points]."""

    def __init__(self, dim: int, hidden: int, point_dim: int = 3, velocity_dim: int = 2) -> None:
        super().__init__()
        self.point_mlp = nn.Sequential(nn.Linear(point_dim, hidden), nn.SiLU(), nn.Linear(hidden, dim))
        self.velocity_mlp = nn.Sequential(nn.Linear(velocity_dim, hidden), nn.SiLU(), nn.Linear(hidden, dim))
        self.norm = nn.LayerNorm(dim)

    def forward(self, velocity: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
        tokens = torch.cat([self.velocity_mlp(velocity).unsqueeze(1), self.point_mlp(points)], dim=1)
        return self.norm(tokens)


class TrajectoryHead(nn.Module):
    """Hidden states of the future-point tokens ``(B, K, dim)`` -> velocity ``(B, K, 3)``."""

    def __init__(self, dim: int, out_dim: int = 3) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.LayerNorm(dim), nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, out_dim))

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.net(hidden)
