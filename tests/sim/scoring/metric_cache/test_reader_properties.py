"""Property: any one field of a real metric cache replaced by junk gives a MetricCacheError or a scene."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scoring.metric_cache import MetricCacheError, cache_from_records
from sim.scoring.metric_cache.unpickler import CacheRecord, load_cache_records
from tests.conftest import parity_scene_dirs
from tests.data_guard import missing_data

JUNK = [None, float("nan"), float("inf"), -1.0, 0, 7, 10**400, "junk", "", [], {}, (1, 2), np.zeros(3), True, object()]
MAX_SITES_PER_LIST = 3  # sample long lists (frames, tracks, map polygons) instead of walking all of them


def _sites(node, depth: int = 0) -> list[tuple[object, object]]:
    """(container, key) pairs whose value may be replaced: record attributes, list items, call arguments."""
    if depth > 12:
        return []
    sites: list[tuple[object, object]] = []
    if isinstance(node, CacheRecord):
        children = [(node.__dict__, key) for key in node.__dict__ if key != "call_args"]
        children += [(node, ("call_args", index)) for index in range(len(node.call_args))]
    elif isinstance(node, (list, np.ndarray)) and (not isinstance(node, np.ndarray) or node.dtype == object):
        children = [(node, index) for index in range(min(len(node), MAX_SITES_PER_LIST))]
    elif isinstance(node, tuple):
        children = []
        for item in node:
            sites += _sites(item, depth + 1)
    else:
        return []
    for container, key in children:
        sites.append((container, key))
        sites += _sites(_get(container, key), depth + 1)
    return sites


def _get(container, key):
    if isinstance(key, tuple) and key[0] == "call_args":
        return container.call_args[key[1]]
    return container[key]


def _set(container, key, value) -> None:
    if isinstance(key, tuple) and key[0] == "call_args":
        arguments = list(container.call_args)
        arguments[key[1]] = value
        container.__dict__["call_args"] = tuple(arguments)
    else:
        container[key] = value


class _Cache:
    """The parity cache's records and their mutable sites (short repr for hypothesis reports)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.record = load_cache_records(path)
        self.sites = _sites(self.record)

    def __repr__(self) -> str:
        return f"<cache {self.path.parent.name}: {len(self.sites)} sites>"


class _Site:
    def __init__(self, container, key) -> None:
        self.container, self.key = container, key

    def __repr__(self) -> str:
        owner = getattr(self.container, "qualified_name", type(self.container).__name__)
        return f"<{owner}[{self.key!r}]>"


@pytest.fixture(scope="module")
def cache(data_dir: Path) -> _Cache:
    folders = [folder for folder in parity_scene_dirs(data_dir) if (folder / "metric_cache.pkl").is_file()]
    if not folders:
        missing_data("no metric cache in the parity data")
    return _Cache(folders[0] / "metric_cache.pkl")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_junk_field_gives_our_error_or_a_scene(cache: _Cache, data: st.DataObject) -> None:
    path, record = cache.path, cache.record
    site = data.draw(st.sampled_from(cache.sites).map(lambda pair: _Site(*pair)))
    container, key = site.container, site.key
    junk = data.draw(st.sampled_from(JUNK))
    original = _get(container, key)
    _set(container, key, junk)
    try:
        cache_from_records(record, path)
    except MetricCacheError as error:
        assert str(path) in str(error)
    finally:
        _set(container, key, original)
