"""Vocabulary scoring writes exactly what score_batch computes, per token, in the documented layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.scoring.config import ScorerConfig
from sim.scoring.results import EpdmsMetric, PdmsMetric, ScorerVersion
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_batch
from sim.scoring.vocabulary import (
    METRICS,
    RunOptions,
    SceneJsonSource,
    VocabularyScores,
    load_vocabulary,
    score_vocabulary,
)
from sim.types import TrajectorySampling

EXACT = RunOptions(workers=1, shard_size=2, score_dtype="float32", waypoint_flags=True)


def _run(vocabulary_path: Path, scenes: Path, out: Path, config: ScorerConfig, options: RunOptions = EXACT) -> dict:
    vocabulary, sampling, digest = load_vocabulary(vocabulary_path)
    return score_vocabulary(vocabulary, sampling, digest, SceneJsonSource(scenes), out, config, options)


@pytest.mark.parametrize("version", [ScorerVersion.EPDMS_V2, ScorerVersion.PDMS_V1])
def test_scores_equal_score_batch_on_every_token(tmp_path, scene_folder_factory, small_vocabulary, version) -> None:
    scene_folder = scene_folder_factory(tmp_path / "scenes", version.value)  # v1 reads 51 frames
    np.save(tmp_path / "vocab.npy", small_vocabulary)
    config = ScorerConfig(version=version)
    summary = _run(tmp_path / "vocab.npy", scene_folder, tmp_path / "out", config)
    assert summary["tokens_scored"] == 3 and summary["trajectory_scores"] == 3 * len(small_vocabulary)
    scores = VocabularyScores(tmp_path / "out")
    assert scores.metrics == list(METRICS[version])
    columns = {m.name.lower(): m for m in (EpdmsMetric if version is ScorerVersion.EPDMS_V2 else PdmsMetric)}
    for token in ("a/seed0_agents30", "a/seed0_agents80", "moved"):
        expected = score_batch(load_scoring_scene(scene_folder / f"{token}.json"), small_vocabulary, config=config)
        got = scores.for_token(token)
        for name in scores.metrics:
            if name in columns:
                want = expected.metrics[:, columns[name]]
            else:
                want = np.full(len(small_vocabulary), np.nan) if name == "ec" else expected.score
            np.testing.assert_array_equal(got[name], want.astype(np.float32), err_msg=f"{token} {name}")
        np.testing.assert_array_equal(got.progress_raw, expected.progress_raw.astype(np.float32))
        np.testing.assert_array_equal(got.ego_areas, expected.ego_areas)
        want_steps = np.where(np.isfinite(expected.collision_time_idx), expected.collision_time_idx, -1)
        np.testing.assert_array_equal(got.collision_step, want_steps)
        assert got.ttc_step.dtype == np.int8


def test_forty_pose_vocabulary_is_read_at_a_tenth_of_a_second(tmp_path, scene_folder, small_vocabulary) -> None:
    # 40 local poses at 0.1 s: the 8-pose proposals linearly resampled (any smooth poses would do)
    knots = np.concatenate([np.zeros((len(small_vocabulary), 1, 3)), small_vocabulary], axis=1)
    times = np.arange(1, 41) * 0.1
    dense = np.stack(
        [np.stack([np.interp(times, np.arange(9) * 0.5, k[:, c]) for c in range(3)], axis=-1) for k in knots]
    )
    np.save(tmp_path / "dense.npy", dense)
    _, sampling, _ = load_vocabulary(tmp_path / "dense.npy")
    assert sampling == TrajectorySampling(num_poses=40, interval_length=0.1)
    _run(tmp_path / "dense.npy", scene_folder, tmp_path / "out", ScorerConfig())
    expected = score_batch(load_scoring_scene(scene_folder / "moved.json"), dense, sampling)
    got = VocabularyScores(tmp_path / "out").for_token("moved")["epdms"]
    np.testing.assert_array_equal(got, expected.score.astype(np.float32))


def test_a_broken_scene_is_recorded_and_the_shard_goes_on(tmp_path, scene_folder, small_vocabulary) -> None:
    (scene_folder / "broken.json").write_text('{"n_frames": 41}')
    np.save(tmp_path / "vocab.npy", small_vocabulary)
    summary = _run(tmp_path / "vocab.npy", scene_folder, tmp_path / "out", ScorerConfig())
    assert summary["tokens_failed"] == 1 and summary["tokens_scored"] == 3
    scores = VocabularyScores(tmp_path / "out")
    assert "SceneFormatError" in scores.failed_tokens()["broken"] and "broken.json" in scores.failed_tokens()["broken"]
    with pytest.raises(KeyError, match="was not scored"):
        scores.for_token("broken")
    with pytest.raises(KeyError, match="not part of this run"):
        scores.for_token("nowhere")


def test_float16_scores_and_the_shard_layout(tmp_path, scene_folder, small_vocabulary) -> None:
    np.save(tmp_path / "vocab.npy", small_vocabulary)
    _run(tmp_path / "vocab.npy", scene_folder, tmp_path / "out", ScorerConfig(), RunOptions(shard_size=2))
    scores = VocabularyScores(tmp_path / "out")
    shards = list(scores.iter_shards())
    assert [len(shard["tokens"]) for shard in shards] == [2, 1]
    first = shards[0]
    assert first["epdms"].dtype == np.float16 and first["epdms"].shape == (2, len(small_vocabulary))
    assert first["collision_step"].dtype == np.int8 and "ego_areas" not in first
    assert scores.for_token("moved").ego_areas is None
