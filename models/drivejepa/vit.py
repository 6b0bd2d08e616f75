"""V-JEPA 2-style video ViT: tubelet patch embedding, pre-norm blocks with 3-D rotary embeddings.

Module names follow V-JEPA 2's encoder (``patch_embed.proj``, ``blocks.i.attn.qkv``, ``norm``) so
its target-encoder weights load with at most a prefix strip (:func:`load_vjepa2_weights`).
Input clips ``(B, T, 3, H, W)`` in [0, 1] are ImageNet-normalised inside the module.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models.drivejepa.config import EncoderConfig

LOGGER = logging.getLogger(__name__)
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def rope_3d(grid: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Positions ``(L, 3)`` (time, row, column) -> cos, sin ``(L, head_dim / 2)``; a third of the dim per axis."""
    per_axis = 2 * (head_dim // 6)
    parts = []
    for axis in range(3):
        inv = theta ** (-torch.arange(0, per_axis, 2, dtype=torch.float32, device=grid.device) / per_axis)
        parts.append(grid[:, axis : axis + 1].float() * inv)
    angles = torch.cat(parts, dim=-1)
    pad = head_dim // 2 - angles.shape[-1]  # leftover pairs (head_dim not divisible by 6) stay unrotated
    angles = F.pad(angles, (0, pad))
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive pairs of ``x (B, heads, L, head_dim)``."""
    pairs = x.unflatten(-1, (-1, 2))
    x0, x1 = pairs[..., 0], pairs[..., 1]
    return torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)


class RoPEAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        """``(B, L, dim)`` -> ``(B, L, dim)``."""
        q, k, v = self.qkv(x).unflatten(-1, (3, self.heads, -1)).permute(2, 0, 3, 1, 4)
        q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        return self.proj(F.scaled_dot_product_attention(q, k, v).transpose(1, 2).flatten(2))


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = RoPEAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = nn.Sequential()
        self.mlp.add_module("fc1", nn.Linear(dim, hidden))
        self.mlp.add_module("act", nn.GELU())
        self.mlp.add_module("fc2", nn.Linear(hidden, dim))

    def forward(self, x: torch.Tensor, rope: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        x = x + self.attn(self.norm1(x), rope)
        return x + self.mlp(self.norm2(x))


class PatchEmbed3D(nn.Module):
    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        p, t = config.patch_size, config.tubelet
        self.proj = nn.Conv3d(3, config.embed_dim, kernel_size=(t, p, p), stride=(t, p, p))

    def forward(self, clip: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` -> ``(B, D, T/t, H/p, W/p)``."""
        return self.proj(clip)


class VideoViT(nn.Module):
    """Clip ``(B, T, 3, H, W)`` in [0, 1] -> tokens ``(B, T/t * H/p * W/p, D)`` and their grid ``(T/t, H/p, W/p)``."""

    def __init__(self, config: EncoderConfig) -> None:
        super().__init__()
        self.config = config
        self.patch_embed = PatchEmbed3D(config)
        self.blocks = nn.ModuleList(
            Block(config.embed_dim, config.num_heads, config.mlp_ratio) for _ in range(config.depth)
        )
        self.norm = nn.LayerNorm(config.embed_dim, eps=1e-6)
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 1, 3, 1, 1), persistent=False)

    def forward(self, clip: torch.Tensor) -> tuple[torch.Tensor, tuple[int, int, int]]:
        x = self.patch_embed(((clip - self.mean) / self.std).transpose(1, 2))
        grid = tuple(x.shape[2:])
        positions = torch.stack(torch.meshgrid(*(torch.arange(n) for n in grid), indexing="ij"), dim=-1)
        rope = rope_3d(
            positions.reshape(-1, 3).to(x.device), x.shape[1] // self.config.num_heads, self.config.rope_theta
        )
        x = x.flatten(2).transpose(1, 2)
        for block in self.blocks:
            x = block(x, rope)
        return self.norm(x), grid


def load_vjepa2_weights(encoder: VideoViT, path: str | Path) -> None:
    """Load a V-JEPA 2 checkpoint's (target) encoder into ``encoder``, stripping DDP / wrapper prefixes.

    Raises:
        FileNotFoundError: no file at ``path``.
        RuntimeError: no parameter of ``encoder`` was found in the checkpoint (wrong file).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"V-JEPA 2 checkpoint '{path}' not found")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    state = payload.get("target_encoder") or payload.get("encoder") or payload
    cleaned = {}
    for key, value in state.items():
        for prefix in ("module.", "backbone."):
            key = key.removeprefix(prefix)
        cleaned[key] = value
    result = encoder.load_state_dict(cleaned, strict=False)
    if len(result.missing_keys) == len(encoder.state_dict()):
        raise RuntimeError(f"'{path}' holds no parameter of the V-JEPA 2 encoder (keys: {list(cleaned)[:5]}...)")
    LOGGER.info("loaded V-JEPA 2 encoder from %s (missing %d keys)", path, len(result.missing_keys))
