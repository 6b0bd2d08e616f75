"""Proposal-centric planning head (iPad-style, as forked by Drive-JEPA).

``N`` proposals x ``M`` waypoints = ``N M`` queries. One shared refinement layer is applied
``num_iterations`` times; before each application an MLP decodes every query to a pose, and the
poses anchor the next layer's attention. A scorer reads each proposal's max-pooled waypoint features.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from models.drivejepa.config import SCORE_NAMES, CameraConfig, PlannerConfig
from models.drivejepa.deformable import DeformableCrossAttention, ego_box_points, project_to_image


def mlp(d_in: int, hidden: int, d_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, d_out))


class RefinementLayer(nn.Module):
    """Self-attention among all queries, waypoint-anchored deformable cross-attention, FFN (post-norm)."""

    def __init__(self, config: PlannerConfig, camera: CameraConfig) -> None:
        super().__init__()
        d = config.d_model
        self.config, self.camera = config, camera
        self.position = mlp(4, d, d)
        self.self_attn = nn.MultiheadAttention(d, config.num_heads, batch_first=True)
        refs = 4 * len(config.ref_heights)
        self.cross_attn = DeformableCrossAttention(d, config.num_heads, refs, config.points_per_reference)
        self.ffn = mlp(d, config.ffn_dim, d)
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(3))

    def pose_encoding(self, poses: torch.Tensor) -> torch.Tensor:
        """``(B, N, M, 3)`` -> ``(B, N M, D)``; xy normalised to [0, 1] over the BEV range, heading as cos/sin."""
        r = self.config.bev_range
        xy = (poses[..., :2] + r) / (2 * r)
        feats = torch.cat([xy, poses[..., 2:].cos(), poses[..., 2:].sin()], dim=-1)
        return self.position(feats.flatten(1, 2))

    def forward(self, query: torch.Tensor, poses: torch.Tensor, value_map: torch.Tensor) -> torch.Tensor:
        """``query (B, N M, D)``, anchor ``poses (B, N, M, 3)`` (detached), ``value_map (B, D, h, w)``."""
        pos = self.pose_encoding(poses)
        q = query + pos
        query = self.norms[0](query + self.self_attn(q, q, query, need_weights=False)[0])
        refs, valid = project_to_image(ego_box_points(poses, self.config), self.camera)
        refs, valid = refs.flatten(1, 2), valid.flatten(1, 2)  # (B, N M, R, 2), (B, N M, R)
        query = self.norms[1](query + self.cross_attn(query + pos, value_map, refs, valid))
        return self.norms[2](query + self.ffn(query))


class ProposalHead(nn.Module):
    """Image feature map + ego status -> proposals, per-proposal score logits and auxiliary logits."""

    def __init__(self, config: PlannerConfig, camera: CameraConfig) -> None:
        super().__init__()
        d = config.d_model
        self.config = config
        self.query_embed = nn.Embedding(config.num_proposals * config.num_poses, d)
        self.ego = nn.Linear(config.ego_dim, d)
        self.decoder = mlp(d, d, 3)
        self.refiner = RefinementLayer(config, camera)
        self.scorer = mlp(d, d, len(SCORE_NAMES))
        self.map_head = nn.Linear(d, 1)
        self.collision_head = nn.Linear(d, 1)

    def decode(self, query: torch.Tensor) -> torch.Tensor:
        """``(B, N M, D)`` -> poses ``(B, N, M, 3)``; heading = tanh * pi."""
        out = self.decoder(query).unflatten(1, (self.config.num_proposals, self.config.num_poses))
        return torch.cat([out[..., :2], torch.tanh(out[..., 2:]) * math.pi], dim=-1)

    def forward(self, value_map: torch.Tensor, ego_status: torch.Tensor) -> dict[str, torch.Tensor]:
        """Run the refinement loop.

        Args:
            value_map: ``(B, D, h, w)`` projected image features.
            ego_status: ``(B, ego_dim)``.

        Returns:
            ``proposals (B, N, M, 3)``, ``proposals_per_iteration (L, B, N, M, 3)``, ``score_logits
            (B, N, S)`` (columns :data:`SCORE_NAMES`), ``scores (B, N)`` (sigmoid of the final-score
            logit), ``map_logits`` and ``collision_logits`` ``(B, N, M)``.
        """
        b = value_map.shape[0]
        query = self.query_embed.weight.unsqueeze(0).expand(b, -1, -1) + self.ego(ego_status).unsqueeze(1)
        poses = self.decode(query)
        iterations = []
        for _ in range(self.config.num_iterations):
            # Anchors are detached, as in iterative box refinement: gradients flow through the queries.
            query = self.refiner(query, poses.detach(), value_map)
            poses = self.decode(query)
            iterations.append(poses)
        feats = query.unflatten(1, (self.config.num_proposals, self.config.num_poses))
        logits = self.scorer(feats.max(dim=2).values)
        return {
            "proposals": poses,
            "proposals_per_iteration": torch.stack(iterations),
            "score_logits": logits,
            "scores": logits[..., -1].sigmoid(),
            "map_logits": self.map_head(feats).squeeze(-1),
            "collision_logits": self.collision_head(feats).squeeze(-1),
        }
