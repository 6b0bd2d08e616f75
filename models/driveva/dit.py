"""Wan2.x-shaped diffusion transformer with per-token timesteps, 3-D RoPE and an attention mask.

Why our own blocks instead of diffusers' ``WanTransformer3DModel``: DriveVA appends action tokens
to the video sequence, gives every token its own timestep (clean history at t = 0), places the
action tokens at fractional positions on the RoPE time axis and needs a block-level attention
mask; the diffusers class patchifies a dense video internally and takes none of these. The block
layout follows Wan (AdaLN-modulated self-attention with RMSNorm on q/k, cross-attention to the
text context, GELU FFN, modulated output head), so the module names map one-to-one onto a
converted Wan checkpoint.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from models.driveva.config import DiTConfig


def sinusoidal_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Timesteps ``(...)`` -> ``(..., dim)`` [cos | sin] features."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float().unsqueeze(-1) * freqs
    return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)


def rope_angles(positions: torch.Tensor, head_dim: int, theta: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Positions ``(L, 3)`` (time, height, width; may be fractional) -> cos, sin ``(L, head_dim / 2)``.

    The head dim is split as Wan does: height and width get ``2 (d // 6)`` each, time the rest.
    """
    side = 2 * (head_dim // 6)
    parts = []
    for axis, size in enumerate((head_dim - 2 * side, side, side)):
        inv = theta ** (-torch.arange(0, size, 2, dtype=torch.float32, device=positions.device) / size)
        parts.append(positions[:, axis : axis + 1].float() * inv)
    angles = torch.cat(parts, dim=-1)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate consecutive pairs of ``x (B, heads, L, head_dim)`` by the angles ``(L, head_dim / 2)``."""
    pairs = x.float().unflatten(-1, (-1, 2))
    x0, x1 = pairs[..., 0], pairs[..., 1]
    out = torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1)
    return out.flatten(-2).type_as(x)


class Attention(nn.Module):
    """Multi-head attention with RMSNorm on q and k; RoPE and a boolean mask are optional."""

    def __init__(self, dim: int, heads: int, context_dim: int | None = None, eps: float = 1e-6) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(context_dim or dim, dim)
        self.v = nn.Linear(context_dim or dim, dim)
        self.o = nn.Linear(dim, dim)
        self.norm_q = nn.RMSNorm(dim, eps=eps)
        self.norm_k = nn.RMSNorm(dim, eps=eps)

    def forward(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
        mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``x (B, L, dim)``, ``context (B, Lc, dim)``, ``mask (L, Lc)`` True = may attend."""
        ctx = x if context is None else context
        q = self.norm_q(self.q(x)).unflatten(-1, (self.heads, -1)).transpose(1, 2)
        k = self.norm_k(self.k(ctx)).unflatten(-1, (self.heads, -1)).transpose(1, 2)
        v = self.v(ctx).unflatten(-1, (self.heads, -1)).transpose(1, 2)
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.o(out.transpose(1, 2).flatten(2))


class DiTBlock(nn.Module):
    """AdaLN self-attention, cross-attention to the context, AdaLN GELU FFN (Wan block layout)."""

    def __init__(self, config: DiTConfig) -> None:
        super().__init__()
        dim = config.dim
        self.norm1 = nn.LayerNorm(dim, eps=config.eps, elementwise_affine=False)
        self.self_attn = Attention(dim, config.num_heads, eps=config.eps)
        self.norm3 = nn.LayerNorm(dim, eps=config.eps)
        self.cross_attn = Attention(dim, config.num_heads, eps=config.eps)
        self.norm2 = nn.LayerNorm(dim, eps=config.eps, elementwise_affine=False)
        self.ffn = nn.Sequential(
            nn.Linear(dim, config.ffn_dim), nn.GELU(approximate="tanh"), nn.Linear(config.ffn_dim, dim)
        )
        self.modulation = nn.Parameter(torch.randn(1, 1, 6, dim) / dim**0.5)

    def forward(
        self,
        x: torch.Tensor,
        e: torch.Tensor,
        context: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor],
        mask: torch.Tensor | None,
    ) -> torch.Tensor:
        """``x (B, L, dim)``, per-token modulation ``e (B, L, 6, dim)``, ``context (B, Lc, dim)``."""
        shift_a, scale_a, gate_a, shift_f, scale_f, gate_f = (self.modulation + e).unbind(2)
        x = x + gate_a * self.self_attn(self.norm1(x) * (1 + scale_a) + shift_a, rope=rope, mask=mask)
        x = x + self.cross_attn(self.norm3(x), context=context)
        return x + gate_f * self.ffn(self.norm2(x) * (1 + scale_f) + shift_f)


