"""Which weights a planner runs: a checkpoint (any training stage), the shipped one, or a random preset.

A checkpoint carries its config, so a planner given ``checkpoint: PATH`` builds exactly the network
that was trained (a ``preset`` given as well must agree with it). With neither, the model's shipped
checkpoint (``models/<name>/checkpoints/cpu.pt``) is used; a missing one is a clear error that says
how to train it. A ``preset`` alone builds random weights (tests, wiring).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from torch import nn

from models.common import checkpoint as common_checkpoint
from models.common.config import ConfigMismatchError, config_differences, config_from_dict, config_to_dict

LOGGER = logging.getLogger(__name__)
T = TypeVar("T")
SHIPPED_PRESET = "cpu"


def shipped_checkpoint(package_dir: Path) -> Path:
    """``<package>/checkpoints/cpu.pt``: the trained small checkpoint that ships with a model."""
    return Path(package_dir) / "checkpoints" / f"{SHIPPED_PRESET}.pt"


def checkpoint_name_matches(found: str, name: str) -> bool:
    """A model's checkpoints are named ``name``; older LMGenDrive stage checkpoints ``name-stage<k>``."""
    return found == name or found.startswith(f"{name}-stage")


def load_planner_model(
    name: str,
    config_cls: type[T],
    build: Callable[[T], nn.Module],
    load_preset: Callable[[str], T],
    package_dir: Path,
    checkpoint: str | None,
    preset: str | None,
    ignore: tuple[str, ...] = (),
    train_command: str = "",
) -> tuple[nn.Module, T, dict[str, Any]]:
    """The model a planner drives, its config and the checkpoint's metadata (see the module docstring).

    Args:
        name: model name stored in checkpoints.
        config_cls: the model's config dataclass.
        build: ``config -> model`` with random weights.
        load_preset: ``preset name or YAML -> config``.
        package_dir: the model package (for the shipped checkpoint).
        checkpoint: a checkpoint file, or ``None``.
        preset: a preset, or ``None``.
        ignore: config paths allowed to differ between checkpoint and preset (local weight paths).
        train_command: how to produce a checkpoint (quoted in the error when none is found).

    Raises:
        FileNotFoundError: the checkpoint (given or shipped) does not exist.
        ConfigMismatchError: the checkpoint holds another model, or ``preset`` differs from its config.
    """
    if checkpoint is None and preset is not None:
        LOGGER.warning("%s planner without a checkpoint: random %s weights, it will not drive well", name, preset)
        config = load_preset(preset)
        return build(config), config, {}
    path = Path(checkpoint) if checkpoint is not None else shipped_checkpoint(package_dir)
    if not path.is_file():
        kind = "checkpoint" if checkpoint is not None else "shipped checkpoint"
        raise FileNotFoundError(
            f"{name}: {kind} '{path}' not found; train one ({train_command}) and pass checkpoint: PATH, "
            "or set preset: tiny for random weights"
        )
    payload = common_checkpoint.read_checkpoint(path)
    if not checkpoint_name_matches(payload["model"], name):
        raise ConfigMismatchError(f"checkpoint '{path}' holds model '{payload['model']}', expected '{name}'",
                                  {"model": (name, payload["model"])})  # fmt: skip
    config = config_from_dict(config_cls, payload["config"])
    if preset is not None:
        diffs = config_differences(config_to_dict(load_preset(preset)), payload["config"])
        diffs = {k: v for k, v in diffs.items() if not any(k == p or k.startswith(p + ".") for p in ignore)}
        if diffs:
            lines = ", ".join(f"{k}: preset {a!r} vs checkpoint {b!r}" for k, (a, b) in diffs.items())
            raise ConfigMismatchError(f"checkpoint '{path}' was trained with another config than '{preset}' ({lines})",
                                      diffs)  # fmt: skip
    model = build(config)
    model.load_state_dict(payload["state_dict"], strict=True)
    LOGGER.info("%s planner: weights from %s (%s)", name, path, payload.get("extra", {}))
    return model, config, dict(payload.get("extra", {}))
