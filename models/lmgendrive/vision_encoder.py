"""Multi-view vision encoder: ResNet per view -> transformer fusion -> BEV decoder, with stage-1 heads.

LMDrive's memfuser without the LiDAR branch (LMGenDrive is camera-only): a shared ResNet turns
each view into a patch-token map plus a global token; a transformer encoder fuses all views; a
decoder with ``H x W`` BEV positional queries, ``num_waypoint_queries`` waypoint queries and one
traffic-light query reads the fused tokens. The speed is embedded and added to the special queries.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from models.common.layers import sine_position_encoding_2d
from models.common.resnet import ResNet
from models.lmgendrive.config import VisionConfig


@dataclass
class VisionOutput:
    """Per-frame outputs of :class:`VisionEncoder` (``B`` = batch of frames).

    Attributes:
        tokens: ``(B, N_tok, d)`` pooled BEV + light + waypoint tokens for the Q-Former (layer-normed).
        detection: ``(B, H*W, 1 + det_outputs)`` per BEV cell: objectness logit, box / speed regression.
        light_logits: ``(B, num_light_classes)``.
        waypoints: ``(B, num_waypoint_queries, 2)`` ego-frame x forward, y left [m].
        bev_semantic: ``(B, H*W, bev_semantic_channels)`` logits, or ``None`` without that head.
    """

    tokens: torch.Tensor
    detection: torch.Tensor
    light_logits: torch.Tensor
    waypoints: torch.Tensor
    bev_semantic: torch.Tensor | None = None


def _encoder(config: VisionConfig, layers: int) -> nn.TransformerEncoder:
    layer = nn.TransformerEncoderLayer(
        config.dim, config.heads, config.ffn_dim, config.dropout, batch_first=True, norm_first=True
    )
    return nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)


def _decoder(config: VisionConfig) -> nn.TransformerDecoder:
    layer = nn.TransformerDecoderLayer(
        config.dim, config.heads, config.ffn_dim, config.dropout, batch_first=True, norm_first=True
    )
    return nn.TransformerDecoder(layer, config.decoder_layers, norm=nn.LayerNorm(config.dim))


class VisionEncoder(nn.Module):
    """Images of ``V`` views + speed -> BEV / light / waypoint tokens and stage-1 predictions."""

    def __init__(self, config: VisionConfig) -> None:
        super().__init__()
        self.config = config
        d = config.dim
        self.backbone = ResNet(config.backbone)
        self.proj = nn.Conv2d(config.backbone.out_channels[-1], d, 1)  # LMDrive's "HybridEmbed"
        self.global_proj = nn.Linear(config.backbone.out_channels[-1], d)
        self.view_embed = nn.Parameter(torch.randn(config.num_views, d) * 0.02)
        self.global_embed = nn.Parameter(torch.randn(config.num_views, d) * 0.02)
        self.encoder = _encoder(config, config.encoder_layers)
        h, w = config.bev_size
        self.bev_queries = nn.Parameter(torch.randn(h * w, d) * 0.02)
        self.register_buffer("bev_pos", sine_position_encoding_2d(h, w, d), persistent=False)
        self.special_queries = nn.Parameter(torch.randn(1 + config.num_waypoint_queries, d) * 0.02)
        self.speed_embed = nn.Linear(1, d)
        self.decoder = _decoder(config)
        self.det_head = nn.Linear(d, 1 + config.det_outputs)
        self.light_head = nn.Linear(d, config.num_light_classes)
        self.waypoint_head = nn.Linear(d, 2)
        channels = config.bev_semantic_channels
        self.bev_head = nn.Linear(d, channels) if channels > 0 else None
        self.out_norm = nn.LayerNorm(d)  # LMDrive normalises the visual tokens before the Q-Former

    def _view_tokens(self, images: torch.Tensor) -> torch.Tensor:
        """``(B, V, 3, H, W)`` -> ``(B, V * (h*w + 1), d)`` patch + global tokens of every view."""
        b, v = images.shape[:2]
        if v != self.config.num_views:
            raise ValueError(f"VisionEncoder expects {self.config.num_views} views, got {v}")
        feat = self.backbone(images.flatten(0, 1))[-1]  # (B*V, C, h, w)
        patches = self.proj(feat)  # (B*V, d, h, w)
        h, w = patches.shape[-2:]
        pos = sine_position_encoding_2d(h, w, self.config.dim).to(patches)  # (h*w, d)
        patches = patches.flatten(2).transpose(1, 2) + pos  # (B*V, h*w, d)
        glob = self.global_proj(feat.mean(dim=(2, 3)))[:, None]  # (B*V, 1, d)
        patches = patches.unflatten(0, (b, v)) + self.view_embed[None, :, None]
        glob = glob.unflatten(0, (b, v)) + self.global_embed[None, :, None]
        return torch.cat([patches, glob], dim=2).flatten(1, 2)

    def forward(self, images: torch.Tensor, speed: torch.Tensor) -> VisionOutput:
        """Args: images ``(B, V, 3, H, W)`` normalised; speed ``(B,)`` [m/s]."""
        memory = self.encoder(self._view_tokens(images))  # (B, V*(hw+1), d)
        b = memory.shape[0]
        special = self.special_queries[None] + self.speed_embed(speed.float()[:, None, None])  # (B, 1+W, d)
        bev = (self.bev_queries + self.bev_pos)[None].expand(b, -1, -1)
        out = self.decoder(torch.cat([bev, special], dim=1), memory)  # (B, HW + 1 + W, d)
        n_bev = bev.shape[1]
        bev_out, light, wps = out[:, :n_bev], out[:, n_bev], out[:, n_bev + 1 :]
        return VisionOutput(
            tokens=self.out_norm(torch.cat([self._pool_bev(bev_out), light[:, None], wps], dim=1)),
            detection=self.det_head(bev_out),
            light_logits=self.light_head(light),
            # each waypoint query predicts a step; the cumulative sum gives positions (GRU-free LMDrive head)
            waypoints=self.waypoint_head(wps).cumsum(dim=1),
            bev_semantic=self.bev_head(bev_out) if self.bev_head is not None else None,
        )

    def _pool_bev(self, bev: torch.Tensor) -> torch.Tensor:
        """``(B, H*W, d)`` -> ``(B, p*p, d)`` average-pooled BEV tokens (LMDrive: 50x50 -> 10x10)."""
        h, w = self.config.bev_size
        grid = bev.transpose(1, 2).unflatten(2, (h, w))  # (B, d, H, W)
        pooled = F.adaptive_avg_pool2d(grid, self.config.bev_pool)
        return pooled.flatten(2).transpose(1, 2)


def vision_pretraining_loss(
    out: VisionOutput,
    detection: torch.Tensor,
    light: torch.Tensor,
    waypoints: torch.Tensor,
    weights,
    bev_semantic: torch.Tensor | None = None,
) -> dict[str, torch.Tensor]:
    """Stage-1 loss (LMDrive's weights: 0.5 detection, 0.5 waypoints, 0.1 light; + the semantic BEV head).

    Args:
        out: encoder outputs.
        detection: ``(B, H*W, 1 + det_outputs)`` targets: occupancy in {0, 1}, then box / speed values
            (only read where occupied).
        light: ``(B,)`` int64 light class.
        waypoints: ``(B, num_waypoint_queries, 2)`` [m].
        weights: :class:`~models.lmgendrive.config.LossConfig`.
        bev_semantic: ``(B, H*W, C)`` fraction of each BEV cell covered by each raster channel, when
            the encoder has the semantic head.
    """
    occupied = detection[..., 0]
    det_cls = F.binary_cross_entropy_with_logits(out.detection[..., 0], occupied)
    mask = occupied[..., None].expand_as(detection[..., 1:])
    reg = (F.l1_loss(out.detection[..., 1:], detection[..., 1:], reduction="none") * mask).sum()
    det_reg = reg / mask.sum().clamp(min=1.0)
    losses = {
        "detection": det_cls + det_reg,
        "light": F.cross_entropy(out.light_logits, light),
        "vision_waypoints": F.l1_loss(out.waypoints, waypoints),
    }
    if out.bev_semantic is not None and bev_semantic is not None:
        losses["bev_semantic"] = F.binary_cross_entropy_with_logits(out.bev_semantic, bev_semantic)
    losses["total"] = sum(getattr(weights, name) * value for name, value in losses.items())
    return losses
