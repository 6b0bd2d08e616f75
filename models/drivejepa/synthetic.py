"""Synthetic Drive-JEPA batches and stand-in proposal targets for unit tests (training reads the expert
dataset and a scored vocabulary, :mod:`models.drivejepa.data`).

Real training takes ``score_targets`` from the EPDMS sub-scores of the vocabulary entry nearest to
each proposal (precomputed outside ``models/``). :func:`proxy_targets` replaces them with a
geometric proxy (closeness to the human trajectory, lateral offset) for tests of the wiring.
"""

from __future__ import annotations

import torch

from models.drivejepa.config import SCORE_NAMES, DriveJEPAConfig
from models.drivejepa.model import ego_status
from models.driveva.synthetic import arc_trajectory

LANE_HALF_WIDTH = 4.0  # [m] proxy drivable corridor around the straight-ahead lane


def make_batch(config: DriveJEPAConfig, batch_size: int, seed: int, num_teachers: int = 4) -> dict:
    """``clip (B, T, 3, H, W)`` in [0, 1], ``status (B, 11)``, ``trajectory (B, M, 3)``, teachers + mask."""
    g = torch.Generator().manual_seed(seed)
    enc, plan = config.encoder, config.planner
    coarse = torch.rand((batch_size * enc.num_frames, 3, 8, 16), generator=g)
    clip = torch.nn.functional.interpolate(coarse, size=(enc.image_height, enc.image_width), mode="bilinear")
    clip = clip.unflatten(0, (batch_size, enc.num_frames))
    speed = torch.rand((batch_size,), generator=g) * 12.0
    command = torch.randint(0, plan.num_commands, (batch_size,), generator=g)
    velocity = torch.stack([speed, torch.zeros_like(speed)], dim=-1)
    status = ego_status(velocity, torch.zeros_like(velocity), command, plan.num_commands)
    traj = arc_trajectory(speed, command, plan.num_poses, plan.interval_s)
    scale = 1.0 + 0.2 * torch.randn((batch_size, num_teachers, 1, 1), generator=g)
    teachers = traj.unsqueeze(1) * scale
    mask = torch.rand((batch_size, num_teachers), generator=g) < 0.75
    return {"clip": clip, "status": status, "trajectory": traj, "teachers": teachers, "teacher_mask": mask}


def proxy_targets(batch: dict, proposals: torch.Tensor) -> dict:
    """Add stand-in ``score_targets (B, N, S)``, ``map_targets`` and ``collision_targets (B, N, M)``.

    Args:
        batch: from :func:`make_batch`.
        proposals: ``(B, N, M, 3)`` the forward pass's proposals (detached).
    """
    dist = (proposals[..., :2] - batch["trajectory"][:, None, :, :2]).norm(dim=-1)  # (B, N, M)
    closeness = torch.exp(-dist.mean(-1) / 2.0)  # (B, N)
    on_road = (proposals[..., 1].abs() < LANE_HALF_WIDTH).float()
    scores = closeness.unsqueeze(-1).expand(*closeness.shape, len(SCORE_NAMES)).clone()
    scores[..., SCORE_NAMES.index("DAC")] = on_road.min(dim=-1).values
    scores[..., -1] = closeness * scores[..., SCORE_NAMES.index("DAC")]
    return {**batch, "score_targets": scores, "map_targets": on_road, "collision_targets": torch.zeros_like(on_road)}
