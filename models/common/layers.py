"""Small building blocks shared by the models: MLP, sine positional encoding, freezing helpers."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch
from torch import nn


class MLP(nn.Module):
    """``Linear -> act -> ... -> Linear`` with ``len(dims) - 1`` layers (no activation after the last)."""

    def __init__(self, dims: Iterable[int], activation: type[nn.Module] = nn.ReLU, dropout: float = 0.0) -> None:
        super().__init__()
        dims = list(dims)
        if len(dims) < 2:
            raise ValueError(f"MLP needs at least input and output sizes, got {dims}")
        layers: list[nn.Module] = []
        for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
            layers.append(nn.Linear(d_in, d_out))
            if i < len(dims) - 2:
                layers.append(activation())
                if dropout > 0:
                    layers.append(nn.Dropout(dropout))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def sine_position_encoding_2d(height: int, width: int, dim: int, temperature: float = 10000.0) -> torch.Tensor:
    """DETR-style 2-D sine encoding ``(height * width, dim)``, rows major (token ``r * width + c``).

    Half of ``dim`` encodes the row, half the column; ``dim`` must be divisible by 4.
    """
    if dim % 4:
        raise ValueError(f"sine_position_encoding_2d needs dim divisible by 4, got {dim}")
    quarter = dim // 4
    freq = temperature ** (torch.arange(quarter, dtype=torch.float32) / quarter)  # (dim/4,)
    rows = torch.arange(height, dtype=torch.float32)[:, None] / freq  # (H, dim/4)
    cols = torch.arange(width, dtype=torch.float32)[:, None] / freq  # (W, dim/4)
    row_enc = torch.cat([rows.sin(), rows.cos()], dim=-1)  # (H, dim/2)
    col_enc = torch.cat([cols.sin(), cols.cos()], dim=-1)  # (W, dim/2)
    grid = torch.cat(
        [row_enc[:, None, :].expand(height, width, -1), col_enc[None, :, :].expand(height, width, -1)], dim=-1
    )
    return grid.reshape(height * width, dim)


def sine_embedding_1d(values: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Sinusoidal embedding ``(..., dim)`` of real-valued ``values`` (e.g. timesteps, positions)."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=values.device) / half)
    args = values.float()[..., None] * freqs  # (..., dim/2)
    emb = torch.cat([args.sin(), args.cos()], dim=-1)
    return nn.functional.pad(emb, (0, dim - 2 * half))


def freeze(module: nn.Module, frozen: bool = True) -> nn.Module:
    """Switch ``requires_grad`` off (or back on) for every parameter of ``module``; returns it."""
    for param in module.parameters():
        param.requires_grad_(not frozen)
    return module


def count_parameters(module: nn.Module, trainable_only: bool = False) -> int:
    """Number of (trainable) parameters."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
