"""Reading a dataset with numpy: :class:`DrivingData` (manifest, episodes) and :class:`Episode` (arrays).

Arrays are memory-mapped and loaded on first use; a reader validates every file it opens against
the layout and raises :class:`DrivingDataError` naming the file, the field and the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from models.common.driving_data import image_codec
from models.common.driving_data.layout import (
    ARRAYS_DIR,
    BEV_FILE,
    BOX_OFFSETS_FILE,
    BOXES_FILE,
    EPISODE_ARRAY_NAMES,
    EPISODES_DIR,
    IMAGES_DIR,
    SAMPLE_FIELD_NAMES,
    SAMPLES_DIR,
    SCORES_DIR,
    VOCABULARIES_DIR,
    BoxColumn,
    ScoreColumn,
    field_spec,
)
from models.common.driving_data.manifest import DrivingDataError, EpisodeInfo, LayoutConfig, read_manifest
from models.common.driving_data.validation import check_stored, expected_shape


def _load(path: Path, what: str) -> np.ndarray:
    if not path.is_file():
        raise DrivingDataError(f"{path}: missing ({what})")
    try:
        return np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as error:
        raise DrivingDataError(f"{path}: unreadable {what} ({error})") from error


class Episode:
    """The arrays of one finished episode (see the module docstring)."""

    def __init__(self, root: Path, info: EpisodeInfo, layout: LayoutConfig) -> None:
        self.dir, self.info, self.layout = root / EPISODES_DIR / info.id, info, layout
        if not self.dir.is_dir():
            raise DrivingDataError(f"{self.dir}: episode '{info.id}' is in the manifest but its folder is missing")
        self._fields: dict[str, Any] = {}

    @property
    def n(self) -> int:
        return self.info.n_samples

    def field(self, name: str) -> np.ndarray:
        """``(n, ...)`` per-sample field (read-only memory map; text fields are loaded)."""
        if name not in self._fields:
            spec = field_spec(name)
            if name not in SAMPLE_FIELD_NAMES:
                raise DrivingDataError(f"'{name}' is an episode array: use Episode.array('{name}')")
            path = self.dir / SAMPLES_DIR / f"{name}.npy"
            array = _load(path, f"field '{name}'")
            check_stored(array, spec, (self.n, *expected_shape(spec, self.layout.horizon_steps)), str(path))
            self._fields[name] = np.asarray(array) if spec.kind == "U" else array
        return self._fields[name]

    def has_array(self, name: str) -> bool:
        return (self.dir / ARRAYS_DIR / f"{name}.npy").is_file()

    def array(self, name: str) -> np.ndarray:
        """An episode-level array (scoring material, ``layout.EPISODE_ARRAYS``)."""
        if name not in EPISODE_ARRAY_NAMES:
            raise DrivingDataError(f"unknown episode array '{name}'; known: {EPISODE_ARRAY_NAMES}")
        path = self.dir / ARRAYS_DIR / f"{name}.npy"
        spec = field_spec(name)
        array = _load(path, f"episode array '{name}'")
        check_stored(array, spec, expected_shape(spec, self.layout.horizon_steps, self.n), str(path))
        return array

    # ---- images -----------------------------------------------------------------------------
    def _camera(self, camera_id: str) -> tuple[dict, np.ndarray, np.ndarray]:
        key = f"image:{camera_id}"
        if key not in self._fields:
            try:
                camera = self.layout.camera(camera_id)
            except KeyError as error:
                raise DrivingDataError(f"{self.dir}: {error.args[0]}") from error
            offsets_path = self.dir / IMAGES_DIR / f"{camera_id}.offsets.npy"
            offsets = _load(offsets_path, f"frame offsets of camera '{camera_id}'")
            blob_path = self.dir / IMAGES_DIR / f"{camera_id}.bin"
            size = blob_path.stat().st_size if blob_path.is_file() else -1
            if offsets.shape != (self.n + 1,) or (self.n and int(offsets[-1]) != size):
                raise DrivingDataError(
                    f"{offsets_path}: {offsets.shape[0]} offsets ending at {offsets[-1] if offsets.size else None}, "
                    f"expected {self.n + 1} ending at the size of {blob_path.name} ({size} bytes)"
                )
            blob = np.memmap(blob_path, dtype=np.uint8, mode="r") if size > 0 else np.zeros(0, np.uint8)
            self._fields[key] = (camera, offsets, blob)
        return self._fields[key]

    def image(self, camera_id: str, index: int) -> np.ndarray:
        """``(H, W, 3)`` uint8 RGB frame of sample ``index``, exactly as the camera gave it."""
        camera, offsets, blob = self._camera(camera_id)
        i = self._index(index)
        data = blob[int(offsets[i]) : int(offsets[i + 1])]
        where = f"{self.dir / IMAGES_DIR / camera_id}.bin frame {i}"
        return image_codec.decode(data, self.layout.image_codec, camera["height"], camera["width"], where)

    def images(self, camera_id: str, indices: Sequence[int]) -> np.ndarray:
        """``(k, H, W, 3)`` frames of several samples."""
        return np.stack([self.image(camera_id, i) for i in indices])

    # ---- boxes, BEV, scores -----------------------------------------------------------------
    def boxes(self, index: int) -> np.ndarray:
        """``(M, len(BoxColumn))`` float64 object boxes in the local frame of sample ``index``."""
        if "boxes" not in self._fields:
            offsets = _load(self.dir / BOX_OFFSETS_FILE, "box offsets")
            boxes = _load(self.dir / BOXES_FILE, "boxes")
            if boxes.ndim != 2 or boxes.shape[1] != len(BoxColumn):
                raise DrivingDataError(f"{self.dir / BOXES_FILE}: shape {boxes.shape}, expected (M, {len(BoxColumn)})")
            if offsets.shape != (self.n + 1,) or int(offsets[-1]) != boxes.shape[0]:
                raise DrivingDataError(f"{self.dir / BOX_OFFSETS_FILE}: {offsets.shape} offsets do not index boxes")
            self._fields["boxes"] = (offsets, boxes)
        offsets, boxes = self._fields["boxes"]
        i = self._index(index)
        return np.asarray(boxes[int(offsets[i]) : int(offsets[i + 1])])

    def bev(self, index: int) -> np.ndarray:
        """``(C, H, W)`` bool semantic raster of sample ``index`` (channels ``layout.bev_channels``, forward up)."""
        layout = self.layout
        if not layout.bev_channels:
            raise DrivingDataError(f"{self.dir}: the dataset stores no BEV raster (layout.bev_channels is empty)")
        if "bev" not in self._fields:
            self._fields["bev"] = _load(self.dir / BEV_FILE, "BEV rasters")
        packed = self._fields["bev"]
        s, c = layout.bev_size_px, len(layout.bev_channels)
        if packed.shape != (self.n, (s * s * c + 7) // 8):
            expected = (self.n, (s * s * c + 7) // 8)
            raise DrivingDataError(f"{self.dir / BEV_FILE}: shape {packed.shape}, expected {expected} (packed bits)")
        bits = np.unpackbits(packed[self._index(index)], count=s * s * c).astype(bool)
        return bits.reshape(s, s, c).transpose(2, 0, 1)

    def has_scores(self, vocabulary: str) -> bool:
        return (self.dir / SCORES_DIR / f"{vocabulary}.npy").is_file()

    def scores(self, vocabulary: str) -> np.ndarray:
        """``(n, V, len(ScoreColumn))`` float16 sub-scores of the vocabulary at every sample (NaN: not scored)."""
        path = self.dir / SCORES_DIR / f"{vocabulary}.npy"
        array = _load(path, f"scores of vocabulary '{vocabulary}' (run the vocabulary scoring step)")
        if array.ndim != 3 or array.shape[0] != self.n or array.shape[2] != len(ScoreColumn):
            raise DrivingDataError(f"{path}: shape {array.shape}, expected ({self.n}, V, {len(ScoreColumn)})")
        return array

    def _index(self, index: int) -> int:
        i = int(index)
        if not 0 <= i < self.n:
            raise IndexError(f"episode '{self.info.id}': sample {index} out of range [0, {self.n})")
        return i


class DrivingData:
    """A dataset folder: validated manifest, episodes by id, vocabularies."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.manifest = read_manifest(self.root)
        self.layout = self.manifest.layout

    @property
    def episodes(self) -> list[EpisodeInfo]:
        return list(self.manifest.episodes)

    def split(self, name: str) -> list[EpisodeInfo]:
        return [e for e in self.manifest.episodes if e.split == name]

    @cached_property
    def _by_id(self) -> dict[str, EpisodeInfo]:
        return {e.id: e for e in self.manifest.episodes}

    def episode(self, episode_id: str) -> Episode:
        if episode_id not in self._by_id:
            raise DrivingDataError(f"{self.root}: no finished episode '{episode_id}' in the manifest")
        return Episode(self.root, self._by_id[episode_id], self.layout)

    def vocabulary(self, name: str) -> np.ndarray:
        """``(V, horizon_steps, 3)`` float64 trajectories (local frame, horizon grid)."""
        path = self.root / VOCABULARIES_DIR / f"{name}.npy"
        array = np.asarray(_load(path, f"vocabulary '{name}' (build it with models.common.vocabulary)"))
        if array.ndim != 3 or array.shape[1:] != (self.layout.horizon_steps, 3):
            raise DrivingDataError(f"{path}: shape {array.shape}, expected (V, {self.layout.horizon_steps}, 3)")
        return array
