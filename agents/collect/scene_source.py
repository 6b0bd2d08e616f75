"""A collected dataset as a scene source for generic vocabulary scoring: tokens ``<episode id>/<sample>``.

It has the pluggable scene-source shape (``tokens()``, ``load(token)``, ``describe()``; picklable,
lazy), so a scorer that takes a ``module:factory`` source can score a dataset with
``agents.collect.scene_source:dataset_source DATASET [EVERY]``. Scenes carry the map within
NAVSIM's 100 m; :mod:`agents.collect.score_vocabulary` is the faster path that indexes the whole
town once per episode and writes the dataset's own ``scores/`` files.
"""

from __future__ import annotations

from pathlib import Path

from agents.collect.scene import EpisodeScenes
from models.common.driving_data import DrivingData
from sim.types import ScoringScene


class DatasetSceneSource:
    """Every ``every``-th sample of every episode of the dataset at ``root``."""

    def __init__(self, root: str | Path, every: int = 1, data_dir: str | None = None) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.root, self.every, self.data_dir = Path(root), int(every), data_dir
        self._scenes: EpisodeScenes | None = None

    def tokens(self) -> list[str]:
        data = DrivingData(self.root)
        return [f"{e.id}/{i}" for e in data.episodes for i in range(0, e.n_samples, self.every)]

    def load(self, token: str) -> ScoringScene:
        episode_id, _, index = token.rpartition("/")
        if not episode_id or not index.isdigit():
            raise ValueError(f"{self.root}: token '{token}' is not '<episode id>/<sample>'")
        if self._scenes is None or self._scenes.episode.info.id != episode_id:
            self._scenes = EpisodeScenes(DrivingData(self.root).episode(episode_id), self.data_dir)
        if int(index) >= self._scenes.episode.n:
            raise ValueError(f"{self.root}: token '{token}': episode has {self._scenes.episode.n} samples")
        return self._scenes.scene(int(index))

    def describe(self) -> dict:
        return {"kind": "driving_data", "root": str(self.root.resolve()), "every": self.every}

    def __getstate__(self) -> dict:
        return {"root": self.root, "every": self.every, "data_dir": self.data_dir, "_scenes": None}


def dataset_source(root: str, every: str = "1") -> DatasetSceneSource:
    """Factory for ``module:factory`` source specs (arguments arrive as strings)."""
    return DatasetSceneSource(root, int(every))
