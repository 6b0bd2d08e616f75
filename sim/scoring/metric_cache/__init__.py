"""NAVSIM metric caches without navsim or nuPlan: read them into :class:`~sim.types.ScoringScene`.

Public API:

- :func:`load_metric_cache` ``(path) -> ScoringScene``
- :func:`read_metric_cache` ``(path) -> MetricCacheScene`` (the scene with token, log, type, time)
- :func:`list_metric_caches` ``(folder) -> list[CacheEntry]`` (token and path of every cache file)
- :func:`cache_from_records` ``(record, path) -> MetricCacheScene`` (an already unpickled record)
- :class:`MetricCacheError` (any unreadable cache), :class:`UnsafePickleError` (a refused global)
"""

from sim.scoring.metric_cache.convert import (
    MetricCacheScene,
    NuplanMapLayer,
    SceneFrameType,
    cache_from_records,
    load_metric_cache,
    read_metric_cache,
)
from sim.scoring.metric_cache.folder import CACHE_FILE_NAME, CacheEntry, list_metric_caches
from sim.scoring.metric_cache.unpickler import MetricCacheError, UnsafePickleError

__all__ = [
    "CACHE_FILE_NAME",
    "CacheEntry",
    "MetricCacheError",
    "MetricCacheScene",
    "NuplanMapLayer",
    "SceneFrameType",
    "UnsafePickleError",
    "cache_from_records",
    "list_metric_caches",
    "load_metric_cache",
    "read_metric_cache",
]
