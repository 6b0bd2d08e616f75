"""The dataset manifest: layout parameters, collection settings and one entry per finished episode.

``manifest.json`` is rewritten atomically (temp file + rename) under a file lock, so concurrent
collection workers never lose each other's entries and a killed write leaves the previous one.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from models.common.driving_data.layout import FORMAT_NAME, FORMAT_VERSION, MANIFEST_FILE, ImageCodec

SPLITS = ("train", "val")
_EPISODE_ID = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


class DrivingDataError(ValueError):
    """Bad or missing dataset content; the message names the file, the field and the value."""


@dataclass(frozen=True)
class LayoutConfig:
    """What a reader needs to interpret the arrays (fixed for a whole dataset).

    Attributes:
        cameras: leaderboard ``sensor.camera.rgb`` dicts (id, x, y, z, roll, pitch, yaw, width, height, fov).
        sample_interval_s: [s] between samples (10 Hz: one sample every 2 ticks at 20 Hz).
        horizon_steps: poses of ``expert_trajectory`` / ``future_poses`` (40).
        horizon_interval_s: [s] between those poses (0.1).
        bev_channels: channel names of the BEV raster in order (empty: no raster stored).
        bev_size_px: raster side [px].
        bev_metres_per_px: [m/px].
        bev_center_x: [m] x of the raster centre in the local rear-axle frame (the world's raster is
            centred on the ego box centre, about 1.4 m ahead of the rear axle).
        image_codec: :class:`~models.common.driving_data.layout.ImageCodec` value.
    """

    cameras: tuple[dict, ...] = ()
    sample_interval_s: float = 0.1
    horizon_steps: int = 40
    horizon_interval_s: float = 0.1
    bev_channels: tuple[str, ...] = ()
    bev_size_px: int = 0
    bev_metres_per_px: float = 0.0
    bev_center_x: float = 0.0
    image_codec: str = ImageCodec.PNG.value

    def __post_init__(self) -> None:
        ids = [c.get("id") for c in self.cameras]
        if len(set(ids)) != len(ids) or not all(isinstance(i, str) and i for i in ids):
            raise DrivingDataError(f"layout.cameras: camera ids must be unique non-empty strings, got {ids}")
        for camera in self.cameras:
            for key in ("width", "height"):
                if not isinstance(camera.get(key), int) or camera[key] <= 0:
                    raise DrivingDataError(f"layout.cameras['{camera['id']}'].{key}: expected a positive int")
        if self.image_codec not in {c.value for c in ImageCodec}:
            raise DrivingDataError(f"layout.image_codec: unknown codec {self.image_codec!r}")
        if self.horizon_steps < 1 or self.sample_interval_s <= 0 or self.horizon_interval_s <= 0:
            raise DrivingDataError("layout: horizon_steps, sample_interval_s and horizon_interval_s must be positive")
        if self.bev_channels and self.bev_size_px <= 0:
            raise DrivingDataError(f"layout.bev_size_px: expected > 0 with BEV channels, got {self.bev_size_px}")

    def camera(self, camera_id: str) -> dict:
        for camera in self.cameras:
            if camera["id"] == camera_id:
                return camera
        raise KeyError(f"camera '{camera_id}' is not in the dataset; cameras: {[c['id'] for c in self.cameras]}")

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "cameras": [dict(c) for c in self.cameras]}


@dataclass(frozen=True)
class EpisodeInfo:
    """One drive of one route: ``split`` is ``train`` or ``val`` (validation routes are held out whole)."""

    id: str
    town: str
    route_id: str
    route_source: str
    seed: int
    split: str
    n_samples: int = 0
    status: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not _EPISODE_ID.match(self.id):
            raise DrivingDataError(f"episode id {self.id!r}: use letters, digits, '_', '-', '.' (not leading)")
        if self.split not in SPLITS:
            raise DrivingDataError(f"episode '{self.id}': split must be one of {SPLITS}, got {self.split!r}")
        if not isinstance(self.n_samples, int) or self.n_samples < 0:
            raise DrivingDataError(f"episode '{self.id}': n_samples must be an int >= 0, got {self.n_samples!r}")


@dataclass(frozen=True)
class Manifest:
    """The parsed ``manifest.json`` (see the module docstring)."""

    layout: LayoutConfig
    collection: dict = field(default_factory=dict)
    package_version: str = ""
    git_commit: str = ""
    episodes: tuple[EpisodeInfo, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "package_version": self.package_version,
            "git_commit": self.git_commit,
            "layout": self.layout.to_dict(),
            "collection": self.collection,
            "episodes": [dataclasses.asdict(e) for e in self.episodes],
        }


def _build(cls, data: Any, where: str):
    """``cls(**data)`` with errors naming ``where`` and the offending key."""
    if not isinstance(data, dict):
        raise DrivingDataError(f"{where}: expected an object, got {type(data).__name__}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise DrivingDataError(f"{where}: unknown key(s) {unknown} (known: {sorted(names)})")
    try:
        return cls(**data)
    except TypeError as error:
        raise DrivingDataError(f"{where}: {error}") from error
    except DrivingDataError as error:
        raise DrivingDataError(f"{where}: {error}") from error


def layout_from_dict(data: Any, where: str = "layout") -> LayoutConfig:
    if isinstance(data, dict):
        data = {**data, "cameras": tuple(data.get("cameras", ())), "bev_channels": tuple(data.get("bev_channels", ()))}
    return _build(LayoutConfig, data, where)


def episode_from_dict(data: Any, where: str) -> EpisodeInfo:
    return _build(EpisodeInfo, data, where)


def parse_manifest(data: Any, path: Path) -> Manifest:
    """Validate a decoded manifest; every error names ``path`` and the field."""
    if not isinstance(data, dict):
        raise DrivingDataError(f"{path}: top level must be an object")
    if data.get("format") != FORMAT_NAME:
        raise DrivingDataError(f"{path}: field 'format' is {data.get('format')!r}, expected {FORMAT_NAME!r}")
    if data.get("format_version") != FORMAT_VERSION:
        raise DrivingDataError(
            f"{path}: field 'format_version' is {data.get('format_version')!r}; this reader reads version "
            f"{FORMAT_VERSION} (re-collect the data or use the matching package version)"
        )
    episodes = data.get("episodes", [])
    if not isinstance(episodes, list):
        raise DrivingDataError(f"{path}: field 'episodes' must be a list")
    parsed = tuple(episode_from_dict(e, f"{path}: episodes[{i}]") for i, e in enumerate(episodes))
    ids = [e.id for e in parsed]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DrivingDataError(f"{path}: field 'episodes' lists ids {duplicates} more than once")
    collection = data.get("collection", {})
    if not isinstance(collection, dict):
        raise DrivingDataError(f"{path}: field 'collection' must be an object")
    return Manifest(
        layout=layout_from_dict(data.get("layout"), f"{path}: layout"),
        collection=collection,
        package_version=str(data.get("package_version", "")),
        git_commit=str(data.get("git_commit", "")),
        episodes=parsed,
    )


def read_manifest(root: str | Path) -> Manifest:
    path = Path(root) / MANIFEST_FILE
    if not path.is_file():
        raise DrivingDataError(f"{path}: no manifest (is '{root}' a dataset folder?)")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DrivingDataError(f"{path}: not valid JSON ({error})") from error
    return parse_manifest(data, path)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as JSON to ``path`` through a temp file in the same folder and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w") as stream:
            json.dump(data, stream, indent=1)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_manifest(root: str | Path, manifest: Manifest) -> None:
    write_json_atomic(Path(root) / MANIFEST_FILE, manifest.to_dict())
