"""Shared test fixtures: the data directory and the parity scenes."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.paths import resolve_data_dir


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The data directory (``CLOSED_LOOP_DATA``); tests that need it skip when it is absent."""
    root = resolve_data_dir()
    if not root.is_dir():
        pytest.skip(f"data directory '{root}' not found; set CLOSED_LOOP_DATA (see README 'Data')")
    return root


def parity_scene_dirs(root: Path) -> list[Path]:
    """Every scene folder of the NAVSIM parity set (the format, not particular scenes)."""
    return sorted(path.parent for path in (root / "navsim_parity").glob("*/golden_v2.npz"))
