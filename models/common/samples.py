"""Torch datasets over the expert dataset: one item per (episode, sample) of a split.

Subclasses build a model's item from an :class:`~models.common.driving_data.reader.Episode` and a
sample index. Random choices inside an item (notice insertion, pseudo-teacher picks) draw from a
generator seeded by ``(seed, epoch, item)``, so a resumed run sees the same items as an
uninterrupted one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from models.common.driving_data import DrivingData, DrivingDataError
from models.common.driving_data.reader import Episode
from models.common.driving_data.union import DrivingDataUnion, open_driving_data


class EpisodeSamples(Dataset):
    """Items of one split of a dataset.

    Args:
        data: a :class:`DrivingData`, a :class:`DrivingDataUnion`, or folder(s) (see ``open_driving_data``).
        split: ``"train"``, ``"val"`` or ``None`` (every episode).
        seed: base seed of the per-item randomness.
        stride: keep every ``stride``-th sample of each episode.
    """

    def __init__(
        self,
        data: DrivingData | DrivingDataUnion | str | Path,
        split: str | None = "train",
        seed: int = 0,
        stride: int = 1,
    ):
        self.data = data if isinstance(data, DrivingData | DrivingDataUnion) else open_driving_data(data)
        self.infos = self.data.split(split) if split else self.data.episodes
        if not self.infos:
            raise DrivingDataError(f"{self.data.root}: no finished episodes in split '{split}'")
        rows = [(k, i) for k, info in enumerate(self.infos) for i in range(0, info.n_samples, stride)]
        self.index = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
        self.seed, self.epoch = seed, 0
        self._episodes: dict[int, Episode] = {}

    def __len__(self) -> int:
        return int(self.index.shape[0])

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def episode(self, k: int) -> Episode:
        """The ``k``-th episode of the split (opened once per process)."""
        if k not in self._episodes:
            self._episodes[k] = self.data.episode(self.infos[k].id)
        return self._episodes[k]

    def __getitem__(self, item: int) -> dict:
        k, i = (int(v) for v in self.index[item])
        rng = np.random.default_rng((self.seed, self.epoch, int(item)))
        return self.build(self.episode(k), i, rng)

    def build(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        """The item of sample ``index`` of ``episode`` (subclasses)."""
        raise NotImplementedError

    def turning(self, offset: float) -> np.ndarray:
        """``(len(self),)`` bool: the expert plan's last pose is at least ``offset`` [m] left or right
        (a turn or a lane change within the plan's horizon)."""
        lateral = {k: np.abs(self.episode(k).field("expert_trajectory")[:, -1, 1]) for k in np.unique(self.index[:, 0])}
        return np.array([lateral[k][i] >= offset for k, i in self.index], dtype=bool)

    def sampling_weights(self, turn_weight: float, turn_offset: float) -> np.ndarray | None:
        """Per-item weights drawing turns ``turn_weight`` times as often; ``None`` when that is 1."""
        if turn_weight == 1.0:
            return None
        return np.where(self.turning(turn_offset), turn_weight, 1.0)


def clamp_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """Sample indices clipped into ``[0, n)``: before the start repeats the first sample, after the end the
    last (what the closed-loop frame history does at the start of a route)."""
    return np.clip(np.asarray(indices), 0, n - 1)


def frame_offsets(count: int, interval: float, sample_interval: float) -> np.ndarray:
    """Sample offsets ``-(count - 1) k, ..., -k, 0`` of a clip of ``count`` frames ``interval`` [s] apart."""
    step = int(round(interval / sample_interval))
    if step < 1 or not np.isclose(step * sample_interval, interval):
        raise DrivingDataError(
            f"clip interval {interval} s is not a multiple of the sample interval {sample_interval} s"
        )
    return np.arange(-(count - 1), 1) * step


def as_tensor(array: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array), dtype=dtype)
