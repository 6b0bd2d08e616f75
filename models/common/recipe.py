"""Training recipes: optimisation settings per model and preset, and the shared training command line.

A recipe is ``models/<name>/recipes/<preset>.yaml`` (keys of :class:`TrainRecipe`, optionally with
per-stage sections such as ``stage1:``); command-line flags override it. Recipes are kept apart
from the model config on purpose: a checkpoint's config describes the network, and loading it
must not depend on how long it was trained.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from models.common import config as config_lib


@dataclass(frozen=True)
class TrainRecipe:
    """Attributes:
    max_steps: optimisation steps. batch_size: samples per step. lr, weight_decay: AdamW.
    warmup_steps: linear warm-up. schedule: ``constant`` or ``cosine`` (to ``min_lr_ratio`` lr).
    grad_clip: gradient-norm clip. log_every / save_every / val_every: in steps (val_every 0: at the end only).
    val_samples: held-out samples per validation. workers: data-loading processes (0: in the training process).
    seed: seeds initialisation, sample order and per-sample randomness. threads: torch threads.
    turn_weight: how much more often a sample whose expert plan turns is drawn (1: plain shuffling). Turns
        are a sixth of expert driving yet decide route completion; the field's answer is to rebalance
        (CIL's per-command balance), here by drawing with weights.
    turn_offset: [m] lateral offset of the expert plan's last pose (local frame) that makes a sample a turn.
    """

    max_steps: int = 100
    batch_size: int = 8
    lr: float = 1e-4
    weight_decay: float = 0.0
    warmup_steps: int = 10
    schedule: str = "constant"
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    log_every: int = 10
    save_every: int = 100
    val_every: int = 0
    val_samples: int = 256
    workers: int = 0
    seed: int = 0
    threads: int = 1
    turn_weight: float = 1.0
    turn_offset: float = 2.0  # [m]

    def __post_init__(self) -> None:
        if self.schedule not in ("constant", "cosine"):
            raise ValueError(f"schedule must be 'constant' or 'cosine', got {self.schedule!r}")
        if self.max_steps < 0 or self.batch_size < 1:
            raise ValueError(f"max_steps must be >= 0 and batch_size >= 1, got {self.max_steps}, {self.batch_size}")
        if not (self.turn_weight > 0 and self.turn_offset > 0):
            raise ValueError(f"turn_weight and turn_offset must be > 0, got {self.turn_weight}, {self.turn_offset}")

    def lr_factor(self, step: int) -> float:
        """Multiplier of the base learning rate at ``step`` (0-based)."""
        warm = min(1.0, (step + 1) / max(1, self.warmup_steps))
        if self.schedule == "constant" or step < self.warmup_steps:
            return warm
        progress = (step - self.warmup_steps) / max(1, self.max_steps - self.warmup_steps)
        cosine = 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
        return self.min_lr_ratio + (1.0 - self.min_lr_ratio) * cosine


_FLAGS = ("max_steps", "batch_size", "lr", "warmup_steps", "log_every", "save_every", "val_every", "val_samples",
          "workers", "seed", "threads", "turn_weight", "turn_offset")  # fmt: skip


def training_parser(description: str, data_required: bool = True) -> argparse.ArgumentParser:
    """The command line every ``models.<name>.train`` shares (a model may add its own flags)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--preset", default="cpu", help="model preset (cpu/tiny/full) or a YAML path")
    data_help = "dataset folder(s), comma-separated: the expert's data, DAgger rounds"
    parser.add_argument("--data", required=data_required, help=data_help)
    parser.add_argument("--out", required=True, help="output folder (checkpoints, TensorBoard, run.json)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--recipe", default=None, help="recipe YAML (default: the preset's, if it has one)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop (and save) after this wall time")
    defaults = TrainRecipe()
    for flag in _FLAGS:
        kind = type(getattr(defaults, flag))  # int or float, as the recipe's default
        parser.add_argument(f"--{flag.replace('_', '-')}", type=kind, default=None, help="overrides the recipe")
    return parser


def load_recipe(
    package_dir: Path, preset: str, args: argparse.Namespace | None = None, section: str | None = None
) -> TrainRecipe:
    """The recipe of ``preset`` (``package_dir/recipes/<preset>.yaml`` or ``args.recipe``), its
    ``section`` applied on top, then the flags given on the command line."""
    given = args is not None and args.recipe
    path = Path(args.recipe) if given else package_dir / "recipes" / f"{Path(preset).stem}.yaml"
    if given and not path.is_file():
        raise FileNotFoundError(f"--recipe: '{path}' not found")
    data = (yaml.safe_load(path.read_text()) or {}) if path.is_file() else {}
    sections = {k: data.pop(k) for k in list(data) if k.startswith("stage")}
    if section is not None:
        data.update(sections.get(section, {}))
    if args is not None:
        data.update({k: getattr(args, k) for k in _FLAGS if getattr(args, k, None) is not None})
    try:
        return config_lib.config_from_dict(TrainRecipe, data)
    except config_lib.ConfigError as error:
        raise config_lib.ConfigError(f"{path}: {error}") from error


def recipe_dict(recipe: TrainRecipe) -> dict:
    return dataclasses.asdict(recipe)
