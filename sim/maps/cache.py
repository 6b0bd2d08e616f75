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


def load_network(path: Path) -> RoadNetwork | None:
    """The cached network at ``path``, or ``None`` when absent, stale or unreadable."""
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
        if int(arrays.pop("_version")) != CACHE_VERSION:
            return None
        return _rebuild(RoadNetwork, arrays)
    except (OSError, ValueError, KeyError, TypeError) as error:
        logger.warning("ignoring unreadable map cache '%s': %s", path, error)
        return None
