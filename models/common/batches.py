"""Deterministic, resumable batches over a torch dataset: batch ``k`` is the same whether or not the
run was interrupted before it (epoch ``e`` shuffles with seed ``(seed, e)``; the last partial batch
of an epoch is dropped). With sampling weights an epoch draws ``len(dataset)`` items with replacement
in proportion to them instead."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
from torch.utils.data import DataLoader, Dataset


class BatchStream:
    """``stream(step) -> batch``; cheap when called with consecutive steps (one loader per epoch).

    Args:
        dataset: items; ``set_epoch(e)`` is called on it when it has one (per-item randomness).
        batch_size: items per batch (capped at the dataset size).
        collate: items -> batch.
        seed: shuffling seed.
        workers: loader processes (0: load in this process).
        weights: ``(len(dataset),)`` non-negative sampling weights, or ``None`` (every item once per epoch).
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        collate: Callable,
        seed: int = 0,
        workers: int = 0,
        weights: np.ndarray | None = None,
    ):
        if len(dataset) == 0:
            raise ValueError("BatchStream: the dataset is empty")
        if weights is not None:
            weights = np.asarray(weights, dtype=np.float64)
            if weights.shape != (len(dataset),) or not np.all(np.isfinite(weights)) or np.any(weights < 0):
                raise ValueError(f"BatchStream: weights must be {len(dataset)} finite values >= 0, got {weights.shape}")
            if weights.sum() <= 0:
                raise ValueError("BatchStream: the weights sum to 0")
        self.weights = None if weights is None else weights / weights.sum()
        self.dataset, self.collate, self.seed, self.workers = dataset, collate, seed, workers
        self.batch_size = min(batch_size, len(dataset))
        self.steps_per_epoch = len(dataset) // self.batch_size
        self._next: int | None = None
        self._iterator: Iterator | None = None

    def order(self, epoch: int) -> np.ndarray:
        """The item order of ``epoch``."""
        rng = np.random.default_rng((self.seed, epoch))
        if self.weights is None:
            return rng.permutation(len(self.dataset))
        return rng.choice(len(self.dataset), size=len(self.dataset), replace=True, p=self.weights)

    def __call__(self, step: int):
        if step != self._next or self._iterator is None:
            self._start(step)
        try:
            batch = next(self._iterator)
        except StopIteration:
            self._start(step)
            batch = next(self._iterator)
        self._next = step + 1
        return batch

    def _start(self, step: int) -> None:
        epoch, position = divmod(step, self.steps_per_epoch)
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)
        order = self.order(epoch)[position * self.batch_size : self.steps_per_epoch * self.batch_size]
        loader = DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            sampler=order.tolist(),
            collate_fn=self.collate,
            num_workers=self.workers,
            drop_last=True,
        )
        self._iterator = iter(loader)


def evenly_spaced(dataset: Dataset, count: int) -> list[int]:
    """``count`` item indices spread over the dataset (all of them when it is smaller)."""
    n = len(dataset)
    return list(range(n)) if n <= count else np.linspace(0, n - 1, count).round().astype(int).tolist()


def recipe_stream(dataset: Dataset, recipe, collate: Callable) -> BatchStream:
    """The :class:`BatchStream` of a :class:`~models.common.recipe.TrainRecipe`: its batch size, seed,
    loader workers and turn weighting (datasets without ``sampling_weights`` take only ``turn_weight: 1``)."""
    weights = None
    if recipe.turn_weight != 1.0:
        if not hasattr(dataset, "sampling_weights"):
            raise ValueError(f"turn_weight {recipe.turn_weight}: {type(dataset).__name__} cannot weight its samples")
        weights = dataset.sampling_weights(recipe.turn_weight, recipe.turn_offset)
    return BatchStream(dataset, recipe.batch_size, collate, recipe.seed, recipe.workers, weights)
