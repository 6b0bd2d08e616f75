"""The evaluation routes, planned once into dense routes per town (cached on disk), to check overlaps against.

Every route of every evaluation file whose town map exists is planned exactly as the benchmark
runner plans it (keypoints with their heights, the route planner); routes in towns without a map
(Town12, Town13) cannot be collected on either, so they need no check. The dense poses are cached
under ``$CLOSED_LOOP_CACHE/collect`` keyed by the files' and maps' sha256.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from agents.collect.overlap import RouteShape
from routes.route_types import RouteDescription
from routes.route_xml import read_route_file
from sim.maps.dense_route import DenseRoute
from sim.maps.route_planner import plan_route
from sim.maps.town import available_towns, load_town
from sim.paths import cache_dir, data_path

logger = logging.getLogger(__name__)

CACHE_VERSION = 1  # bump when planning or the cache layout changes


def plan_description(description: RouteDescription, data_dir: str | None = None) -> DenseRoute:
    """The dense route of a route file entry, as the benchmark runner plans it."""
    network = load_town(description.town, data_dir)
    keypoints = np.column_stack([description.keypoints, description.keypoints_carla[:, 2]])  # z picks the level
    return plan_route(network, keypoints, source=description.source)


class EvaluationRoutes:
    """Dense evaluation routes by town: ``routes.by_town("Town03") -> [RouteShape]``."""

    def __init__(self, by_town: dict[str, list[RouteShape]], files: Sequence[str]) -> None:
        self._by_town, self.files = by_town, tuple(files)

    def by_town(self, town: str) -> list[RouteShape]:
        return self._by_town.get(town, [])

    @property
    def count(self) -> int:
        return sum(len(v) for v in self._by_town.values())

    @classmethod
    def load(cls, files: Sequence[str], data_dir: str | None = None, use_cache: bool = True) -> EvaluationRoutes:
        """Plan (or read from the cache) every route of ``files`` in a town whose map exists."""
        towns = set(available_towns(data_dir))
        paths = [data_path(f, data_dir) for f in files]
        key = _cache_key(paths, towns, data_dir)
        cache = cache_dir("collect") / f"evaluation_routes_{key}.npz"
        if use_cache and cache.is_file():
            try:
                return cls(_read_cache(cache), files)
            except (OSError, ValueError, KeyError) as error:
                logger.warning("%s: unreadable evaluation-route cache (%s); planning again", cache, error)
        by_town: dict[str, list[RouteShape]] = {}
        for relative, path in zip(files, paths, strict=True):
            for description in read_route_file(path):
                if description.town in towns:
                    route = plan_description(description, data_dir)
                    name = f"{relative}:{description.route_id}"
                    by_town.setdefault(description.town, []).append(RouteShape(name, route.points))
        if use_cache:
            _write_cache(cache, by_town)
        return cls(by_town, files)


def _cache_key(paths: list[Path], towns: set[str], data_dir: str | None) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for path in paths:
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for town in sorted(towns):
        digest.update(f"{town}:{load_town(town, data_dir).source_sha256}".encode())
    return digest.hexdigest()[:24]


def _write_cache(path: Path, by_town: dict[str, list[RouteShape]]) -> None:
    shapes = [(town, shape) for town, items in sorted(by_town.items()) for shape in items]
    index = [{"town": town, "name": shape.name, "count": int(len(shape.poses))} for town, shape in shapes]
    poses = np.concatenate([shape.poses for _, shape in shapes]) if shapes else np.zeros((0, 3))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as stream:
        np.savez(stream, poses=poses, index=np.array(json.dumps(index)))
    os.replace(tmp, path)


def _read_cache(path: Path) -> dict[str, list[RouteShape]]:
    with np.load(path, allow_pickle=False) as data:
        poses, index = data["poses"], json.loads(str(data["index"]))
    by_town: dict[str, list[RouteShape]] = {}
    start = 0
    for entry in index:
        stop = start + int(entry["count"])
        by_town.setdefault(entry["town"], []).append(RouteShape(entry["name"], poses[start:stop]))
        start = stop
    if start != poses.shape[0]:
        raise ValueError(f"index covers {start} poses, the file holds {poses.shape[0]}")
    return by_town
