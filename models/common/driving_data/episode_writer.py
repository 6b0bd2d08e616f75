"""One episode being written: samples accumulate in a temp folder, ``commit`` makes it visible at once.

The collector calls :meth:`EpisodeWriter.add_sample` once per sample and :meth:`EpisodeWriter.commit`
when the route ends; encoded frames stream to disk as they come, the small per-sample fields are
kept in memory and saved on commit. Until the final rename the folder name starts with
``.tmp-``, so a killed collection never leaves a half episode that a reader or ``--resume`` takes
for a finished one.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from models.common.driving_data import image_codec
from models.common.driving_data.layout import (
    ARRAYS_DIR,
    BEV_FILE,
    BOX_OFFSETS_FILE,
    BOXES_FILE,
    EPISODE_ARRAYS,
    EPISODE_FILE,
    IMAGES_DIR,
    SAMPLE_FIELDS,
    SAMPLES_DIR,
    BoxColumn,
    field_spec,
)
from models.common.driving_data.manifest import DrivingDataError, EpisodeInfo, LayoutConfig, write_json_atomic
from models.common.driving_data.validation import STORED_DTYPES, coerce, expected_shape, shape_matches

LOGGER = logging.getLogger(__name__)
_REQUIRED = {f.name for f in SAMPLE_FIELDS if f.required}
_KNOWN = {f.name for f in SAMPLE_FIELDS}


class EpisodeWriter:
    """Fill with :meth:`add_sample`, then :meth:`commit` (or :meth:`abort`). Use as a context manager:
    an exception inside the ``with`` block aborts; leaving it without commit or abort is an error."""

    def __init__(self, temp_dir: Path, info: EpisodeInfo, layout: LayoutConfig, on_commit: Callable) -> None:
        self.dir, self.info, self.layout = temp_dir, info, layout
        self._on_commit = on_commit
        self._rows: dict[str, list[np.ndarray]] = {name: [] for name in _KNOWN}
        self._boxes: list[np.ndarray] = []
        self._bev: list[np.ndarray] = []
        self._arrays: dict[str, np.ndarray] = {}
        self._closed = False
        (temp_dir / IMAGES_DIR).mkdir(parents=True)
        self._streams = {c["id"]: open(temp_dir / IMAGES_DIR / f"{c['id']}.bin", "wb") for c in layout.cameras}
        self._offsets: dict[str, list[int]] = {c["id"]: [0] for c in layout.cameras}

    @property
    def n(self) -> int:
        """Samples added so far."""
        return len(self._boxes)

    def __enter__(self) -> EpisodeWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._closed:
            return
        self.abort()
        if exc_type is None:
            raise RuntimeError(f"episode '{self.info.id}' left without commit() or abort(): discarded")

    # ---- filling ----------------------------------------------------------------------------
    def add_sample(
        self,
        fields: Mapping[str, Any],
        images: Mapping[str, np.ndarray],
        boxes: np.ndarray,
        bev: np.ndarray | None = None,
    ) -> None:
        """Append one sample.

        Args:
            fields: every per-sample field of ``layout.SAMPLE_FIELDS`` by name (one row each).
            images: ``{camera id: (H, W, 3) uint8 RGB}`` for every camera of the layout.
            boxes: ``(M, len(BoxColumn))`` object boxes in this sample's local frame (M may be 0).
            bev: ``(S, S, C)`` bool raster as ``sim.world.bev_raster`` returns it (forward up), when
                the layout has BEV channels.

        Raises:
            DrivingDataError: a missing / unknown field, a wrong shape or dtype (nothing is appended).
        """
        self._check_open()
        where = f"episode '{self.info.id}' sample {self.n}"
        missing, unknown = sorted(_REQUIRED - set(fields)), sorted(set(fields) - _KNOWN)
        if missing or unknown:
            raise DrivingDataError(f"{where}: missing fields {missing}, unknown fields {unknown}")
        rows = {
            name: coerce(value, field_spec(name), expected_shape(field_spec(name), self.layout.horizon_steps), where)
            for name, value in fields.items()
        }
        box_rows = self._check_boxes(boxes, where)
        packed = self._check_bev(bev, where)
        frames = self._check_images(images, where)
        for camera_id, frame in frames.items():  # 2. everything is valid: write
            data = image_codec.encode(frame, self.layout.image_codec)
            self._streams[camera_id].write(data)
            self._offsets[camera_id].append(self._offsets[camera_id][-1] + len(data))
        for name, row in rows.items():
            self._rows[name].append(row)
        self._boxes.append(box_rows)
        if packed is not None:
            self._bev.append(packed)

    def set_array(self, name: str, array: np.ndarray) -> None:
        """Store an episode-level array (``layout.EPISODE_ARRAYS``: the scoring material); its
        sample axis (``"n"``) is checked against the sample count on commit."""
        self._check_open()
        spec = field_spec(name)
        if spec not in EPISODE_ARRAYS:
            raise DrivingDataError(f"episode '{self.info.id}': '{name}' is a per-sample field, not an episode array")
        shape = expected_shape(spec, self.layout.horizon_steps)
        self._arrays[name] = coerce(array, spec, shape, f"episode '{self.info.id}' array '{name}'")

    # ---- committing -------------------------------------------------------------------------
    def commit(self, status: str = "") -> EpisodeInfo:
        """Save everything, rename the folder into place and add the episode to the manifest."""
        self._check_open()
        n = self.n
        for name, array in self._arrays.items():
            shape = expected_shape(field_spec(name), self.layout.horizon_steps, n)
            if not shape_matches(array.shape, shape):
                where = f"episode '{self.info.id}' array '{name}'"
                raise DrivingDataError(f"{where}: shape {array.shape}, expected {shape}")
        self._close_streams()
        samples = self.dir / SAMPLES_DIR
        samples.mkdir()
        for name, rows in self._rows.items():
            if rows or name in _REQUIRED:
                np.save(samples / f"{name}.npy", _stack(rows, field_spec(name), self.layout.horizon_steps))
        for camera_id, offsets in self._offsets.items():
            np.save(self.dir / IMAGES_DIR / f"{camera_id}.offsets.npy", np.asarray(offsets, dtype=np.int64))
        np.save(self.dir / BOXES_FILE, np.concatenate([np.zeros((0, len(BoxColumn))), *self._boxes]))
        np.save(self.dir / BOX_OFFSETS_FILE, np.cumsum([0] + [len(b) for b in self._boxes]).astype(np.int64))
        if self.layout.bev_channels:
            np.save(self.dir / BEV_FILE, np.stack(self._bev) if self._bev else np.zeros((0, 0), np.uint8))
        if self._arrays:
            (self.dir / ARRAYS_DIR).mkdir()
            for name, array in self._arrays.items():
                np.save(self.dir / ARRAYS_DIR / f"{name}.npy", array)
        info = EpisodeInfo(**{**self.info.__dict__, "n_samples": n, "status": status})
        write_json_atomic(self.dir / EPISODE_FILE, info.__dict__)  # written last: marks the folder complete
        self._closed = True
        try:
            self._on_commit(self.dir, info)
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        return info

    def abort(self) -> None:
        """Discard the episode (its temp folder is removed)."""
        if self._closed:
            return
        self._close_streams()
        shutil.rmtree(self.dir, ignore_errors=True)
        self._closed = True
        LOGGER.info("episode '%s' aborted after %d samples", self.info.id, self.n)

    # ---- helpers ----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"episode '{self.info.id}' is already committed or aborted")

    def _close_streams(self) -> None:
        for stream in self._streams.values():
            if not stream.closed:
                stream.flush()
                os.fsync(stream.fileno())
                stream.close()

    def _check_images(self, images: Mapping[str, np.ndarray], where: str) -> dict[str, np.ndarray]:
        expected = [c["id"] for c in self.layout.cameras]
        if sorted(images) != sorted(expected):
            raise DrivingDataError(f"{where}: images for cameras {sorted(images)}, expected {sorted(expected)}")
        return {c["id"]: image_codec.check_frame(images[c["id"]], c) for c in self.layout.cameras}

    def _check_boxes(self, boxes: np.ndarray, where: str) -> np.ndarray:
        array = np.asarray(boxes, dtype=np.float64)
        if array.size == 0:
            return np.zeros((0, len(BoxColumn)))
        if array.ndim != 2 or array.shape[1] != len(BoxColumn):
            raise DrivingDataError(f"{where}: boxes have shape {array.shape}, expected (M, {len(BoxColumn)}) BoxColumn")
        return array

    def _check_bev(self, bev: np.ndarray | None, where: str) -> np.ndarray | None:
        layout = self.layout
        if not layout.bev_channels:
            if bev is not None:
                raise DrivingDataError(f"{where}: a BEV raster was given but the layout has no bev_channels")
            return None
        expected = (layout.bev_size_px, layout.bev_size_px, len(layout.bev_channels))
        array = None if bev is None else np.asarray(bev)
        if array is None or array.dtype != np.bool_ or array.shape != expected:
            got = None if array is None else (array.dtype, array.shape)
            raise DrivingDataError(f"{where}: BEV raster {got}, expected bool {expected} (H, W, C)")
        return np.packbits(array.reshape(-1))


def _stack(rows: list[np.ndarray], spec, horizon_steps: int) -> np.ndarray:
    if rows:
        return np.stack(rows)
    shape = tuple(0 if d is None else d for d in expected_shape(spec, horizon_steps))
    return np.zeros((0, *shape), dtype="<U1" if spec.kind == "U" else STORED_DTYPES[spec.kind])
