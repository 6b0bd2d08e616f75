"""Fixtures of the map tests: towns built once per test session, without the disk cache."""

from __future__ import annotations

import pytest

from sim.maps import load_town


@pytest.fixture(scope="session")
def town(data_dir):
    """``town("Town01")`` -> RoadNetwork built from the data directory (no disk cache: tests the build)."""

    def build(name: str):
        return load_town(name, data_dir, use_disk_cache=False)

    return build
