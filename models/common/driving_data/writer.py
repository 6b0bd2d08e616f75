"""Writing a dataset: create or reopen it, hand out episode writers, record finished episodes.

Several collection processes may write one dataset at the same time: each episode is written into
its own temp folder and renamed into ``episodes/<id>``; the manifest is then updated under an
exclusive file lock and rewritten atomically. A process killed between the rename and the
manifest update leaves a complete folder that the next :class:`DatasetWriter` adds back
(:meth:`DatasetWriter.reconcile`), so ``--resume`` never redoes or loses a finished episode.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from models.common.driving_data.episode_writer import EpisodeWriter
from models.common.driving_data.layout import (
    EPISODE_FILE,
    EPISODES_DIR,
    LOCK_FILE,
    MANIFEST_FILE,
    SCORES_DIR,
    TEMP_PREFIX,
    VOCABULARIES_DIR,
    ScoreColumn,
)
from models.common.driving_data.manifest import (
    DrivingDataError,
    EpisodeInfo,
    LayoutConfig,
    Manifest,
    episode_from_dict,
    read_manifest,
    write_manifest,
)

LOGGER = logging.getLogger(__name__)


@contextlib.contextmanager
def manifest_lock(root: Path) -> Iterator[None]:
    """Exclusive lock on the dataset's manifest (a lock file beside it; released on exit or death)."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class DatasetWriter:
    """Create the dataset at ``root`` (or reopen it: its layout must equal ``layout``).

    Args:
        root: dataset folder.
        layout: array layout (cameras, horizon, BEV, codec).
        collection: collection settings recorded in the manifest (seeds, perturbations, towns, ...);
            on reopening, the recorded settings are kept.
        package_version, git_commit: provenance recorded in a new manifest.

    Raises:
        DrivingDataError: the existing manifest is unreadable or has another layout.
    """

    def __init__(
        self,
        root: str | Path,
        layout: LayoutConfig,
        collection: dict | None = None,
        package_version: str = "",
        git_commit: str = "",
    ) -> None:
        self.root = Path(root)
        self.layout = layout
        (self.root / EPISODES_DIR).mkdir(parents=True, exist_ok=True)
        with manifest_lock(self.root):
            if (self.root / MANIFEST_FILE).is_file():
                existing = read_manifest(self.root)
                _check_same_layout(existing.layout, layout, self.root / MANIFEST_FILE)
                if collection is not None and json.loads(json.dumps(collection)) != existing.collection:
                    LOGGER.warning("%s: collection settings differ from the recorded ones; keeping those", self.root)
            else:
                write_manifest(self.root, Manifest(layout, dict(collection or {}), package_version, git_commit))
        self.reconcile()

    # ---- state ------------------------------------------------------------------------------
    def finished(self) -> dict[str, EpisodeInfo]:
        """Episodes recorded in the manifest, by id (what ``--resume`` skips)."""
        return {e.id: e for e in read_manifest(self.root).episodes}

    def reconcile(self) -> list[str]:
        """Add complete episode folders missing from the manifest (a kill after the rename); returns their ids."""
        with manifest_lock(self.root):
            manifest = read_manifest(self.root)
            known = {e.id for e in manifest.episodes}
            found = []
            for folder in sorted((self.root / EPISODES_DIR).iterdir()):
                meta = folder / EPISODE_FILE
                if folder.name.startswith(TEMP_PREFIX) or folder.name in known or not meta.is_file():
                    continue
                found.append(episode_from_dict(json.loads(meta.read_text()), str(meta)))
            if found:
                LOGGER.warning("%s: recovered %d finished episodes missing from the manifest", self.root, len(found))
                write_manifest(self.root, _with_episodes(manifest, found))
        return [e.id for e in found]

    def remove_incomplete(self) -> list[Path]:
        """Delete temp folders of episodes that were never committed. Call it only while no other
        process writes this dataset (e.g. before a collection starts its workers)."""
        removed = [p for p in (self.root / EPISODES_DIR).glob(f"{TEMP_PREFIX}*") if p.is_dir()]
        for path in removed:
            shutil.rmtree(path, ignore_errors=True)
        return removed

    # ---- writing ----------------------------------------------------------------------------
    def episode(self, info: EpisodeInfo) -> EpisodeWriter:
        """A writer for a new episode (``info.n_samples`` and ``status`` are filled on commit).

        Raises:
            DrivingDataError: an episode with this id is already finished.
        """
        if (self.root / EPISODES_DIR / info.id).exists() or info.id in self.finished():
            raise DrivingDataError(f"{self.root}: episode '{info.id}' is already finished (resume skips it)")
        temp = self.root / EPISODES_DIR / f"{TEMP_PREFIX}{info.id}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        return EpisodeWriter(temp, info, self.layout, self._commit)

    def _commit(self, temp: Path, info: EpisodeInfo) -> None:
        final = self.root / EPISODES_DIR / info.id
        try:
            os.rename(temp, final)  # atomic on one file system; fails if the id appeared meanwhile
        except OSError as error:
            raise DrivingDataError(f"{final}: cannot commit episode '{info.id}' ({error})") from error
        with manifest_lock(self.root):
            write_manifest(self.root, _with_episodes(read_manifest(self.root), [info]))
        LOGGER.info("episode '%s' committed: %d samples", info.id, info.n_samples)


def write_vocabulary(root: str | Path, name: str, trajectories: np.ndarray, horizon_steps: int) -> Path:
    """Save a trajectory vocabulary ``(V, horizon_steps, 3)`` local frame as ``vocabularies/<name>.npy``."""
    array = np.asarray(trajectories, dtype=np.float64)
    if array.ndim != 3 or array.shape[1:] != (horizon_steps, 3) or not np.all(np.isfinite(array)):
        raise DrivingDataError(f"vocabulary '{name}': shape {array.shape}, expected finite (V, {horizon_steps}, 3)")
    return _save_atomic(Path(root) / VOCABULARIES_DIR / f"{name}.npy", array)


def write_scores(root: str | Path, episode: EpisodeInfo, vocabulary: str, scores: np.ndarray, size: int) -> Path:
    """Save ``(n, V, len(ScoreColumn))`` sub-scores of vocabulary ``vocabulary`` (``size`` = V) for an
    episode as float16 (NaN rows: sample not scored) in ``episodes/<id>/scores/<vocabulary>.npy``."""
    array = np.asarray(scores, dtype=np.float64)
    expected = (episode.n_samples, size, len(ScoreColumn))
    if array.shape != expected:
        where = f"scores '{vocabulary}' of episode '{episode.id}'"
        raise DrivingDataError(f"{where}: shape {array.shape}, expected {expected}")
    path = Path(root) / EPISODES_DIR / episode.id / SCORES_DIR / f"{vocabulary}.npy"
    return _save_atomic(path, array.astype(np.float16))


def _save_atomic(path: Path, array: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as stream:
        np.save(stream, array)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(tmp, path)
    return path


def _with_episodes(manifest: Manifest, new: list[EpisodeInfo]) -> Manifest:
    ids = {e.id for e in new}
    kept = tuple(e for e in manifest.episodes if e.id not in ids)
    return dataclasses.replace(manifest, episodes=kept + tuple(new))


def _check_same_layout(found: LayoutConfig, wanted: LayoutConfig, path: Path) -> None:
    a, b = json.loads(json.dumps(found.to_dict())), json.loads(json.dumps(wanted.to_dict()))
    diffs = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if diffs:
        details = ", ".join(f"{k}: recorded {a.get(k)!r} vs requested {b.get(k)!r}" for k in diffs)
        raise DrivingDataError(f"{path}: the dataset was collected with another layout ({details})")
