"""The LLM wrapper: builds the LLaMA body and runs ``[instruction][frame tokens...][queries]``.

Each sample's valid instruction tokens, valid frames (``num_queries`` tokens each) and the trailing
action / world queries are packed left-aligned and right-padded, so positions are contiguous and
the trailing queries always see the whole valid context through causal attention.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn
from transformers import LlamaConfig, LlamaModel

from models.common.config import ConfigMismatchError
from models.common.layers import freeze
from models.lmgendrive.config import LLMConfig

LOGGER = logging.getLogger(__name__)


def build_llama(config: LLMConfig) -> LlamaModel:
    """LLaMA body from ``config``; weights from ``pretrained_path`` when that folder exists."""
    path = Path(config.pretrained_path) if config.pretrained_path else None
    dtype = getattr(torch, config.dtype)
    if path is not None and path.is_dir():
        model = LlamaModel.from_pretrained(path, dtype=dtype)
        if model.config.hidden_size != config.hidden_size:
            raise ConfigMismatchError(
                f"LLM at '{path}' has hidden size {model.config.hidden_size}, config says {config.hidden_size}",
                {"llm.hidden_size": (config.hidden_size, model.config.hidden_size)},
            )
        return model
    if path is not None:
        LOGGER.warning("LLM weights '%s' not found: random initialisation (load a trained checkpoint)", path)
    return LlamaModel(
        LlamaConfig(
            hidden_size=config.hidden_size,
            intermediate_size=config.intermediate_size,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            num_key_value_heads=config.heads,
            vocab_size=config.vocab_size,
            max_position_embeddings=config.max_positions,
        )
    ).to(dtype)


def pack_sequence(
    parts: list[tuple[torch.Tensor, torch.Tensor]], order_keys: list[torch.Tensor] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Concatenate ``(embeddings (B, n_i, D), valid (B, n_i) bool)`` parts and move valid tokens left.

    Args:
        parts: the token groups, in their default order.
        order_keys: optional ``(B, n_i)`` sort keys per part: valid tokens are ordered by key (ties keep
            the concatenation order), e.g. to splice a notice after a given frame.

    Returns:
        packed ``(B, N, D)`` and its attention mask ``(B, N)`` bool, valid tokens first in order.
    """
    embeds = torch.cat([p[0] for p in parts], dim=1)
    valid = torch.cat([p[1].bool() for p in parts], dim=1)
    keys = torch.zeros(valid.shape, device=valid.device) if order_keys is None else torch.cat(order_keys, 1).float()
    keys = torch.where(valid, keys, torch.full_like(keys, float("inf")))  # valid first, order kept
    order = torch.argsort(keys, dim=1, stable=True)
    packed = torch.gather(embeds, 1, order[..., None].expand(-1, -1, embeds.shape[-1]))
    return packed, torch.gather(valid, 1, order)


class LanguageModel(nn.Module):
    """LLaMA over instruction + frame history + trailing query tokens."""

    def __init__(self, config: LLMConfig) -> None:
        super().__init__()
        self.config = config
        self.model = build_llama(config)
        if config.freeze:
            freeze(self.model)

    @property
    def hidden_size(self) -> int:
        return self.model.config.hidden_size

    def forward(
        self,
        text_ids: torch.Tensor,
        text_mask: torch.Tensor,
        frame_tokens: torch.Tensor,
        frame_mask: torch.Tensor,
        queries: torch.Tensor,
        notice: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Args:
            text_ids: ``(B, L)`` instruction ids; text_mask ``(B, L)`` bool.
            frame_tokens: ``(B, T, Q, D)`` adapted Q-Former outputs of the history, oldest first.
            frame_mask: ``(B, T)`` bool, True on real frames.
            queries: ``(B, K, D)`` trailing learned queries (action, then world).
            notice: optional ``(ids (B, Ln), mask (B, Ln), after (B,) long)``: notice tokens spliced in
                after frame ``after`` of each sample (LMDrive); rows with ``after < 0`` have none.

        Returns:
            ``(B, K, D)`` last-layer hidden states at the query positions.
        """
        b, t, q, d = frame_tokens.shape
        device = frame_tokens.device
        text = self.model.embed_tokens(text_ids[:, : self.config.max_instruction_len])
        text_mask = text_mask[:, : self.config.max_instruction_len]
        frames = frame_tokens.reshape(b, t * q, d)
        frames_valid = frame_mask.bool()[:, :, None].expand(b, t, q).reshape(b, t * q)
        k = queries.shape[1]
        ones = torch.ones(b, k, dtype=torch.bool, device=device)
        dtype = self.model.embed_tokens.weight.dtype
        parts = [(text, text_mask), (frames.to(dtype), frames_valid), (queries.to(dtype), ones)]
        # sort keys: text 0, frame f at 1 + 2 f, a notice after frame f at 2 + 2 f, queries last
        frame_keys = (1 + 2 * torch.arange(t, device=device)).repeat_interleave(q)[None].expand(b, -1)
        keys = [torch.zeros(text_mask.shape, device=device), frame_keys, torch.full((b, k), 2.0 * t + 2, device=device)]
        if notice is not None:
            ids, mask, after = notice
            ids, mask = ids[:, : self.config.max_instruction_len], mask[:, : self.config.max_instruction_len]
            valid = mask.bool() & (after[:, None] >= 0)
            parts.insert(2, (self.model.embed_tokens(ids), valid))
            keys.insert(2, (2 + 2 * after.clamp(min=0))[:, None].expand_as(ids))
        embeds, mask = pack_sequence(parts, keys)
        hidden = self.model(inputs_embeds=embeds, attention_mask=mask.long()).last_hidden_state  # (B, N, D)
        end = mask.sum(dim=1)  # index after the last valid token = after the trailing queries
        index = end[:, None] - k + torch.arange(k, device=end.device)[None]  # (B, K)
        return torch.gather(hidden, 1, index[..., None].expand(-1, -1, hidden.shape[-1])).float()
