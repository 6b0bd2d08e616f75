"""A small synthetic dataset in the collection layout of the cpu presets, shared by the model tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.common.driving_data.synthetic import BEV_CHANNELS, write_synthetic_dataset
from models.sensors import collection_layout


@pytest.fixture(scope="session")
def cpu_dataset(tmp_path_factory) -> Path:
    """3 episodes x 40 samples (the third is ``val``) with the cameras of the three cpu presets."""
    root = tmp_path_factory.mktemp("cpu_dataset")
    write_synthetic_dataset(root, collection_layout(BEV_CHANNELS, 1.345), episodes=3, samples=40)
    return root
