"""Shared test fixtures: the data directory and the parity scenes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.paths import resolve_data_dir
from tests.data_guard import missing_data


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The data directory (``--data-dir`` aside, as commands find it); a test that needs it skips when it
    is absent, and fails under CI, where the repository's own data must be there."""
    root = resolve_data_dir()
    if not root.is_dir():
        missing_data(f"data directory '{root}' not found; set CLOSED_LOOP_DATA (see README 'Data')")
    return root


def parity_scene_dirs(root: Path) -> list[Path]:
    """Every scene folder of the NAVSIM parity set (the format, not particular scenes)."""
    return sorted(path.parent for path in (root / "navsim_parity").glob("*/golden_v2.npz"))


@pytest.fixture(scope="session")
def tiny_route_world(data_dir: Path):
    """The privileged world at the start of LangAuto-Tiny route 0 (Town01), seed 0."""
    from routes.benchmarks import load_benchmark
    from sim.maps.route_planner import plan_route
    from sim.maps.town import load_town
    from sim.world.world import World

    description = load_benchmark("langauto-tiny", data_dir, "0").routes[0]
    network = load_town(description.town, data_dir)
    return World(network, plan_route(network, description.keypoints), seed=0).privileged()


@pytest.fixture(scope="session")
def cpu_dataset(tmp_path_factory) -> Path:
    """A synthetic expert dataset in the collection layout of the three cpu model presets:
    3 episodes x 40 samples at 10 Hz, the third on a ``val`` route."""
    from models.common.driving_data.synthetic import BEV_CHANNELS, write_synthetic_dataset
    from models.sensors import collection_layout

    root = tmp_path_factory.mktemp("cpu_dataset")
    write_synthetic_dataset(root, collection_layout(BEV_CHANNELS, 1.345), episodes=3, samples=40)
    return root
