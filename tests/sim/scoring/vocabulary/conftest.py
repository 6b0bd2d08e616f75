"""Fixtures of the vocabulary-scoring tests: a scene folder and a small vocabulary from the parity data."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.paths import resolve_data_dir

SCENES = ("seed0_agents30", "seed0_agents80")


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    return resolve_data_dir() / "navsim_parity"


def make_scene_folder(folder: Path, parity_dir: Path, version: str = "v2") -> Path:
    """Three scene JSON files (two parity scenes, one of them twice): tokens a/seed0_agents30, ..."""
    (folder / "a").mkdir(parents=True, exist_ok=True)
    for name in SCENES:
        shutil.copy(parity_dir / name / f"scene_{version}.json", folder / "a" / f"{name}.json")
    shutil.copy(parity_dir / SCENES[0] / f"scene_{version}.json", folder / "moved.json")
    return folder


@pytest.fixture()
def scene_folder(tmp_path: Path, parity_dir: Path) -> Path:
    return make_scene_folder(tmp_path / "scenes", parity_dir)


@pytest.fixture(scope="session")
def scene_folder_factory(parity_dir: Path):
    """``factory(folder, version)``: :func:`make_scene_folder` for the v1 (51-frame) or v2 scenes."""
    return lambda folder, version="v2": make_scene_folder(folder, parity_dir, version)


@pytest.fixture(scope="session")
def small_vocabulary(parity_dir: Path) -> np.ndarray:
    """``(24, 8, 3)`` proposals of the parity set (every 21st: all families)."""
    return np.load(parity_dir / SCENES[0] / "golden_v2.npz")["proposals_local"][::21][:24].copy()


@pytest.fixture(scope="session")
def faulty_scorers():
    """The helper module, registered so that forked workers unpickle its functions by name."""
    path = Path(__file__).with_name("faulty_scorers.py")
    spec = importlib.util.spec_from_file_location("vocabulary_faulty_scorers", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module
