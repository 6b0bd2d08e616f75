"""Several dataset folders read as one (the expert's data beside a DAgger round)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.common.driving_data import DrivingData, DrivingDataError, write_vocabulary
from models.common.driving_data.synthetic import small_layout, write_synthetic_dataset
from models.common.driving_data.union import DrivingDataUnion, open_driving_data
from models.common.samples import EpisodeSamples


class SpeedSamples(EpisodeSamples):
    def build(self, episode, index, rng):
        return {"speed": float(episode.field("speed")[index])}


@pytest.fixture(scope="module")
def two_datasets(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("union")
    # the same episode ids in both folders (ep000, ep001, ...), different content
    write_synthetic_dataset(root / "expert", episodes=3, samples=20, seed=1)
    write_synthetic_dataset(root / "dagger", episodes=4, samples=15, seed=2)
    return root / "expert", root / "dagger"


def test_one_folder_opens_as_a_plain_dataset(two_datasets) -> None:
    expert, _ = two_datasets
    assert type(open_driving_data(str(expert))) is DrivingData
    assert type(open_driving_data(f"{expert},")) is DrivingData


def test_union_keeps_every_episode_apart_even_with_equal_ids(two_datasets) -> None:
    expert, dagger = two_datasets
    union = open_driving_data(f"{expert},{dagger}")
    assert isinstance(union, DrivingDataUnion)
    ids = [info.id for info in union.episodes]
    assert len(ids) == len(set(ids)) == 7
    for k, root in enumerate((expert, dagger)):
        alone = DrivingData(root)
        for info in alone.episodes:
            mine, theirs = union.episode(f"d{k}.{info.id}"), alone.episode(info.id)
            np.testing.assert_array_equal(mine.field("speed"), theirs.field("speed"))
            np.testing.assert_array_equal(mine.image("rgb_front", 3), theirs.image("rgb_front", 3))
    assert len(union.split("train")) + len(union.split("val")) == 7


def test_samples_over_a_union_hold_both_datasets(two_datasets) -> None:
    expert, dagger = two_datasets
    items = SpeedSamples(f"{expert},{dagger}", split=None)
    assert len(items) == 3 * 20 + 4 * 15
    speeds = sorted(items[i]["speed"] for i in range(len(items)))
    alone = [
        float(v) for root in (expert, dagger) for e in DrivingData(root).episodes
        for v in DrivingData(root).episode(e.id).field("speed")
    ]  # fmt: skip
    assert speeds == sorted(alone)


def test_a_layout_mismatch_names_the_folder_and_field(two_datasets, tmp_path: Path) -> None:
    expert, _ = two_datasets
    write_synthetic_dataset(tmp_path / "other", small_layout(bev=False), episodes=1, samples=5)
    with pytest.raises(DrivingDataError, match=r"other: its layout differs .*layout\.bev_channels"):
        open_driving_data([expert, tmp_path / "other"])


def test_unknown_episode_and_empty_spec_are_clear_errors(two_datasets) -> None:
    expert, dagger = two_datasets
    union = open_driving_data([expert, dagger])
    with pytest.raises(DrivingDataError, match="no finished episode 'ep000'"):
        union.episode("ep000")
    with pytest.raises(DrivingDataError, match="no dataset folder"):
        open_driving_data(" , ")


def test_vocabulary_must_agree_where_several_folders_hold_one(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    layout = small_layout()
    write_synthetic_dataset(a, layout, episodes=1, samples=5)
    write_synthetic_dataset(b, layout, episodes=1, samples=5)
    vocab = np.zeros((4, layout.horizon_steps, 3))
    write_vocabulary(a, "k4", vocab, layout.horizon_steps)
    np.testing.assert_array_equal(open_driving_data([a, b]).vocabulary("k4"), vocab)
    write_vocabulary(b, "k4", vocab + 1.0, layout.horizon_steps)
    with pytest.raises(DrivingDataError, match="vocabulary 'k4': .*b holds another one"):
        open_driving_data([a, b]).vocabulary("k4")
    with pytest.raises(DrivingDataError, match="vocabulary 'none' is in none of the datasets"):
        open_driving_data([a, b]).vocabulary("none")
