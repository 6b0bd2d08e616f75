"""Score a vocabulary against every token of a scene source: plan, resume, run, summarise."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from sim.scoring.config import ScorerConfig
from sim.scoring.vocabulary import executors
from sim.scoring.vocabulary.layout import Layout, finish_shard, shard_finished, start_run, write_json
from sim.scoring.vocabulary.shard import METRICS, SHARD_FORMAT, ShardOutput, ShardTask, score_shard
from sim.scoring.vocabulary.sources import SceneSource, SourceError
from sim.types import TrajectorySampling


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """How to run: executor, sharding and retries.

    Attributes:
        workers: local worker processes (ignored with Ray).
        use_ray: run shards as Ray tasks; ``ray_address`` None starts a local Ray with ``workers`` CPUs.
        ray_address: address of a running Ray cluster (``auto``, ``ray://host:10001``, ...).
        shard_size: tokens per shard (the unit of retry and of output files).
        max_attempts: tries per shard within one run; a rerun tries the rest again.
        shard_timeout: [s] Ray only: a shard running longer is cancelled and resubmitted.
        verify_checksums: check the sha256 of finished shards before skipping them (else sizes).
        score_dtype: dtype of the stored scores (float16 halves the output; float32 keeps 7 digits).
        waypoint_flags: also store the packed per-step ego-area flags.
    """

    workers: int = 1
    use_ray: bool = False
    ray_address: str | None = None
    shard_size: int = 32
    max_attempts: int = 3
    shard_timeout: float | None = None
    verify_checksums: bool = False
    score_dtype: str = "float16"
    waypoint_flags: bool = False


def score_vocabulary(
    vocabulary: np.ndarray,
    sampling: TrajectorySampling,
    vocabulary_sha256: str,
    source: SceneSource,
    out: str | Path,
    config: ScorerConfig = ScorerConfig(),  # noqa: B008 - frozen, immutable default
    options: RunOptions = RunOptions(),  # noqa: B008 - frozen, immutable default
    scorer: executors.ShardScorer = score_shard,
) -> dict:
    """Score ``vocabulary (V, P, 3)`` against every token of ``source`` into ``out``; returns the summary.

    Finished shards of an earlier run into the same ``out`` are kept; the rest are scored.
    """
    # 1. Plan: tokens, shards, and the manifest (or the check that ``out`` holds this same run)
    if options.shard_size < 1 or options.workers < 1 or options.max_attempts < 1:
        raise ValueError(f"shard_size, workers and max_attempts must be >= 1, got {options}")
    layout = Layout(Path(out))
    tokens = list(source.tokens())
    if not tokens:
        raise SourceError(f"{source.describe()}: the source lists no tokens")
    start_run(layout, _plan(vocabulary, sampling, vocabulary_sha256, source, config, options), tokens)
    shards = [tuple(tokens[i : i + options.shard_size]) for i in range(0, len(tokens), options.shard_size)]
    # 2. Only the shards not finished before
    todo = [
        ShardTask(index, shard, source, sampling, config, options.score_dtype, options.waypoint_flags)
        for index, shard in enumerate(shards)
        if not shard_finished(layout, index, options.verify_checksums)
    ]
    # 3. Run them, writing each shard as it arrives
    done: list[dict] = []
    started = time.monotonic()

    def on_done(output: ShardOutput) -> None:
        record = {"scored": output.scored, "failed": output.failed, "trajectories": output.trajectories}
        done.append(finish_shard(layout, output.index, output.data, {**record, "cpu_seconds": output.seconds}))

    given_up = _execute(todo, vocabulary, on_done, scorer, options)
    # 4. Summary
    summary = _summary(len(shards), len(todo), done, given_up, time.monotonic() - started, options)
    write_json(layout.summary, summary)
    return summary


def _execute(todo, vocabulary, on_done, scorer, options: RunOptions) -> dict[int, str]:
    if not todo:
        return {}
    if options.use_ray:
        return executors.run_ray(
            todo,
            vocabulary,
            options.ray_address,
            options.workers,
            on_done,
            scorer,
            options.max_attempts,
            options.shard_timeout,
            _python_path(),
        )
    return executors.run_local(todo, vocabulary, options.workers, on_done, scorer, options.max_attempts)


def _python_path() -> str:
    """PYTHONPATH that lets Ray workers import this package (the repository root first)."""
    root = str(Path(__file__).resolve().parents[3])
    return os.pathsep.join(part for part in (root, os.environ.get("PYTHONPATH", "")) if part)


def _plan(vocabulary, sampling, vocabulary_sha256, source, config: ScorerConfig, options: RunOptions) -> dict:
    return {
        "shard_format": SHARD_FORMAT,
        "vocabulary": {
            "sha256": vocabulary_sha256,
            "shape": list(vocabulary.shape),
            "interval_s": sampling.interval_length,
        },
        "source": source.describe(),
        "scorer": {"version": config.version.value, "config": repr(config)},
        "metrics": list(METRICS[config.version]),
        "score_dtype": options.score_dtype,
        "waypoint_flags": options.waypoint_flags,
        "steps": config.num_steps + 1,
        "shard_size": options.shard_size,
    }


def _summary(shards: int, todo: int, done: list[dict], given_up: dict[int, str], wall: float, options) -> dict:
    trajectories = sum(record["trajectories"] for record in done)
    cpu = sum(record["cpu_seconds"] for record in done)
    return {
        "shards": shards,
        "shards_skipped_as_finished": shards - todo,
        "shards_scored": len(done),
        "shards_failed": {str(index): error for index, error in sorted(given_up.items())},
        "tokens_scored": sum(record["scored"] for record in done),
        "tokens_failed": sum(record["failed"] for record in done),
        "trajectory_scores": trajectories,
        "wall_seconds": wall,
        "worker_cpu_seconds": cpu,
        "trajectory_scores_per_cpu_second": trajectories / cpu if cpu > 0 else None,
        "trajectory_scores_per_second": trajectories / wall if wall > 0 and done else None,
        "executor": "ray" if options.use_ray else f"local x{options.workers}",
    }
