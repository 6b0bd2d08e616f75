"""A small resumable training loop: AdamW, linear warm-up, gradient clipping, TensorBoard, max steps.

Shared by every model's ``train.py``. Checkpoints use ``models.common.checkpoint`` (weights +
config, refused when the config differs); the optimiser state sits beside them.
"""

from __future__ import annotations

import argparse
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.common import checkpoint as common_checkpoint

LOGGER = logging.getLogger(__name__)
CHECKPOINT_FILE = "last.pt"
OPTIMISER_FILE = "last_optimiser.pt"


@dataclass(frozen=True)
class LoopConfig:
    """Optimisation settings (defaults: DriveVA's lr 1e-4, weight decay 0.01, 100 warm-up steps)."""

    max_steps: int = 100
    lr: float = 1e-4
    weight_decay: float = 0.01
    warmup_steps: int = 100
    grad_clip: float = 1.0
    log_every: int = 10
    save_every: int = 100


def _restore(model: nn.Module, optimiser: torch.optim.Optimizer, out: Path, config: Any, name: str, ignore) -> int:
    """Load ``last.pt`` and the optimiser state; returns the step to continue from (0 without a checkpoint)."""
    path = out / CHECKPOINT_FILE
    if not path.is_file():
        LOGGER.info("no checkpoint in %s: starting from scratch", out)
        return 0
    extra = common_checkpoint.load_checkpoint(path, model, config, name, ignore=ignore)
    if (out / OPTIMISER_FILE).is_file():
        optimiser.load_state_dict(torch.load(out / OPTIMISER_FILE, map_location="cpu", weights_only=True))
    LOGGER.info("resumed from %s at step %d", path, extra.get("step", 0))
    return int(extra.get("step", 0))


def _save(model: nn.Module, optimiser: torch.optim.Optimizer, out: Path, config: Any, name: str, step: int) -> None:
    common_checkpoint.save_checkpoint(out / CHECKPOINT_FILE, model, config, name, extra={"step": step})
    torch.save(optimiser.state_dict(), out / OPTIMISER_FILE)


def run_training(
    model: nn.Module,
    model_config: Any,
    name: str,
    loop: LoopConfig,
    param_groups: list[dict],
    make_batch: Callable[[int], dict],
    compute_loss: Callable[[nn.Module, dict], dict[str, torch.Tensor]],
    out_dir: str | Path,
    resume: bool = False,
    ignore: tuple[str, ...] = (),
) -> list[float]:
    """Train ``model`` until ``loop.max_steps``; returns the losses of the steps run in this call.

    Args:
        model: the module; its trainable parameters are in ``param_groups``.
        model_config: its frozen config (stored in checkpoints).
        name: model name for checkpoints.
        loop: optimisation settings.
        param_groups: AdamW parameter groups (each may carry its own ``lr``: kept as a multiplier).
        make_batch: ``step -> batch``; deterministic in ``step`` so a resumed run sees the same data.
        compute_loss: ``(model, batch) -> {"loss": scalar, other scalars...}``.
        out_dir: checkpoints and TensorBoard events.
        resume: continue from ``out_dir/last.pt`` when it exists.
        ignore: config paths allowed to differ on resume (local weight paths).
    """
    from torch.utils.tensorboard import SummaryWriter  # lazy: only training needs tensorboard

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for group in param_groups:
        group.setdefault("lr", loop.lr)
        group["base_lr"] = group["lr"]
    optimiser = torch.optim.AdamW(param_groups, lr=loop.lr, weight_decay=loop.weight_decay)
    start = _restore(model, optimiser, out, model_config, name, ignore) if resume else 0
    params = [p for g in param_groups for p in g["params"]]
    writer = SummaryWriter(str(out / "tensorboard"))
    losses = []
    model.train()
    for step in range(start, loop.max_steps):
        warm = min(1.0, (step + 1) / max(1, loop.warmup_steps))
        for group in optimiser.param_groups:
            group["lr"] = group["base_lr"] * warm
        terms = compute_loss(model, make_batch(step))
        loss = terms["loss"]
        value = float(loss.detach())
        if not math.isfinite(value):
            raise FloatingPointError(f"non-finite loss {value} at step {step}")
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, loop.grad_clip)
        optimiser.step()
        losses.append(value)
        for key, value in terms.items():
            writer.add_scalar(f"train/{key}", float(value.detach()), step)
        writer.add_scalar("train/grad_norm", float(grad_norm), step)
        if (step + 1) % loop.log_every == 0:
            LOGGER.info("step %d loss %.4f", step + 1, value)
        if (step + 1) % loop.save_every == 0 or step + 1 == loop.max_steps:
            _save(model, optimiser, out, model_config, name, step + 1)
    writer.close()
    return losses


def training_parser(description: str, warmup_steps: int = 10) -> argparse.ArgumentParser:
    """The command line every ``models.<name>.train`` shares (a model may add its own flags)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--preset", default="tiny", help="preset name (tiny/full) or YAML path")
    parser.add_argument("--max-steps", type=int, default=100, help="stop after this many optimisation steps")
    parser.add_argument("--out", required=True, help="output folder (checkpoints, TensorBoard)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--warmup-steps", type=int, default=warmup_steps)
    parser.add_argument("--save-every", type=int, default=100)
    return parser


def loop_config(args: argparse.Namespace, weight_decay: float) -> LoopConfig:
    """The :class:`LoopConfig` of parsed :func:`training_parser` arguments."""
    return LoopConfig(
        max_steps=args.max_steps,
        lr=args.lr,
        weight_decay=weight_decay,
        warmup_steps=args.warmup_steps,
        save_every=args.save_every,
    )