class DiT(nn.Module):
    """Token-level DiT: callers assemble the sequence (video patches, action tokens) themselves.

    Args:
        config: the DiT config.
        latent_channels: VAE channels (patch embedding input, video head output).
        text_dim: width of the conditioning context.
    """

    def __init__(self, config: DiTConfig, latent_channels: int, text_dim: int) -> None:
        super().__init__()
        self.config = config
        dim, patch = config.dim, config.patch_size
        self.latent_channels = latent_channels
        self.patch_embedding = nn.Conv3d(latent_channels, dim, kernel_size=patch, stride=patch)
        self.text_embedding = nn.Sequential(nn.Linear(text_dim, dim), nn.GELU(approximate="tanh"), nn.Linear(dim, dim))
        self.time_embedding = nn.Sequential(nn.Linear(config.freq_dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.time_projection = nn.Sequential(nn.SiLU(), nn.Linear(dim, 6 * dim))
        self.blocks = nn.ModuleList(DiTBlock(config) for _ in range(config.num_layers))
        self.head_norm = nn.LayerNorm(dim, eps=config.eps, elementwise_affine=False)
        self.head_modulation = nn.Parameter(torch.randn(1, 1, 2, dim) / dim**0.5)
        self.head = nn.Linear(dim, latent_channels * math.prod(patch))

    def patchify(self, latents: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(B, z, F, h, w)`` -> tokens ``(B, F h' w', dim)`` and grid positions ``(F h' w', 3)``."""
        x = self.patch_embedding(latents)
        f, h, w = x.shape[2:]
        grid = torch.stack(torch.meshgrid(*(torch.arange(n) for n in (f, h, w)), indexing="ij"), dim=-1)
        return x.flatten(2).transpose(1, 2), grid.reshape(-1, 3).float().to(latents.device)

    def unpatchify(self, tokens: torch.Tensor, grid: tuple[int, int, int]) -> torch.Tensor:
        """Head outputs ``(B, F h' w', z pt ph pw)`` -> ``(B, z, F pt, h' ph, w' pw)``."""
        pt, ph, pw = self.config.patch_size
        f, h, w = grid
        x = tokens.reshape(tokens.shape[0], f, h, w, pt, ph, pw, self.latent_channels)
        x = x.permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.reshape(tokens.shape[0], self.latent_channels, f * pt, h * ph, w * pw)

    def forward(
        self,
        tokens: torch.Tensor,
        timesteps: torch.Tensor,
        positions: torch.Tensor,
        context: torch.Tensor,
        mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the blocks.

        Args:
            tokens: ``(B, L, dim)`` embedded tokens.
            timesteps: ``(B, L)`` per-token timestep in [0, 1000].
            positions: ``(L, 3)`` RoPE positions (time, height, width).
            context: ``(B, Lc, text_dim)`` conditioning.
            mask: ``(L, L)`` bool, True = may attend, or ``None`` for full attention.

        Returns:
            hidden ``(B, L, dim)`` and the per-token time embedding ``(B, L, dim)`` (for the head).
        """
        e = self.time_embedding(sinusoidal_embedding(timesteps, self.config.freq_dim))
        e6 = self.time_projection(e).unflatten(-1, (6, -1))
        rope = rope_angles(positions, self.config.dim // self.config.num_heads, self.config.rope_theta)
        ctx = self.text_embedding(context)
        x = tokens
        for block in self.blocks:
            x = block(x, e6, ctx, rope, mask)
        return x, e

    def video_head(self, hidden: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        """Modulated output projection of video tokens ``(B, Lv, dim)`` -> ``(B, Lv, z pt ph pw)``."""
        shift, scale = (self.head_modulation + e.unsqueeze(2)).unbind(2)
        return self.head(self.head_norm(hidden) * (1 + scale) + shift)
