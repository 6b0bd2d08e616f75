"""Vocabulary files, sources and the command line: clear errors, documented defaults."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scoring.config import ScorerConfig
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_batch
from sim.scoring.vocabulary import (
    MetricCacheSource,
    SceneJsonSource,
    SourceError,
    VocabularyError,
    VocabularyScores,
    load_vocabulary,
    source_from_spec,
)
from sim.scoring.vocabulary.__main__ import main
from sim.types import TrajectorySampling


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((4, 8)), r"shape \(V, P, 3\)"),
        (np.zeros((4, 8, 2)), r"shape \(V, P, 3\)"),
        (np.full((2, 8, 3), np.nan), "NaN or inf"),
        (np.zeros((2, 12, 3)), "12 poses per trajectory; give their spacing"),
    ],
)
def test_bad_vocabularies_are_refused_naming_the_file(tmp_path, array, message) -> None:
    np.save(tmp_path / "v.npy", array)
    with pytest.raises(VocabularyError, match=message) as error:
        load_vocabulary(tmp_path / "v.npy")
    assert "v.npy" in str(error.value)


@settings(max_examples=25, deadline=None)
@given(poses=st.integers(1, 60), interval=st.sampled_from([0.05, 0.1, 0.25, 0.5]))
def test_any_pose_count_loads_with_an_explicit_interval(tmp_path_factory, poses, interval) -> None:
    path = tmp_path_factory.mktemp("v") / "v.npz"
    np.savez(path, vocabulary=np.zeros((3, poses, 3)))
    array, sampling, digest = load_vocabulary(path, interval)
    assert array.shape == (3, poses, 3) and sampling == TrajectorySampling(poses, interval) and len(digest) == 64


def test_command_line_reports_bad_input_with_status_2(tmp_path, scene_folder, capsys) -> None:
    np.save(tmp_path / "v.npy", np.zeros((2, 5, 3)))
    status = main(["score", "--vocab", str(tmp_path / "v.npy"), "--scenes", str(scene_folder), "--out", str(tmp_path)])
    assert status == 2 and "give their spacing" in capsys.readouterr().err
    status = main(["score", "--vocab", str(tmp_path / "v.npy"), "--interval", "0.1", "--scenes", str(tmp_path / "none"),
                   "--out", str(tmp_path / "o")])  # fmt: skip
    assert status == 2 and "no such scene folder" in capsys.readouterr().err


def test_command_line_run_and_rerun(tmp_path, scene_folder, small_vocabulary, capsys) -> None:
    np.save(tmp_path / "v.npy", small_vocabulary)
    argv = ["score", "--vocab", str(tmp_path / "v.npy"), "--scenes", str(scene_folder), "--out", str(tmp_path / "o")]
    assert main([*argv, "--shard-size", "2"]) == 0
    first = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert first["tokens_scored"] == 3 and first["trajectory_scores_per_cpu_second"] > 0
    assert main([*argv, "--shard-size", "2", "--verify-checksums"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["shards_skipped_as_finished"] == 2


def test_pluggable_source_spec(scene_folder) -> None:
    source = source_from_spec("sim.scoring.vocabulary.sources:SceneJsonSource", [str(scene_folder)])
    assert source.tokens() == SceneJsonSource(scene_folder).tokens()
    with pytest.raises(SourceError, match="module:factory"):
        source_from_spec("no_colon", [])
    with pytest.raises(SourceError, match="not a SceneSource"):
        source_from_spec("builtins:dict", [])


def test_metric_cache_folder_scores_like_its_scene(tmp_path, parity_dir, small_vocabulary) -> None:
    pytest.importorskip("sim.scoring.metric_cache")
    from sim.scoring.vocabulary import RunOptions, score_vocabulary

    token_dir = tmp_path / "cache" / "log_a" / "ORIGINAL" / "token_30"
    token_dir.mkdir(parents=True)
    shutil.copy(parity_dir / "seed0_agents30" / "metric_cache.pkl", token_dir / "metric_cache.pkl")
    source = MetricCacheSource(tmp_path / "cache")
    assert source.tokens() == ["token_30"]
    sampling = TrajectorySampling(8, 0.5)
    options = RunOptions(score_dtype="float32")
    score_vocabulary(small_vocabulary, sampling, "d", source, tmp_path / "out", ScorerConfig(), options)
    got = VocabularyScores(tmp_path / "out").for_token("token_30")["epdms"]
    scene = load_scoring_scene(parity_dir / "seed0_agents30" / "scene_v2.json")
    np.testing.assert_allclose(got, score_batch(scene, small_vocabulary).score.astype(np.float32), atol=1e-6)
