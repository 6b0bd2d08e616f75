"""Checkpoints that carry their config, so weights are never loaded into a different architecture.

Layout of the file (``torch.save`` of plain types, loadable with ``weights_only=True``)::

    {"format": 1, "model": <name>, "config": <nested dict>, "state_dict": {...}, "extra": {...}}
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.common.config import ConfigMismatchError, config_differences, config_to_dict

LOGGER = logging.getLogger(__name__)
CHECKPOINT_FORMAT = 1


def save_checkpoint(path: str | Path, model: nn.Module, config: Any, name: str, extra: Mapping | None = None) -> Path:
    """Write ``model``'s weights with its config atomically (temp file + rename).

    Args:
        path: destination file.
        model: the module whose ``state_dict`` is saved.
        config: the model's frozen config dataclass.
        name: model name (e.g. ``"lmgendrive"``), checked on load.
        extra: plain-typed metadata (training step, stage...).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": CHECKPOINT_FORMAT,
        "model": name,
        "config": config_to_dict(config),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "extra": dict(extra or {}),
    }
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    try:
        torch.save(payload, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    LOGGER.info("saved %s checkpoint to %s", name, path)
    return path


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (tensors on CPU)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint '{path}' not found")
    payload = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"checkpoint '{path}' is not in format {CHECKPOINT_FORMAT} (see models.common.checkpoint)")
    return payload


def load_checkpoint(
    path: str | Path, model: nn.Module, config: Any, name: str, ignore: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Load weights into ``model`` after checking the saved config equals ``config``.

    Args:
        path: checkpoint file.
        model: module to fill (strict state-dict load).
        config: the config ``model`` was built with.
        name: expected model name.
        ignore: dotted config paths (prefixes) allowed to differ, e.g. local weight paths.

    Returns:
        The checkpoint's ``extra`` metadata.

    Raises:
        ConfigMismatchError: the model name or a config field differs (every difference listed).
    """
    payload = read_checkpoint(path)
    if payload["model"] != name:
        raise ConfigMismatchError(
            f"checkpoint '{path}' holds model '{payload['model']}', expected '{name}'",
            {"model": (name, payload["model"])},
        )
    diffs = config_differences(config_to_dict(config), payload["config"])
    diffs = {k: v for k, v in diffs.items() if not any(k == p or k.startswith(p + ".") for p in ignore)}
    if diffs:
        lines = ", ".join(f"{k}: model {a!r} vs checkpoint {b!r}" for k, b, a in _flip(diffs))
        raise ConfigMismatchError(f"checkpoint '{path}' was saved with a different config ({lines})", diffs)
    model.load_state_dict(payload["state_dict"], strict=True)
    return payload["extra"]


def _flip(diffs: Mapping[str, tuple[Any, Any]]) -> list[tuple[str, Any, Any]]:
    return [(key, found, expected) for key, (expected, found) in diffs.items()]
