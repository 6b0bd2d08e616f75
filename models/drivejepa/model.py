"""Drive-JEPA (perception-based): V-JEPA 2 video encoder + proposal-centric planner.

Inputs: ``clip (B, T, 3, H, W)`` float in [0, 1] (front camera, oldest first, T = 2 at 2 Hz),
``ego_status (B, 11)`` from :func:`ego_status`. Outputs: see :meth:`ProposalHead.forward`.
Selection among proposals happens outside the module (argmax or the momentum-aware selector).
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models.common import checkpoint as common_checkpoint
from models.drivejepa.config import MODEL_NAME, DriveJEPAConfig
from models.drivejepa.planner import ProposalHead
from models.drivejepa.vit import VideoViT, load_vjepa2_weights

LOGGER = logging.getLogger(__name__)
IGNORED_CONFIG_PATHS = ("checkpoint_path", "encoder.checkpoint")


TARGET_POINT_SCALE = 10.0  # [m] the target point enters the ego status divided by this


def ego_status(
    velocity: torch.Tensor,
    acceleration: torch.Tensor,
    command: torch.Tensor,
    num_commands: int = 4,
    target_point: torch.Tensor | None = None,
) -> torch.Tensor:
    """Ego-status vector ``(B, 7 + C [+ 2])``.

    Layout: pose (3, zero in the local frame), velocity (2) [m/s], acceleration (2) [m/s^2], command
    one-hot (C), then the route target point (2, local frame, divided by ``TARGET_POINT_SCALE``) when given.
    """
    pose = velocity.new_zeros(velocity.shape[0], 3)
    onehot = F.one_hot(command.long().clamp(0, num_commands - 1), num_commands).to(velocity)
    parts = [pose, velocity, acceleration, onehot]
    if target_point is not None:
        parts.append(target_point.to(velocity) / TARGET_POINT_SCALE)
    return torch.cat(parts, dim=-1)


class DriveJEPA(nn.Module):
    """Encoder -> Linear to ``d_model`` -> feature map ``(B, d, h, w)`` -> :class:`ProposalHead`."""

    def __init__(self, config: DriveJEPAConfig) -> None:
        super().__init__()
        self.config = config
        self.encoder = VideoViT(config.encoder)
        self.image_proj = nn.Linear(config.encoder.embed_dim, config.planner.d_model)
        self.head = ProposalHead(config.planner, config.camera)

    def feature_map(self, clip: torch.Tensor) -> torch.Tensor:
        """``(B, T, 3, H, W)`` -> ``(B, d, h, w)``; several tubelets are averaged over time."""
        tokens, (t, h, w) = self.encoder(clip)
        feats = self.image_proj(tokens).view(clip.shape[0], t, h, w, -1).mean(dim=1)
        return feats.permute(0, 3, 1, 2)

    def forward(self, clip: torch.Tensor, status: torch.Tensor) -> dict[str, torch.Tensor]:
        return self.head(self.feature_map(clip), status)

    def param_groups(self, lr: float, weight_decay: float = 0.0) -> list[dict]:
        """AdamW groups: the encoder at ``lr * encoder.lr_scale``, everything else at ``lr``."""
        encoder = [p for p in self.encoder.parameters() if p.requires_grad]
        ids = {id(p) for p in encoder}
        rest = [p for p in self.parameters() if p.requires_grad and id(p) not in ids]
        return [
            {"params": encoder, "lr": lr * self.config.encoder.lr_scale, "weight_decay": weight_decay},
            {"params": rest, "lr": lr, "weight_decay": weight_decay},
        ]


def build_model(config: DriveJEPAConfig) -> DriveJEPA:
    """A Drive-JEPA with weights from, in order: ``checkpoint_path``, the V-JEPA 2 encoder checkpoint, random init."""
    model = DriveJEPA(config)
    path = Path(config.checkpoint_path) if config.checkpoint_path else None
    if path is not None and path.is_file():
        common_checkpoint.load_checkpoint(path, model, config, MODEL_NAME, ignore=IGNORED_CONFIG_PATHS)
        LOGGER.info("loaded Drive-JEPA weights from %s", path)
        return model
    encoder_path = Path(config.encoder.checkpoint) if config.encoder.checkpoint else None
    if encoder_path is not None and encoder_path.is_file():
        load_vjepa2_weights(model.encoder, encoder_path)
    elif path is not None or encoder_path is not None:
        LOGGER.warning("Drive-JEPA checkpoints not found (%s, %s): random weights", path, encoder_path)
    return model
