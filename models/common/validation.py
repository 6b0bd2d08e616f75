"""Open-loop validation on held-out routes: ADE / FDE of a model against the expert's plan, beside
the constant-velocity baseline on the same samples (a model that does not beat it has learned
nothing useful)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, Subset

from models.common.batches import evenly_spaced
from models.common.trajectory import constant_velocity, displacement_errors

Prediction = tuple[np.ndarray, np.ndarray, np.ndarray]
"""``(predicted (B, K, >=2), target (B, K, >=2), speed (B,))`` of one batch."""


def open_loop_validator(
    dataset: Dataset,
    collate: Callable,
    predict: Callable[[nn.Module, object], Prediction],
    interval: float,
    samples: int = 256,
    batch_size: int = 16,
) -> Callable[[nn.Module], dict[str, float]]:
    """A ``validate(model) -> metrics`` closure over ``samples`` evenly spaced items of ``dataset``.

    Metrics: ``ade`` / ``fde`` [m] of the model, ``cv_ade`` / ``cv_fde`` of constant velocity (straight
    ahead at the current speed), ``samples``. ``interval`` [s] is the spacing of the predicted poses.
    """
    subset = Subset(dataset, evenly_spaced(dataset, samples))

    def validate(model: nn.Module) -> dict[str, float]:
        was_training = model.training
        model.eval()
        ades, fdes, cv_ades, cv_fdes = [], [], [], []
        with torch.no_grad():
            for batch in DataLoader(subset, batch_size=batch_size, collate_fn=collate):
                predicted, target, speed = predict(model, batch)
                ade, fde = displacement_errors(predicted, target)
                cv_ade, cv_fde = displacement_errors(constant_velocity(speed, target.shape[1], interval), target)
                for store, values in zip((ades, fdes, cv_ades, cv_fdes), (ade, fde, cv_ade, cv_fde), strict=True):
                    store.extend(values.tolist())
        model.train(was_training)
        return {
            "ade": float(np.mean(ades)),
            "fde": float(np.mean(fdes)),
            "cv_ade": float(np.mean(cv_ades)),
            "cv_fde": float(np.mean(cv_fdes)),
            "samples": float(len(ades)),
        }

    return validate
