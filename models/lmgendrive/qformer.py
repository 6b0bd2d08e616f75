"""Q-Former (BLIP-2 / InstructBLIP style) and the MLP adapter into the LLM.

Learned queries and the instruction text share bidirectional self-attention; in every
``cross_attention_freq``-th layer the query positions (only) cross-attend to the frame's vision
tokens. Post-LN like BERT. Written in plain torch, see :class:`~models.lmgendrive.config.QFormerConfig`.
"""

from __future__ import annotations

import torch
from torch import nn

from models.lmgendrive.config import QFormerConfig


class QFormerLayer(nn.Module):
    """Self-attention over [queries; text], optional query->vision cross-attention, FFN."""

    def __init__(self, config: QFormerConfig, vision_dim: int, cross: bool) -> None:
        super().__init__()
        d = config.dim
        self.self_attn = nn.MultiheadAttention(d, config.heads, config.dropout, batch_first=True)
        self.norm1 = nn.LayerNorm(d)
        self.cross_attn = (
            nn.MultiheadAttention(d, config.heads, config.dropout, batch_first=True, kdim=vision_dim, vdim=vision_dim)
            if cross
            else None
        )
        self.norm_cross = nn.LayerNorm(d) if cross else None
        self.ffn = nn.Sequential(nn.Linear(d, config.ffn_dim), nn.GELU(), nn.Linear(config.ffn_dim, d))
        self.norm2 = nn.LayerNorm(d)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x: torch.Tensor, pad_mask: torch.Tensor, num_queries: int, vision: torch.Tensor) -> torch.Tensor:
        """Args: x ``(B, Q + L, d)``; pad_mask ``(B, Q + L)`` True = padding; vision ``(B, N, d_v)``."""
        attn, _ = self.self_attn(x, x, x, key_padding_mask=pad_mask, need_weights=False)
        x = self.norm1(x + self.dropout(attn))
        if self.cross_attn is not None:
            queries = x[:, :num_queries]
            cross, _ = self.cross_attn(queries, vision, vision, need_weights=False)
            queries = self.norm_cross(queries + self.dropout(cross))
            x = torch.cat([queries, x[:, num_queries:]], dim=1)
        return self.norm2(x + self.dropout(self.ffn(x)))


class QFormer(nn.Module):
    """Vision tokens + instruction ids -> ``num_queries`` query states per frame."""

    def __init__(self, config: QFormerConfig, vision_dim: int, vocab_size: int) -> None:
        super().__init__()
        self.config = config
        d = config.dim
        self.queries = nn.Parameter(torch.randn(config.num_queries, d) * 0.02)
        # Text is tokenised with the LLM tokenizer, so the word table has the LLM's vocabulary (as LMDrive).
        self.word_embed = nn.Embedding(vocab_size, d)
        self.pos_embed = nn.Embedding(config.max_text_len, d)
        self.embed_norm = nn.LayerNorm(d)
        self.layers = nn.ModuleList(
            QFormerLayer(config, vision_dim, cross=(i % config.cross_attention_freq == 0)) for i in range(config.layers)
        )

    def forward(self, vision: torch.Tensor, text_ids: torch.Tensor, text_mask: torch.Tensor) -> torch.Tensor:
        """Args:
            vision: ``(B, N, d_v)`` one frame's vision tokens per row.
            text_ids: ``(B, L)`` instruction ids (truncated to ``max_text_len``).
            text_mask: ``(B, L)`` bool, True on real tokens.

        Returns:
            ``(B, Q, d)`` query states.
        """
        text_ids, text_mask = text_ids[:, : self.config.max_text_len], text_mask[:, : self.config.max_text_len]
        b, n_text = text_ids.shape
        positions = torch.arange(n_text, device=text_ids.device)
        text = self.word_embed(text_ids) + self.pos_embed(positions)[None]
        queries = self.queries[None].expand(b, -1, -1)
        x = self.embed_norm(torch.cat([queries, text], dim=1))  # (B, Q + L, d)
        q = self.config.num_queries
        pad = torch.cat([torch.zeros(b, q, dtype=torch.bool, device=x.device), ~text_mask.bool()], dim=1)
        for layer in self.layers:
            x = layer(x, pad, q, vision)
        return x[:, :q]


class Adapter(nn.Module):
    """Two-layer MLP from Q-Former width to the LLM width (LMDrive: a single Linear)."""

    def __init__(self, in_dim: int, out_dim: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, out_dim), nn.GELU(), nn.Linear(out_dim, out_dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)
