"""A truncated, corrupted or inconsistent map cache is rebuilt (and rewritten), never trusted."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.maps import town as town_module
from sim.maps.cache import cache_path, check_network, load_network, save_network
from sim.maps.config import MapConfig
from sim.maps.town import load_town


@pytest.fixture
def cache_root(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOSED_LOOP_CACHE", str(tmp_path))
    town_module._load_cached.cache_clear()
    yield tmp_path / "maps"
    town_module._load_cached.cache_clear()


def only_cache_file(root):
    files = sorted(root.glob("Town01_*.npz"))
    assert len(files) == 1
    return files[0]


@pytest.mark.parametrize("damage", ["truncate", "flip_bytes", "empty"])
def test_a_damaged_cache_file_is_rebuilt_and_rewritten(cache_root, data_dir, damage) -> None:
    built = load_town("Town01", data_dir)
    path = only_cache_file(cache_root)
    size = path.stat().st_size
    content = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(content[: size // 2])
    elif damage == "flip_bytes":
        middle = size // 2
        flipped = bytes(b ^ 0xFF for b in content[middle : middle + 64])
        path.write_bytes(content[:middle] + flipped + content[middle + 64 :])
    else:
        path.write_bytes(b"")
    town_module._load_cached.cache_clear()
    rebuilt = load_town("Town01", data_dir)
    np.testing.assert_array_equal(rebuilt.points, built.points)
    assert load_network(path, built.source_sha256) is not None, "the rebuilt town replaced the damaged file"


def test_a_cache_of_other_content_or_inconsistent_arrays_is_refused(town, tmp_path) -> None:
    network = town("Town01")
    path = cache_path(network.name, network.source_sha256, MapConfig(), root=tmp_path)
    save_network(network, path)
    assert load_network(path, network.source_sha256) is not None
    assert load_network(path, "0" * 64) is None, "built from another OpenDRIVE file"
    broken = dataclasses.replace(network, lane_offsets=network.lane_offsets[:-1])
    with pytest.raises(ValueError, match="lane_offsets"):
        check_network(broken)
    save_network(broken, path)
    assert load_network(path) is None
