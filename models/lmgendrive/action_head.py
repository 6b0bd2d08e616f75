"""Action head: LLM states of the action queries -> waypoints and the instruction-completed logit."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from models.common.layers import MLP
from models.lmgendrive.config import ActionConfig


class ActionHead(nn.Module):
    """Two two-layer MLPs over the concatenated action-query states.

    choice: the ``N`` action-query states are concatenated (not pooled), so each query can
    specialise; waypoints are predicted as per-step offsets and cumulated (x forward, y left [m]).
    """

    def __init__(self, config: ActionConfig, llm_dim: int) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_dim or llm_dim
        in_dim = config.num_queries * llm_dim
        self.waypoint_mlp = MLP([in_dim, hidden, 2 * config.num_waypoints])
        self.completion_mlp = MLP([in_dim, hidden, 1])

    def forward(self, states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Args: states ``(B, N, D)``. Returns: waypoints ``(B, W, 2)`` [m], completion logit ``(B,)``."""
        flat = states.flatten(1).float()
        steps = self.waypoint_mlp(flat).unflatten(1, (self.config.num_waypoints, 2))
        return steps.cumsum(dim=1), self.completion_mlp(flat)[:, 0]


def action_loss(
    waypoints: torch.Tensor, completion_logit: torch.Tensor, target_waypoints: torch.Tensor, completed: torch.Tensor
) -> dict[str, torch.Tensor]:
    """L1 on waypoints ``(B, W, 2)`` and BCE on the completion flag ``(B,)`` in {0, 1}."""
    return {
        "waypoints": F.l1_loss(waypoints, target_waypoints),
        "completion": F.binary_cross_entropy_with_logits(completion_logit, completed.float()),
    }
