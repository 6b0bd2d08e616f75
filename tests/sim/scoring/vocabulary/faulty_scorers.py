"""Shard scorers that fail on purpose, for the resume and retry tests (loaded by file path)."""

from __future__ import annotations

import os
from pathlib import Path

from sim.scoring.vocabulary.shard import score_shard

CRASH_SHARD = 1  # the shard whose worker dies
MARKER_ENV = "VOCABULARY_TEST_MARKER"  # file whose absence makes the first attempt die


def die_on_one_shard(task, vocabulary):
    """The worker process dies (as if killed) while scoring ``CRASH_SHARD``; other shards score."""
    if task.index == CRASH_SHARD:
        os._exit(17)
    return score_shard(task, vocabulary)


def die_once_on_one_shard(task, vocabulary):
    """The first attempt at ``CRASH_SHARD`` dies (it leaves a marker file); the next one scores."""
    marker = Path(os.environ[MARKER_ENV])
    if task.index == CRASH_SHARD and not marker.exists():
        marker.write_text("crashed once")
        os._exit(17)
    return score_shard(task, vocabulary)


def raise_once_on_one_shard(task, vocabulary):
    """Like :func:`die_once_on_one_shard` but the task raises (a Ray task error, not a dead worker)."""
    marker = Path(os.environ[MARKER_ENV])
    if task.index == CRASH_SHARD and not marker.exists():
        marker.write_text("raised once")
        raise RuntimeError("injected shard failure")
    return score_shard(task, vocabulary)
