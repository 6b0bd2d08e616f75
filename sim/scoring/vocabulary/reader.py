"""Read a vocabulary run's scores: per token, or shard by shard for training loaders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.scoring.vocabulary.layout import Layout, LayoutError, sha256_of, shard_finished

FLAGS_PER_STEP = 3  # MULTIPLE_LANES, NON_DRIVABLE_AREA, ONCOMING_TRAFFIC


@dataclass(frozen=True)
class TokenScores:
    """The scores of one token against the whole vocabulary.

    Attributes:
        token: the scene token.
        metrics: ``{name: (V,)}`` sub-metrics and the aggregate (names in the manifest's ``metrics``).
        progress_raw: ``(V,)`` float32 [m] raw progress along the route.
        collision_step, ttc_step: ``(V,)`` int8 first at-fault collision / TTC violation step, -1 none.
        ego_areas: ``(V, 41, 3)`` bool per-step flags, or None when the run did not store them.
    """

    token: str
    metrics: dict[str, np.ndarray]
    progress_raw: np.ndarray
    collision_step: np.ndarray
    ttc_step: np.ndarray
    ego_areas: np.ndarray | None

    def __getitem__(self, name: str) -> np.ndarray:
        return self.metrics[name]


class VocabularyScores:
    """Scores written by ``python -m sim.scoring.vocabulary score`` into ``out``.

    ``VocabularyScores(out).for_token(token)["epdms"]`` is that token's ``(V,)`` aggregate.
    Shards are loaded on first use and kept (``max_cached`` of them).
    """

    def __init__(self, out: str | Path, *, verify_checksums: bool = False, max_cached: int = 4) -> None:
        self.layout = Layout(Path(out))
        if not self.layout.manifest.is_file():
            raise LayoutError(f"{self.layout.root}: no {self.layout.manifest.name}; not a vocabulary run folder")
        self.manifest = json.loads(self.layout.manifest.read_text())
        self.all_tokens = self.layout.tokens.read_text().splitlines()
        self._position = {token: i for i, token in enumerate(self.all_tokens)}
        self._verify = verify_checksums
        self._cache: dict[int, dict[str, np.ndarray]] = {}
        self._max_cached = max_cached

    @property
    def metrics(self) -> list[str]:
        return list(self.manifest["metrics"])

    @property
    def num_shards(self) -> int:
        size = self.manifest["shard_size"]
        return (len(self.all_tokens) + size - 1) // size

    def finished_shards(self) -> list[int]:
        return [i for i in range(self.num_shards) if shard_finished(self.layout, i, self._verify)]

    def shard_of(self, token: str) -> int:
        if token not in self._position:
            raise KeyError(f"{self.layout.root}: token '{token}' is not part of this run")
        return self._position[token] // self.manifest["shard_size"]

    def shard(self, index: int) -> dict[str, np.ndarray]:
        """Every array of shard ``index`` (layout: ``sim.scoring.vocabulary.shard``)."""
        if index not in self._cache:
            if not shard_finished(self.layout, index, False):
                raise LayoutError(f"{self.layout.shard(index)}: shard {index} is not finished; run the command again")
            if self._verify:
                record = json.loads(self.layout.record(index).read_text())
                if sha256_of(self.layout.shard(index)) != record["sha256"]:
                    raise LayoutError(f"{self.layout.shard(index)}: checksum differs from its record")
            with np.load(self.layout.shard(index), allow_pickle=False) as data:
                arrays = {name: data[name] for name in data.files}
            if len(self._cache) >= self._max_cached:
                self._cache.pop(next(iter(self._cache)))
            self._cache[index] = arrays
        return self._cache[index]

    def iter_shards(self) -> Iterator[dict[str, np.ndarray]]:
        """Finished shards in order (each a dict with ``tokens`` and the ``(n, V)`` arrays)."""
        for index in self.finished_shards():
            yield self.shard(index)

    def failed_tokens(self) -> dict[str, str]:
        """Tokens whose scene could not be scored, with the error, over the finished shards."""
        failed = {}
        for index in self.finished_shards():
            shard = self.shard(index)
            failed.update(zip(shard["failed_tokens"].tolist(), shard["failed_errors"].tolist(), strict=True))
        return failed

    def for_token(self, token: str) -> TokenScores:
        """The scores of ``token``; KeyError names why when it has none (unknown, failed)."""
        shard = self.shard(self.shard_of(token))
        rows = np.flatnonzero(shard["tokens"] == token)
        if rows.size == 0:
            errors = dict(zip(shard["failed_tokens"].tolist(), shard["failed_errors"].tolist(), strict=True))
            raise KeyError(f"{self.layout.root}: token '{token}' was not scored: {errors.get(token, 'unknown')}")
        row = int(rows[0])
        areas = None
        if "ego_areas" in shard:
            shape = (self.manifest["steps"], FLAGS_PER_STEP)
            bits = np.unpackbits(shard["ego_areas"][row], axis=-1, count=shape[0] * shape[1])
            areas = bits.astype(bool).reshape(-1, *shape)
        return TokenScores(
            token=token,
            metrics={name: shard[name][row] for name in self.metrics},
            progress_raw=shard["progress_raw"][row],
            collision_step=shard["collision_step"][row],
            ttc_step=shard["ttc_step"][row],
            ego_areas=areas,
        )
