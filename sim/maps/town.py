"""Load a CARLA town's road network from its OpenDRIVE file with the real ``carla`` client, offline.

``carla.Map(name, xodr_text)`` needs no server. The result is converted to the internal frame once,
cached per process and on disk (see :mod:`sim.maps.cache`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
import time
from pathlib import Path

import numpy as np

from sim.frames import GeoReference
from sim.maps import cache
from sim.maps.config import DEFAULT_MAP_CONFIG, MapConfig
from sim.maps.opendrive_reader import read_lanes
from sim.maps.polygons import build_map_polygons
from sim.maps.road_network import RoadNetwork
from sim.maps.signals import STOP_SIGN_TYPE, TRAFFIC_LIGHT_TYPE, read_crosswalks, read_signals
from sim.paths import DataFileNotFoundError, data_path, resolve_data_dir

logger = logging.getLogger(__name__)

MAPS_SUBDIR = "maps/carla"  # town files live at <data dir>/maps/carla/<Town>.xodr
_TOWN_NAME = re.compile(r"^[A-Za-z0-9_]+$")


class UnknownTownError(DataFileNotFoundError):
    """No OpenDRIVE file for the requested town; the message lists the towns that exist."""


class MapLoadError(ValueError):
    """An OpenDRIVE file exists but cannot be read or holds no drivable road."""


def available_towns(data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of the towns whose ``.xodr`` file is in the data directory, sorted."""
    folder = resolve_data_dir(data_dir) / MAPS_SUBDIR
    return sorted(path.stem for path in folder.glob("*.xodr"))


