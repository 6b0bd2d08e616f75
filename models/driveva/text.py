"""Conditioning context for the DiT's cross-attention: ``(B, L, text_dim)``.

DriveVA renders the driving command and speed into a fixed English prompt and encodes it with
umT5-XXL. Tests may not download a text encoder, so the ``command`` backend embeds the same
information directly: one command token, one speed-bucket token, one speed token and the UTF-8
bytes of an optional language instruction. Both backends share :func:`prompt_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from models.driveva.config import TextConfig

COMMAND_WORDS = ("turn left", "go straight", "turn right", "follow the road")
SPEED_WORDS = ("low", "moderate", "highway")


def speed_bucket(speed: torch.Tensor, thresholds: Sequence[float]) -> torch.Tensor:
    """``(B,)`` speed [m/s] -> ``(B,)`` long bucket index (0 low, 1 moderate, 2 highway)."""
    return torch.bucketize(speed.abs(), torch.tensor(thresholds, dtype=speed.dtype, device=speed.device))


def prompt_text(command: int, speed: float, thresholds: Sequence[float], instruction: str | None = None) -> str:
    """The released prompt template, paraphrased (dashcam, past 2 s, next 4 s, command, speed)."""
    bucket = SPEED_WORDS[int(sum(abs(speed) > t for t in thresholds))]
    cmd = instruction or COMMAND_WORDS[command % len(COMMAND_WORDS)]
    return (
        "A front dashcam video of a car driving. Based on the past 2 seconds, predict the next 4 seconds "
        f"following the command: {cmd}. The car is moving at {bucket} speed [Technical: speed {speed:.1f} m/s]."
    )


class CommandTextEncoder(nn.Module):
    """Local conditioning embedding (no downloads). Output ``(B, 3 + max_tokens, text_dim)``."""

    def __init__(self, config: TextConfig) -> None:
        super().__init__()
        self.config = config
        dim = config.text_dim
        self.command = nn.Embedding(config.num_commands, dim)
        self.bucket = nn.Embedding(len(config.speed_thresholds) + 1, dim)
        self.speed = nn.Linear(1, dim)
        self.byte = nn.Embedding(257, dim, padding_idx=256)  # 256 = padding
        self.position = nn.Parameter(torch.zeros(config.max_tokens, dim))
        self.norm = nn.LayerNorm(dim)

    def byte_ids(self, instructions: Sequence[str | None], device: torch.device) -> torch.Tensor:
        """UTF-8 bytes of each instruction, truncated / padded to ``max_tokens`` -> ``(B, max_tokens)``."""
        rows = []
        for text in instructions:
            data = list((text or "").encode("utf-8"))[: self.config.max_tokens]
            rows.append(data + [256] * (self.config.max_tokens - len(data)))
        return torch.tensor(rows, dtype=torch.long, device=device)

    def forward(
        self, command: torch.Tensor, speed: torch.Tensor, instructions: Sequence[str | None] | None = None
    ) -> torch.Tensor:
        """``command (B,)`` long, ``speed (B,)`` [m/s], optional instructions -> ``(B, L, text_dim)``."""
        b = command.shape[0]
        cmd = self.command(command.clamp(0, self.config.num_commands - 1))
        bucket = self.bucket(speed_bucket(speed, self.config.speed_thresholds))
        spd = self.speed(speed.unsqueeze(-1) / 10.0)
        ids = self.byte_ids(instructions or [None] * b, command.device)
        words = self.byte(ids) + self.position * (ids != 256).unsqueeze(-1)
        return self.norm(torch.cat([torch.stack([cmd, bucket, spd], dim=1), words], dim=1))


class UMT5TextEncoder(nn.Module):
    """Wan's umT5 encoder from a local folder (frozen), fed with :func:`prompt_text`."""

    def __init__(self, config: TextConfig) -> None:
        super().__init__()
        from transformers import AutoTokenizer, UMT5EncoderModel  # lazy: full preset only

        path = Path(config.path)
        if not path.exists():
            raise FileNotFoundError(f"text.path '{path}' does not exist (full preset needs the local umT5 encoder)")
        self.config = config
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        self.model = UMT5EncoderModel.from_pretrained(str(path)).requires_grad_(False).eval()

    @torch.no_grad()
    def forward(
        self, command: torch.Tensor, speed: torch.Tensor, instructions: Sequence[str | None] | None = None
    ) -> torch.Tensor:
        """Same contract as :class:`CommandTextEncoder`; padded positions are zeroed as in Wan."""
        texts = [
            prompt_text(int(c), float(s), self.config.speed_thresholds, (instructions or [None] * len(command))[i])
            for i, (c, s) in enumerate(zip(command.tolist(), speed.tolist(), strict=True))
        ]
        tokens = self.tokenizer(
            texts, padding="max_length", truncation=True, max_length=self.config.max_tokens, return_tensors="pt"
        ).to(command.device)
        hidden = self.model(**tokens).last_hidden_state
        return hidden * tokens["attention_mask"].unsqueeze(-1)


def build_text_encoder(config: TextConfig) -> nn.Module:
    """The conditioning encoder of ``config.backend``."""
    return CommandTextEncoder(config) if config.backend == "command" else UMT5TextEncoder(config)
