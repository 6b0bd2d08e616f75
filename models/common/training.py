"""Seeding and a short optimisation loop (used by loss-falls tests and smoke training)."""

from __future__ import annotations

import random
from collections.abc import Callable

import numpy as np
import torch
from torch import nn


def seed_everything(seed: int) -> None:
    """Seed Python, numpy and torch RNGs."""
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002  (libraries that draw from the legacy global RNG)
    torch.manual_seed(seed)


def optimise_steps(
    module: nn.Module, loss_fn: Callable[[], torch.Tensor], steps: int, lr: float = 1e-3, weight_decay: float = 0.0
) -> list[float]:
    """Run ``steps`` AdamW steps on the trainable parameters of ``module``.

    Args:
        module: the model (only parameters with ``requires_grad`` are optimised).
        loss_fn: computes the scalar loss of a fixed batch.
        steps: optimiser steps.
        lr: learning rate.
        weight_decay: AdamW weight decay.

    Returns:
        The loss before each step (``steps`` values).
    """
    params = [p for p in module.parameters() if p.requires_grad]
    if not params:
        raise ValueError("optimise_steps: the module has no trainable parameters")
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    losses = []
    for _ in range(steps):
        optimiser.zero_grad(set_to_none=True)
        loss = loss_fn()
        if not torch.isfinite(loss):
            raise FloatingPointError(f"optimise_steps: non-finite loss {loss.item()}")
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    return losses
