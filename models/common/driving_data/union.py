"""Several dataset folders read as one: the expert's data beside DAgger rounds (or more collections).

``open_driving_data("A,B")`` gives a :class:`DrivingDataUnion` that answers what the training code asks of a
:class:`~models.common.driving_data.reader.DrivingData` (``layout``, ``episodes``, ``split``, ``episode``,
``vocabulary``). Every folder must have the same layout, because one model reads them all. Episode ids get the
folder's position as a prefix (``d0.<id>``, ``d1.<id>``), since two collections may use the same id.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from models.common.driving_data.manifest import DrivingDataError, EpisodeInfo, LayoutConfig, Manifest
from models.common.driving_data.reader import DrivingData, Episode


def dataset_folders(spec: str | Path | Sequence[str | Path]) -> list[Path]:
    """The folders of a ``--data`` value: one path, or several separated by commas."""
    parts = spec.split(",") if isinstance(spec, str) else [spec] if isinstance(spec, Path) else list(spec)
    folders = [Path(p.strip() if isinstance(p, str) else p) for p in parts if str(p).strip()]
    if not folders:
        raise DrivingDataError(f"--data {spec!r}: no dataset folder given")
    return folders


def open_driving_data(spec: str | Path | Sequence[str | Path]) -> DrivingData | DrivingDataUnion:
    """One folder as a :class:`DrivingData`; several (``"A,B"`` or a list) as a :class:`DrivingDataUnion`."""
    folders = dataset_folders(spec)
    if len(folders) == 1:
        return DrivingData(folders[0])
    return DrivingDataUnion([DrivingData(f) for f in folders])


def _layout_difference(a: LayoutConfig, b: LayoutConfig) -> str:
    fields = [f.name for f in dataclasses.fields(LayoutConfig) if getattr(a, f.name) != getattr(b, f.name)]
    return ", ".join(f"layout.{name}: {getattr(a, name)!r} vs {getattr(b, name)!r}" for name in fields)


class DrivingDataUnion:
    """Datasets read as one (see the module docstring).

    Attributes:
        parts: the datasets in the order given.
        root: the first dataset's folder (where messages and the shared vocabulary point).
        manifest: the first dataset's manifest (its ``git_commit`` names the base collection).
        layout: the common layout.
    """

    def __init__(self, parts: Sequence[DrivingData]) -> None:
        if not parts:
            raise DrivingDataError("a dataset union needs at least one dataset")
        self.parts = list(parts)
        first = self.parts[0]
        for other in self.parts[1:]:
            if other.layout != first.layout:
                difference = _layout_difference(first.layout, other.layout)
                raise DrivingDataError(f"{other.root}: its layout differs from {first.root} ({difference})")
        self.root: Path = first.root
        self.manifest: Manifest = first.manifest
        self.layout: LayoutConfig = first.layout

    @cached_property
    def _by_id(self) -> dict[str, tuple[DrivingData, str, EpisodeInfo]]:
        table = {}
        for k, part in enumerate(self.parts):
            for info in part.episodes:
                union_info = dataclasses.replace(info, id=f"d{k}.{info.id}")
                table[union_info.id] = (part, info.id, union_info)
        return table

    @property
    def episodes(self) -> list[EpisodeInfo]:
        return [info for _, _, info in self._by_id.values()]

    def split(self, name: str) -> list[EpisodeInfo]:
        return [info for info in self.episodes if info.split == name]

    def episode(self, episode_id: str) -> Episode:
        if episode_id not in self._by_id:
            roots = ", ".join(str(p.root) for p in self.parts)
            raise DrivingDataError(f"{roots}: no finished episode '{episode_id}' (union ids are 'd<k>.<id>')")
        part, own_id, _ = self._by_id[episode_id]
        return part.episode(own_id)

    def vocabulary(self, name: str) -> np.ndarray:
        """The vocabulary ``name``; every dataset that stores one under that name must store the same one, because
        its episodes' scores refer to it."""
        found, errors = [], []
        for part in self.parts:
            try:
                found.append((part.root, part.vocabulary(name)))
            except DrivingDataError as error:
                errors.append(str(error))
        if not found:
            raise DrivingDataError(f"vocabulary '{name}' is in none of the datasets: {'; '.join(errors)}")
        root, vocabulary = found[0]
        for other_root, other in found[1:]:
            if other.shape != vocabulary.shape or not np.array_equal(other, vocabulary):
                raise DrivingDataError(f"vocabulary '{name}': {other_root} holds another one than {root}")
        return vocabulary
