"""A tiny collection shared by the collection tests: two short random-route episodes in Town01."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.collect.run import RunOptions, run_collection
from agents.collect.workers import Budget
from tests.agents.collect.tiny_collection import tiny_settings


@pytest.fixture(scope="session")
def tiny_dataset(tmp_path_factory, data_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("collect") / "dataset"
    summary = run_collection(out, tiny_settings(), RunOptions(workers=1, budget=Budget(episodes=2)))
    assert len(summary.committed) == 2 and not summary.failed, summary.failed
    return out
