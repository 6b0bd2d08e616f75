"""Instruction tokenisation: the real LLM tokenizer from a local folder, or the toy word tokenizer.

The toy vocabulary covers the words of LangAuto's instruction and notice families (turns,
intersections, lanes, highways, roundabouts, distances, hazards), written here from the families
listed in the spec, not copied from LMDrive's instruction file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from models.common.tokenizer import WordTokenizer
from models.lmgendrive.config import LLMConfig

INSTRUCTION_WORDS = (
    "turn left right go straight continue keep follow the a an at in on to of for until after before",
    "next intersection junction t traffic light lights crossroad roundabout exit first second third",
    "change lane left right merge enter leave highway road route course drive driving freely along",
    "meters metres m ahead behind then and please now immediately slow down decelerate stop halt start",
    "pedestrian bicycle cyclist vehicle car abrupt stopping running red green yellow rough tunnel notice",
    "navigation point waypoint current position with speed be careful watch out there is are",
    "0 1 2 3 4 5 6 7 8 9 10 20 30 40 50 60 70 80 90 100 . , !",
)


class HFTokenizerAdapter:
    """Gives a transformers tokenizer the :class:`WordTokenizer` ``batch_encode`` interface."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.unk_token or tokenizer.eos_token

    @property
    def vocab_size(self) -> int:
        return len(self.tokenizer)

    def batch_encode(self, texts: Sequence[str], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
        enc = self.tokenizer(list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="pt")
        return enc["input_ids"], enc["attention_mask"].bool()


def build_tokenizer(config: LLMConfig) -> WordTokenizer | HFTokenizerAdapter:
    """Tokenizer from ``config.tokenizer_path`` when that folder exists, else the toy one.

    Raises:
        ValueError: the tokenizer has more ids than the LLM's embedding table.
    """
    if config.tokenizer_path and Path(config.tokenizer_path).is_dir():
        from transformers import AutoTokenizer  # lazy: only full presets need it

        tokenizer = HFTokenizerAdapter(AutoTokenizer.from_pretrained(config.tokenizer_path, use_fast=False))
    else:
        tokenizer = WordTokenizer(INSTRUCTION_WORDS)
    if tokenizer.vocab_size > config.vocab_size:
        raise ValueError(f"tokenizer has {tokenizer.vocab_size} ids but llm.vocab_size is {config.vocab_size}")
    return tokenizer


def encode_instructions(tokenizer, texts: Sequence[str | None], max_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ids ``(B, L)`` and mask ``(B, L)`` bool of instructions (``None`` = empty instruction)."""
    return tokenizer.batch_encode([t or "" for t in texts], max_length=max_length)
