"""Fixtures of the CARLA tests: a private runtime folder (port locks, server registry) and a port range per test."""

from __future__ import annotations

import zlib
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def private_runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "runtime"
    monkeypatch.setenv("CLOSED_LOOP_RUNTIME_DIR", str(folder))
    return folder


@pytest.fixture
def port_base(request: pytest.FixtureRequest) -> int:
    """A port range per test, below the ephemeral ports (other runs may hold some; clashes move on anyway)."""
    return 21000 + 400 * (zlib.crc32(request.node.nodeid.encode()) % 25)
