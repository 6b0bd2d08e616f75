"""Conditioning of the world generator: CLIP-style features of the last frame fused with world queries.

Per view, the last observed frame is encoded by a CLIP vision transformer; the tokens of all
views attend to each other (so generated views stay consistent) and cross-attend to the LLM's
world-query states (what the model "imagines" next). The result, plus one token embedding the
predicted waypoints, is the U-Net's cross-attention context of that view.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F
from transformers import CLIPVisionConfig, CLIPVisionModel

from models.common.images import IMAGENET_MEAN, IMAGENET_STD
from models.common.layers import MLP
from models.lmgendrive.config import WorldConfig

CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)


def renormalise(images: torch.Tensor, size: int, mean_in, std_in, mean_out, std_out) -> torch.Tensor:
    """Resize ``(N, 3, H, W)`` to ``size`` and change its channel normalisation."""

    def stats(values):
        return torch.as_tensor(values, dtype=images.dtype, device=images.device)[:, None, None]

    raw = images * stats(std_in) + stats(mean_in)  # [0, 1]
    if raw.shape[-1] != size or raw.shape[-2] != size:
        raw = F.interpolate(raw, size=(size, size), mode="bilinear", align_corners=False, antialias=True)
    return (raw - stats(mean_out)) / stats(std_out)


def build_clip(config: WorldConfig) -> CLIPVisionModel:
    """CLIP vision tower from ``clip_path`` when it exists, else random init of the configured size."""
    if config.clip_path and Path(config.clip_path).is_dir():
        return CLIPVisionModel.from_pretrained(config.clip_path)
    return CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=config.clip_dim,
            intermediate_size=4 * config.clip_dim,
            num_hidden_layers=config.clip_layers,
            num_attention_heads=config.clip_heads,
            image_size=config.clip_image_size,
            patch_size=config.clip_patch,
        )
    )


class FusionLayer(nn.Module):
    """Pre-LN: self-attention across every view's tokens, cross-attention to world states, FFN."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.self_attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.ffn = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))

    def forward(self, x: torch.Tensor, world: torch.Tensor) -> torch.Tensor:
        """Args: x ``(B, V*P, c)`` view tokens; world ``(B, K, c)``."""
        h = self.norm1(x)
        x = x + self.self_attn(h, h, h, need_weights=False)[0]
        x = x + self.cross_attn(self.norm2(x), world, world, need_weights=False)[0]
        return x + self.ffn(self.norm3(x))


class WorldFusion(nn.Module):
    """Last frame ``(B, V, 3, H, W)`` + world states ``(B, K, D)`` (+ waypoints) -> ``(B*V, P', c)``."""

    def __init__(self, config: WorldConfig, llm_dim: int, num_views: int, num_waypoints: int) -> None:
        super().__init__()
        self.config = config
        c = config.cond_dim
        self.clip = build_clip(config)
        self.clip_proj = nn.Linear(self.clip.config.hidden_size, c)
        self.world_proj = nn.Linear(llm_dim, c)
        self.view_embed = nn.Parameter(torch.randn(num_views, c) * 0.02)
        self.layers = nn.ModuleList(FusionLayer(c, config.fusion_heads) for _ in range(config.fusion_layers))
        self.norm = nn.LayerNorm(c)
        self.action_embed = MLP([2 * num_waypoints, c, c]) if config.condition_on_action else None

    def forward(self, last_images: torch.Tensor, world_states: torch.Tensor, waypoints: torch.Tensor) -> torch.Tensor:
        """Args:
            last_images: ``(B, V, 3, H, W)`` ImageNet-normalised last observed frame.
            world_states: ``(B, K, D)`` LLM states at the world queries.
            waypoints: ``(B, W, 2)`` predicted waypoints [m] (used when ``condition_on_action``).

        Returns:
            ``(B*V, P + 1 [+ 1], c)`` cross-attention context per view (view-major within a sample).
        """
        b, v = last_images.shape[:2]
        size = self.clip.config.image_size
        pixels = renormalise(last_images.flatten(0, 1), size, IMAGENET_MEAN, IMAGENET_STD, CLIP_MEAN, CLIP_STD)
        tokens = self.clip_proj(self.clip(pixel_values=pixels).last_hidden_state)  # (B*V, P+1, c)
        p = tokens.shape[1]
        x = (tokens.unflatten(0, (b, v)) + self.view_embed[None, :, None]).flatten(1, 2)  # (B, V*P, c)
        world = self.world_proj(world_states.to(x.dtype))
        for layer in self.layers:
            x = layer(x, world)
        context = self.norm(x).unflatten(1, (v, p)).flatten(0, 1)  # (B*V, P, c)
        if self.action_embed is not None:
            action = self.action_embed(waypoints.flatten(1).to(x.dtype))  # (B, c)
            action = action[:, None, None].expand(b, v, 1, -1).flatten(0, 1)  # (B*V, 1, c)
            context = torch.cat([context, action], dim=1)
        return context
