"""Waypoint-anchored deformable cross-attention into the front-camera feature map (pure torch).

Every query belongs to one waypoint of one proposal. Its reference points are the 4 corners of the
ego box placed at that waypoint's pose, at each of the configured heights, projected into the
image by a pinhole camera; each head samples the value map around every reference point with
learned offsets (``F.grid_sample``, bilinear) and mixes the samples with softmax weights.
Reference points behind the camera get zero weight. Replaces mmcv's CUDA deformable-attention op.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from models.drivejepa.config import CameraConfig, PlannerConfig


def ego_box_points(poses: torch.Tensor, config: PlannerConfig) -> torch.Tensor:
    """Ego-box corners at each pose and height: ``(..., 3)`` poses -> ``(..., 4 * n_heights, 3)`` [m] local frame."""
    cos, sin = poses[..., 2].cos(), poses[..., 2].sin()
    cx = poses[..., 0] + config.rear_axle_to_center * cos
    cy = poses[..., 1] + config.rear_axle_to_center * sin
    signs = poses.new_tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, -1.0], [-1.0, 1.0]])
    lon = signs[:, 0] * config.ego_half_length
    lat = signs[:, 1] * config.ego_half_width
    x = cx.unsqueeze(-1) + lon * cos.unsqueeze(-1) - lat * sin.unsqueeze(-1)
    y = cy.unsqueeze(-1) + lon * sin.unsqueeze(-1) + lat * cos.unsqueeze(-1)
    heights = poses.new_tensor(config.ref_heights)
    n_h = heights.shape[0]
    x = x.unsqueeze(-1).expand(*x.shape, n_h)
    y = y.unsqueeze(-1).expand(*y.shape, n_h)
    z = heights.expand_as(x)
    return torch.stack([x, y, z], dim=-1).flatten(-3, -2)


def project_to_image(points: torch.Tensor, camera: CameraConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Local-frame points ``(..., 3)`` -> grid_sample coordinates ``(..., 2)`` in [-1, 1] and validity ``(...)``.

    Camera axes: right = -y, down = -z, forward = x (relative to the mounting position).
    """
    rel = points - points.new_tensor(camera.position)
    depth = rel[..., 0]
    safe = depth.clamp(min=camera.min_depth)
    u = -rel[..., 1] / (safe * math.tan(math.radians(camera.fov_horizontal_deg) / 2))
    v = -rel[..., 2] / (safe * math.tan(math.radians(camera.fov_vertical_deg) / 2))
    valid = depth > camera.min_depth
    # Points outside the image still sample (zeros padding) but cannot dominate: clamp far-out coordinates.
    return torch.stack([u, v], dim=-1).clamp(-2.0, 2.0), valid


class DeformableCrossAttention(nn.Module):
    """Queries ``(B, Q, D)`` attend to a value map ``(B, D, h, w)`` at learned offsets around reference points."""

    def __init__(self, d_model: int, heads: int, num_refs: int, points_per_ref: int) -> None:
        super().__init__()
        self.heads, self.num_refs, self.points = heads, num_refs, points_per_ref
        self.offsets = nn.Linear(d_model, heads * num_refs * points_per_ref * 2)
        self.weights = nn.Linear(d_model, heads * num_refs * points_per_ref)
        self.value = nn.Linear(d_model, d_model)
        self.out = nn.Linear(d_model, d_model)
        nn.init.zeros_(self.offsets.weight)  # start by sampling exactly at the reference points
        nn.init.zeros_(self.offsets.bias)

    def forward(
        self, query: torch.Tensor, value_map: torch.Tensor, refs: torch.Tensor, valid: torch.Tensor
    ) -> torch.Tensor:
        """Attend.

        Args:
            query: ``(B, Q, D)``.
            value_map: ``(B, D, h, w)`` image features.
            refs: ``(B, Q, R, 2)`` reference points in grid_sample coordinates.
            valid: ``(B, Q, R)`` bool; invalid references get zero weight.

        Returns:
            ``(B, Q, D)``.
        """
        b, q, d = query.shape
        h, w = value_map.shape[-2:]
        heads, r, p = self.heads, self.num_refs, self.points
        scale = query.new_tensor([2.0 / w, 2.0 / h])  # offsets are in feature-map cells
        offsets = self.offsets(query).view(b, q, heads, r, p, 2) * scale
        locations = refs.view(b, q, 1, r, 1, 2) + offsets
        logits = self.weights(query).view(b, q, heads, r, p)
        # A finite fill keeps gradients finite; queries with no valid reference get zero output.
        logits = logits.masked_fill(~valid.view(b, q, 1, r, 1), -1e4).flatten(-2)
        weights = logits.softmax(dim=-1) * valid.any(dim=-1).view(b, q, 1, 1)
        value = self.value(value_map.flatten(2).transpose(1, 2)).view(b, h * w, heads, d // heads)
        value = value.permute(0, 2, 3, 1).reshape(b * heads, d // heads, h, w)
        grid = locations.permute(0, 2, 1, 3, 4, 5).reshape(b * heads, q, r * p, 2)
        sampled = F.grid_sample(value, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        sampled = sampled.view(b, heads, d // heads, q, r * p)
        mixed = (sampled * weights.permute(0, 2, 1, 3).unsqueeze(2)).sum(-1)
        return self.out(mixed.permute(0, 3, 1, 2).reshape(b, q, d))
