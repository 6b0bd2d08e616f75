"""A small resumable training loop: AdamW, warm-up (+ cosine), gradient clipping, TensorBoard, validation.

Shared by every model's ``train.py``. Checkpoints use ``models.common.checkpoint`` (weights +
config, refused when the config differs) and carry the step and the run's seed; the optimiser
state sits beside them. ``OUT/run.json`` records the recipe and provenance, ``OUT/validation.jsonl``
one line per validation.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from models.common import checkpoint as common_checkpoint
from models.common.recipe import TrainRecipe, recipe_dict

LOGGER = logging.getLogger(__name__)
CHECKPOINT_FILE = "last.pt"
OPTIMISER_FILE = "last_optimiser.pt"
VALIDATION_FILE = "validation.jsonl"


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


def _save(model, optimiser, out: Path, config: Any, name: str, step: int, extra: Mapping) -> None:
    common_checkpoint.save_checkpoint(out / CHECKPOINT_FILE, model, config, name, extra={**extra, "step": step})
    torch.save(optimiser.state_dict(), out / OPTIMISER_FILE)


def _log_terms(writer, terms: Mapping[str, torch.Tensor], step: int, total: float) -> str:
    """TensorBoard scalars of the total and every term; returns them as a log fragment."""
    writer.add_scalar("train/loss", total, step)
    parts = []
    for key, value in terms.items():
        if key == "loss":
            continue
        number = float(value.detach())
        writer.add_scalar(f"train/{key}", number, step)
        parts.append(f"{key} {number:.4f}")
    return ", ".join(parts)


def _validate(validate: Callable, model: nn.Module, writer, out: Path, step: int) -> dict[str, float]:
    metrics = validate(model)
    for key, value in metrics.items():
        writer.add_scalar(f"val/{key}", value, step)
    with open(out / VALIDATION_FILE, "a") as stream:
        stream.write(json.dumps({"step": step, **metrics}) + "\n")
    line = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())
    print(f"validation at step {step}: {line}", flush=True)
    return metrics


def run_training(
    model: nn.Module,
    model_config: Any,
    name: str,
    recipe: TrainRecipe,
    param_groups: list[dict],
    make_batch: Callable[[int], Any],
    compute_loss: Callable[[nn.Module, Any], dict[str, torch.Tensor]],
    out_dir: str | Path,
    resume: bool = False,
    ignore: tuple[str, ...] = (),
    validate: Callable[[nn.Module], dict[str, float]] | None = None,
    extra: Mapping[str, Any] | None = None,
    max_minutes: float | None = None,
) -> list[float]:
    """Train ``model`` until ``recipe.max_steps``; returns the total losses of the steps run in this call.

    Args:
        model: the module; its trainable parameters are in ``param_groups``.
        model_config: its frozen config (stored in checkpoints).
        name: model name for checkpoints.
        recipe: optimisation settings (lr, schedule, steps, logging / saving / validation periods).
        param_groups: AdamW parameter groups (each may carry its own ``lr``: kept as a multiplier).
        make_batch: ``step -> batch``; deterministic in ``step`` so a resumed run sees the same data.
        compute_loss: ``(model, batch) -> {"loss": total, term: value, ...}``.
        out_dir: checkpoints, TensorBoard events, ``run.json``, ``validation.jsonl``.
        resume: continue from ``out_dir/last.pt`` when it exists.
        ignore: config paths allowed to differ on resume (local weight paths).
        validate: ``model -> metrics``, run every ``recipe.val_every`` steps and at the end.
        extra: plain metadata saved in every checkpoint and in ``run.json`` (data, stage, ...).
        max_minutes: stop after the step that crosses this wall time (a checkpoint is saved).
    """
    from torch.utils.tensorboard import SummaryWriter  # lazy: only training needs tensorboard

    torch.set_num_threads(recipe.threads)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    meta = {"model": name, "seed": recipe.seed, **dict(extra or {})}
    (out / "run.json").write_text(json.dumps({**meta, "recipe": recipe_dict(recipe)}, indent=1, default=str))
    for group in param_groups:
        group.setdefault("lr", recipe.lr)
        group["base_lr"] = group["lr"]
    optimiser = torch.optim.AdamW(param_groups, lr=recipe.lr, weight_decay=recipe.weight_decay)
    start = _restore(model, optimiser, out, model_config, name, ignore) if resume else 0
    params = [p for g in param_groups for p in g["params"]]
    writer = SummaryWriter(str(out / "tensorboard"))
    losses: list[float] = []
    started = last_log = time.perf_counter()
    logged = start
    model.train()
    for step in range(start, recipe.max_steps):
        for group in optimiser.param_groups:
            group["lr"] = group["base_lr"] * recipe.lr_factor(step)
        terms = compute_loss(model, make_batch(step))
        total = float(terms["loss"].detach())
        if not math.isfinite(total):
            raise FloatingPointError(f"non-finite loss {total} at step {step}")
        optimiser.zero_grad(set_to_none=True)
        terms["loss"].backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, recipe.grad_clip)
        optimiser.step()
        losses.append(total)
        detail = _log_terms(writer, terms, step, total)
        writer.add_scalar("train/grad_norm", float(grad_norm), step)
        writer.add_scalar("train/lr", optimiser.param_groups[-1]["lr"], step)
        timed_out = max_minutes is not None and time.perf_counter() - started > 60 * max_minutes
        done = step + 1 == recipe.max_steps or timed_out
        if (step + 1) % recipe.log_every == 0 or done:
            rate = (step + 1 - logged) * recipe.batch_size / max(time.perf_counter() - last_log, 1e-9)
            last_log, logged = time.perf_counter(), step + 1
            writer.add_scalar("train/samples_per_s", rate, step)
            LOGGER.info("step %d/%d loss %.4f (%s) %.1f samples/s", step + 1, recipe.max_steps, total, detail, rate)
        if (step + 1) % recipe.save_every == 0 or done:
            _save(model, optimiser, out, model_config, name, step + 1, meta)
        if validate is not None and (done or (recipe.val_every and (step + 1) % recipe.val_every == 0)):
            _validate(validate, model, writer, out, step + 1)
        if done:
            break
    writer.close()
    return losses
