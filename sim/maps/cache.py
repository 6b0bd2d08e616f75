"""On-disk cache of built towns: one versioned ``.npz`` per (town, OpenDRIVE sha256, config).

Building a town from its OpenDRIVE file takes from a fraction of a second (Town01) to several
seconds (Town11); reading the arrays back is much faster. Files are written atomically and read
without pickle; an unreadable or stale file is rebuilt, never trusted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np

from sim.frames import GeoReference
from sim.maps.config import MapConfig
from sim.maps.road_network import RoadNetwork
from sim.maps.signals import SignalGroups
from sim.paths import cache_dir
from sim.types import MapPolygons

logger = logging.getLogger(__name__)

CACHE_VERSION = 2  # bump whenever RoadNetwork's fields or their meaning change
_NESTED = {"geo": GeoReference, "map_polygons": MapPolygons, "traffic_lights": SignalGroups, "stop_signs": SignalGroups}
_SEP = "."


def cache_path(name: str, source_sha256: str, config: MapConfig, root: Path | None = None) -> Path:
    """Where the cached arrays of this town, file content and configuration live."""
    config_hash = hashlib.sha256(repr(config).encode()).hexdigest()[:8]
    return (root or cache_dir("maps")) / f"{name}_{source_sha256[:16]}_{config_hash}_v{CACHE_VERSION}.npz"


def _flatten(obj, prefix: str = "") -> dict[str, np.ndarray]:
    arrays = {}
    for field in dataclasses.fields(obj):
        value = getattr(obj, field.name)
        key = prefix + field.name
        if dataclasses.is_dataclass(value):
            arrays.update(_flatten(value, key + _SEP))
        else:
            arrays[key] = np.asarray(value)
    return arrays


def _rebuild(cls, arrays: dict[str, np.ndarray], prefix: str = ""):
    kwargs = {}
    for field in dataclasses.fields(cls):
        key = prefix + field.name
        if field.name in _NESTED and prefix == "":
            kwargs[field.name] = _rebuild(_NESTED[field.name], arrays, key + _SEP)
        elif arrays[key].ndim == 0:
            kwargs[field.name] = arrays[key].item()
        else:
            kwargs[field.name] = arrays[key]
    return cls(**kwargs)


def save_network(network: RoadNetwork, path: Path) -> None:
    """Write ``network`` to ``path`` atomically (a failed write leaves no partial file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = _flatten(network)
    arrays["_version"] = np.asarray(CACHE_VERSION)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_network(path: Path, source_sha256: str | None = None) -> RoadNetwork | None:
    """The cached network at ``path``, or ``None`` when absent, stale, unreadable or inconsistent.

    A truncated or corrupted file (bad zip, CRC mismatch, missing or misshapen arrays, another
    town's content) is reported and ignored, so the caller rebuilds the town and overwrites it.
    """
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        if int(arrays.pop("_version")) != CACHE_VERSION:
            return None
        network = _rebuild(RoadNetwork, arrays)
        check_network(network, source_sha256)
        return network
    except Exception as error:  # any failure to read a cache means: rebuild it
        logger.warning("ignoring unreadable map cache '%s' (it will be rebuilt): %r", path, error)
        return None


def check_network(network: RoadNetwork, source_sha256: str | None = None) -> None:
    """Raise ``ValueError`` unless the arrays of ``network`` are mutually consistent."""
    lanes, samples = network.num_lanes, network.points.shape[0]
    if source_sha256 is not None and network.source_sha256 != source_sha256:
        raise ValueError(f"built from OpenDRIVE {network.source_sha256[:16]}, expected {source_sha256[:16]}")
    _csr(network.lane_offsets, lanes, samples, "lane_offsets")
    _csr(network.successor_offsets, lanes, network.successors.shape[0], "successor_offsets")
    if network.points.shape != (samples, 3) or not np.all(np.isfinite(network.points)):
        raise ValueError("points must be (N, 3) and finite")
    for name in ("z", "widths", "s", "lane_change"):
        if getattr(network, name).shape != (samples,):
            raise ValueError(f"{name} has shape {getattr(network, name).shape}, expected ({samples},)")
    for name in ("lane_keys", "lane_junction_ids", "lane_speed_limits", "lane_left", "lane_right", "lane_oncoming"):
        if getattr(network, name).shape[0] != lanes:
            raise ValueError(f"{name} has {getattr(network, name).shape[0]} rows, expected {lanes}")
    if network.successors.size and not (0 <= network.successors.min() and network.successors.max() < lanes):
        raise ValueError("successors name lanes that do not exist")
    polygons = network.map_polygons
    _csr(polygons.offsets, polygons.tokens.shape[0], polygons.vertices.shape[0], "map_polygons.offsets")
    _csr(network.crosswalk_offsets, network.crosswalk_offsets.shape[0] - 1, network.crosswalk_vertices.shape[0],
         "crosswalk_offsets")  # fmt: skip


def _csr(offsets: np.ndarray, rows: int, total: int, name: str) -> None:
    if offsets.shape != (rows + 1,) or offsets[0] != 0 or offsets[-1] != total or np.any(np.diff(offsets) < 0):
        raise ValueError(f"{name} is not a CSR index of {rows} rows into {total} items")