def town_path(name: str, data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The ``.xodr`` file of town ``name``.

    Raises:
        UnknownTownError: naming the town, the place searched and the towns available.
    """
    if not isinstance(name, str) or not _TOWN_NAME.match(name):
        raise UnknownTownError(f"invalid town name {name!r}: expected letters, digits and '_', e.g. 'Town01'")
    try:
        return data_path(f"{MAPS_SUBDIR}/{name}.xodr", data_dir)
    except DataFileNotFoundError as error:
        towns = ", ".join(available_towns(data_dir)) or "none"
        raise UnknownTownError(f"unknown town '{name}' (towns available: {towns}). {error}") from None


def build_road_network(
    name: str, xodr_text: str, config: MapConfig = DEFAULT_MAP_CONFIG, source: str = ""
) -> RoadNetwork:
    """Build the network of one town from OpenDRIVE text (no caching).

    Raises:
        MapLoadError: naming ``source`` when the client cannot parse the text or finds no lanes.
    """
    import carla

    where = source or f"<OpenDRIVE text of {name}>"
    try:
        carla_map = carla.Map(name, xodr_text)
        lanes = read_lanes(carla_map, xodr_text, config)
    except (RuntimeError, ValueError) as error:
        raise MapLoadError(f"cannot build town '{name}' from '{where}': {error}") from error
    index_of = {tuple(key): i for i, key in enumerate(lanes.keys.tolist())}
    crosswalk_offsets, crosswalk_vertices = read_crosswalks(carla_map)
    s = np.zeros(lanes.points.shape[0])
    step = np.hypot(*np.diff(lanes.points[:, :2], axis=0).T)
    step[lanes.offsets[1:-1] - 1] = 0.0  # no distance across lane boundaries
    s[1:] = np.cumsum(step)
    s -= np.repeat(s[lanes.offsets[:-1]], np.diff(lanes.offsets))
    return RoadNetwork(
        name=name,
        source_sha256=hashlib.sha256(xodr_text.encode("utf-8")).hexdigest(),
        geo=GeoReference.from_opendrive(xodr_text),
        lane_keys=lanes.keys,
        lane_junction_ids=lanes.junction_ids,
        lane_speed_limits=lanes.speed_limits,
        lane_left=lanes.left,
        lane_right=lanes.right,
        lane_oncoming=lanes.oncoming,
        successor_offsets=lanes.successor_offsets,
        successors=lanes.successors,
        lane_offsets=lanes.offsets,
        points=lanes.points,
        z=lanes.z,
        widths=lanes.widths,
        s=s,
        lane_change=lanes.lane_change,
        map_polygons=build_map_polygons(lanes, config.intersection_closing),
        traffic_lights=read_signals(carla_map, TRAFFIC_LIGHT_TYPE, index_of),
        stop_signs=read_signals(carla_map, STOP_SIGN_TYPE, index_of),
        crosswalk_offsets=crosswalk_offsets,
        crosswalk_vertices=crosswalk_vertices,
    )


def _read_xodr(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MapLoadError(f"cannot read OpenDRIVE file '{path}': {error}") from error


@functools.lru_cache(maxsize=4)
def _load_cached(path: Path, config: MapConfig, use_disk_cache: bool) -> RoadNetwork:
    return _network_of(path.stem, _read_xodr(path), config, use_disk_cache, str(path))


def _network_of(name: str, xodr_text: str, config: MapConfig, use_disk_cache: bool, source: str) -> RoadNetwork:
    started = time.perf_counter()
    sha = hashlib.sha256(xodr_text.encode("utf-8")).hexdigest()
    target = cache.cache_path(name, sha, config)
    network = cache.load_network(target, sha) if use_disk_cache else None
    if network is not None:
        logger.debug("town %s read from cache '%s' in %.2f s", name, target, time.perf_counter() - started)
        return network
    network = build_road_network(name, xodr_text, config, source=source)
    if use_disk_cache:
        try:
            cache.save_network(network, target)
        except OSError as error:
            logger.warning("cannot write map cache '%s': %s", target, error)
    logger.debug("town %s built from '%s' in %.2f s", name, source, time.perf_counter() - started)
    return network


def town_from_opendrive(name: str, xodr_text: str, config: MapConfig = DEFAULT_MAP_CONFIG) -> RoadNetwork:
    """The road network of OpenDRIVE text (e.g. a CARLA server's ``carla.Map.to_opendrive()``), disk-cached by content.

    The data directory's own file is used when its content is the same (no rebuild).
    """
    sha = hashlib.sha256(xodr_text.encode("utf-8")).hexdigest()
    key = (name, sha, config)
    if key not in _FROM_TEXT:
        try:
            network = load_town(name, config=config)
        except (DataFileNotFoundError, MapLoadError):
            network = None
        if network is None or network.source_sha256 != sha:
            network = _network_of(name, xodr_text, config, True, f"<OpenDRIVE of {name} given in memory>")
        if len(_FROM_TEXT) >= 4:
            _FROM_TEXT.pop(next(iter(_FROM_TEXT)))
        _FROM_TEXT[key] = network
    return _FROM_TEXT[key]


_FROM_TEXT: dict[tuple, RoadNetwork] = {}  # networks of in-memory OpenDRIVE texts, per (town, sha, config)


def load_town(
    name: str,
    data_dir: str | os.PathLike[str] | None = None,
    config: MapConfig = DEFAULT_MAP_CONFIG,
    use_disk_cache: bool = True,
) -> RoadNetwork:
    """The road network of town ``name`` (e.g. ``"Town01"``), cached per process and on disk.

    Args:
        name: town name; its file is ``<data dir>/maps/carla/<name>.xodr``.
        data_dir: data directory (else ``$CLOSED_LOOP_DATA``, else ``./data``).
        config: sampling settings (part of the cache key).
        use_disk_cache: read and write ``$CLOSED_LOOP_CACHE/maps`` (``~/.cache/closed_loop/maps``).

    Raises:
        UnknownTownError: no such town file (the message lists the towns available).
        MapLoadError: the file is unreadable or not a usable OpenDRIVE map.
    """
    return _load_cached(town_path(name, data_dir), config, use_disk_cache)


CARLA_MAP_PREFIX = "Carla/Maps/"  # what a CARLA server's ``carla.Map.name`` starts with


def town_opendrive(network: RoadNetwork, data_dir: str | os.PathLike[str] | None = None) -> str:
    """The OpenDRIVE text of ``network``'s town (a warning if it differs from the one the network was built from)."""
    text = _read_xodr(town_path(network.name, data_dir))
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != network.source_sha256:
        logger.warning("OpenDRIVE file of %s differs from the one its road network was built from", network.name)
    return text


@functools.lru_cache(maxsize=2)
def _carla_map(name: str, sha256: str, path: Path):
    import carla

    started = time.perf_counter()
    carla_map = carla.Map(CARLA_MAP_PREFIX + name, _read_xodr(path))
    logger.info("carla.Map of %s (%s) built in %.2f s", name, sha256[:8], time.perf_counter() - started)
    return carla_map


def town_carla_map(network: RoadNetwork, data_dir: str | os.PathLike[str] | None = None):
    """The real ``carla.Map`` of ``network``'s town, loaded offline from its ``.xodr`` and cached per process.

    Its ``name`` is ``Carla/Maps/<town>``, as a CARLA server names it.
    """
    return _carla_map(network.name, network.source_sha256, town_path(network.name, data_dir))
