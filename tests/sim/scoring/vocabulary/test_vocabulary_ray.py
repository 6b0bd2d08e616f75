"""Vocabulary scoring on a local Ray: the same scores as local workers, failed tasks resubmitted."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scoring.config import ScorerConfig
from sim.scoring.vocabulary import RunOptions, SceneJsonSource, VocabularyScores, score_vocabulary
from sim.types import NAVSIM_SAMPLING

ray = pytest.importorskip("ray")


@pytest.fixture()
def local_ray(faulty_scorers, tmp_path, monkeypatch):
    monkeypatch.setenv(faulty_scorers.MARKER_ENV, str(tmp_path / "marker"))  # before the workers start
    ray.init(num_cpus=2, log_to_driver=False, include_dashboard=False)
    ray.cloudpickle.register_pickle_by_value(faulty_scorers)  # Ray workers cannot import the test helper
    yield
    ray.shutdown()


def test_ray_run_matches_local_workers_and_resubmits_a_failed_shard(
    tmp_path, scene_folder, small_vocabulary, faulty_scorers, local_ray
) -> None:
    source = SceneJsonSource(scene_folder)
    ray_options = RunOptions(use_ray=True, shard_size=1, max_attempts=2, shard_timeout=300.0)
    summary = score_vocabulary(
        small_vocabulary, NAVSIM_SAMPLING, "d", source, tmp_path / "ray", ScorerConfig(), ray_options,
        scorer=faulty_scorers.raise_once_on_one_shard,
    )  # fmt: skip
    assert (tmp_path / "marker").exists(), "the injected failure did not happen"
    assert summary["shards_failed"] == {} and summary["shards_scored"] == 3 and summary["executor"] == "ray"
    local = RunOptions(workers=1, shard_size=1)
    score_vocabulary(small_vocabulary, NAVSIM_SAMPLING, "d", source, tmp_path / "local", ScorerConfig(), local)
    by_ray, by_local = VocabularyScores(tmp_path / "ray"), VocabularyScores(tmp_path / "local")
    for token in by_local.all_tokens:
        for name in by_local.metrics:
            np.testing.assert_array_equal(by_ray.for_token(token)[name], by_local.for_token(token)[name])
