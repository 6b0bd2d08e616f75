"""Sharded runs resume: a crashed shard is redone, a finished one is never touched."""

from __future__ import annotations

import numpy as np
import pytest

from sim.scoring.config import ScorerConfig
from sim.scoring.vocabulary import LayoutError, RunOptions, SceneJsonSource, VocabularyScores, score_vocabulary
from sim.scoring.vocabulary.layout import Layout
from sim.types import NAVSIM_SAMPLING

OPTIONS = RunOptions(workers=2, shard_size=1, max_attempts=1)


def _score(vocabulary, folder, out, options=OPTIONS, **kwargs) -> dict:
    source = SceneJsonSource(folder)
    return score_vocabulary(vocabulary, NAVSIM_SAMPLING, "digest", source, out, ScorerConfig(), options, **kwargs)


def _stamps(layout: Layout, index: int) -> tuple:
    shard, record = layout.shard(index).stat(), layout.record(index).stat()
    return shard.st_ino, shard.st_mtime_ns, record.st_ino, record.st_mtime_ns


def test_a_killed_shard_is_redone_and_finished_shards_are_untouched(
    tmp_path, scene_folder, small_vocabulary, faulty_scorers
) -> None:
    out, layout = tmp_path / "out", Layout(tmp_path / "out")
    crash = faulty_scorers.CRASH_SHARD
    first = _score(small_vocabulary, scene_folder, out, scorer=faulty_scorers.die_on_one_shard)
    assert list(first["shards_failed"]) == [str(crash)] and "died" in first["shards_failed"][str(crash)]
    assert not layout.shard(crash).exists()
    finished = {index: _stamps(layout, index) for index in (0, 2)}
    # A crash while writing leaves a partial file; it must not pass for a finished shard.
    layout.shard(crash).write_bytes(b"PK\x03\x04 truncated")
    second = _score(small_vocabulary, scene_folder, out)
    assert second["shards_skipped_as_finished"] == 2 and second["shards_scored"] == 1
    assert second["shards_failed"] == {}
    assert {index: _stamps(layout, index) for index in (0, 2)} == finished
    scores = VocabularyScores(out, verify_checksums=True)
    assert scores.finished_shards() == [0, 1, 2]
    assert scores.for_token(scores.all_tokens[crash])["epdms"].shape == (len(small_vocabulary),)
    third = _score(small_vocabulary, scene_folder, out)
    assert third["shards_scored"] == 0 and third["shards_skipped_as_finished"] == 3


def test_a_shard_whose_record_disagrees_with_its_file_is_redone(tmp_path, scene_folder, small_vocabulary) -> None:
    out, layout = tmp_path / "out", Layout(tmp_path / "out")
    _score(small_vocabulary, scene_folder, out)
    with open(layout.shard(0), "ab") as handle:
        handle.write(b"x")  # size no longer matches the record
    rerun = _score(small_vocabulary, scene_folder, out)
    assert rerun["shards_scored"] == 1 and rerun["shards_skipped_as_finished"] == 2


def test_a_worker_that_dies_once_is_resubmitted_within_the_run(
    tmp_path, scene_folder, small_vocabulary, faulty_scorers, monkeypatch
) -> None:
    monkeypatch.setenv(faulty_scorers.MARKER_ENV, str(tmp_path / "marker"))
    options = RunOptions(workers=2, shard_size=1, max_attempts=3)
    summary = _score(
        small_vocabulary, scene_folder, tmp_path / "out", options, scorer=faulty_scorers.die_once_on_one_shard
    )
    assert (tmp_path / "marker").exists()
    assert summary["shards_failed"] == {} and summary["shards_scored"] == 3


def test_resuming_with_other_inputs_is_refused(tmp_path, scene_folder, small_vocabulary) -> None:
    out = tmp_path / "out"
    _score(small_vocabulary, scene_folder, out)
    with pytest.raises(LayoutError, match="shard_size"):
        _score(small_vocabulary, scene_folder, out, RunOptions(shard_size=2))
    (scene_folder / "extra.json").write_text((scene_folder / "moved.json").read_text())
    with pytest.raises(LayoutError, match="tokens changed"):
        _score(small_vocabulary, scene_folder, out)
    assert np.isfinite(VocabularyScores(out).for_token("moved")["epdms"]).all()
