"""A word-level toy tokenizer for tiny presets and tests (no hub downloads).

Full presets use the real LLM tokenizer from a local path; this one only has to turn short driving
instructions into stable ids. Words are lower-cased runs of letters/digits; anything not in the
vocabulary maps to ``<unk>``. Ids 0-3 are ``<pad>``, ``<bos>``, ``<eos>``, ``<unk>``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import torch

SPECIAL_TOKENS = ("<pad>", "<bos>", "<eos>", "<unk>")
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def split_words(text: str) -> list[str]:
    """Lower-cased words and single punctuation marks of ``text``."""
    return _WORD.findall(text.lower())


class WordTokenizer:
    """Maps words to ids over a fixed vocabulary built in code.

    Attributes:
        pad_token_id, bos_token_id, eos_token_id, unk_token_id: the special ids (0..3).
    """

    pad_token_id = 0
    bos_token_id = 1
    eos_token_id = 2
    unk_token_id = 3

    def __init__(self, words: Iterable[str]) -> None:
        vocab = list(SPECIAL_TOKENS)
        seen = set(vocab)
        for word in words:
            for piece in split_words(word):
                if piece not in seen:
                    seen.add(piece)
                    vocab.append(piece)
        self.vocab: tuple[str, ...] = tuple(vocab)
        self._ids = {w: i for i, w in enumerate(self.vocab)}

    @classmethod
    def from_texts(cls, texts: Iterable[str]) -> WordTokenizer:
        """Vocabulary = every word of ``texts`` in order of first appearance."""
        return cls(texts)

    def __len__(self) -> int:
        return len(self.vocab)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(
        self, text: str, add_bos: bool = True, add_eos: bool = False, max_length: int | None = None
    ) -> list[int]:
        """Ids of ``text``; truncated to ``max_length`` (specials included)."""
        ids = [self._ids.get(w, self.unk_token_id) for w in split_words(text)]
        ids = ([self.bos_token_id] if add_bos else []) + ids + ([self.eos_token_id] if add_eos else [])
        return ids[:max_length] if max_length is not None else ids

    def decode(self, ids: Sequence[int], skip_special: bool = True) -> str:
        words = [self.vocab[i] for i in ids if not (skip_special and i < len(SPECIAL_TOKENS))]
        return " ".join(words)

    def batch_encode(
        self, texts: Sequence[str], max_length: int, add_bos: bool = True, add_eos: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ids ``(B, L)`` int64 and attention mask ``(B, L)`` bool, ``L <= max_length``."""
        encoded = [self.encode(t, add_bos, add_eos, max_length) for t in texts]
        length = max((len(e) for e in encoded), default=1) or 1
        ids = torch.full((len(texts), length), self.pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(texts), length), dtype=torch.bool)
        for row, seq in enumerate(encoded):
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            mask[row, : len(seq)] = True
        return ids, mask
