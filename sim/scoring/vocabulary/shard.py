"""Score one shard of tokens against the whole vocabulary and pack it as a ``.npz`` (bytes).

Shard layout (``SHARD_FORMAT``), ``n`` tokens scored against ``V`` trajectories:

- ``tokens (n,)`` str; ``failed_tokens (f,)`` str and ``failed_errors (f,)`` str for tokens whose
  scene could not be loaded or scored (they have no rows);
- one ``(n, V)`` array per sub-metric and the aggregate, in the run's score dtype: v2 ``nc dac ddc
  tlc ep ttc lk hc ec epdms``, v1 ``nc dac ep ttc c ddc pdms`` (``METRICS``). ``ec`` is NaN (a
  vocabulary has no previous frame), so ``epdms`` leaves EC out (weights /14, NAVSIM's one-stage
  rule). EP is normalised over the whole vocabulary of that token (``score_batch``);
- ``progress_raw (n, V)`` float32 [m]; ``collision_step`` and ``ttc_step`` ``(n, V)`` int8, the first
  step of an at-fault collision / TTC violation, -1 for none;
- with waypoint flags: ``ego_areas (n, V, 16)`` uint8, ``np.packbits`` of the ``(41, 3)`` bool
  MULTIPLE_LANES / NON_DRIVABLE_AREA / ONCOMING_TRAFFIC flags per step, flattened.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass

import numpy as np

from sim.scoring.config import ScorerConfig
from sim.scoring.evaluation import prepare_scene
from sim.scoring.results import EpdmsMetric, PdmsMetric, ScoreResult, ScorerVersion
from sim.scoring.scorer import score_batch
from sim.scoring.vocabulary.sources import SceneSource
from sim.types import TrajectorySampling

SHARD_FORMAT = 1
METRICS = {
    ScorerVersion.EPDMS_V2: ("nc", "dac", "ddc", "tlc", "ep", "ttc", "lk", "hc", "ec", "epdms"),
    ScorerVersion.PDMS_V1: ("nc", "dac", "ep", "ttc", "c", "ddc", "pdms"),
}
_COLUMNS = {
    ScorerVersion.EPDMS_V2: {metric.name.lower(): metric for metric in EpdmsMetric},
    ScorerVersion.PDMS_V1: {metric.name.lower(): metric for metric in PdmsMetric},
}
NO_STEP = -1  # collision_step / ttc_step when there is none


@dataclass(frozen=True)
class ShardTask:
    """Everything a worker needs to score shard ``index``; pickles (vocabulary as an array)."""

    index: int
    tokens: tuple[str, ...]
    source: SceneSource
    sampling: TrajectorySampling
    config: ScorerConfig
    score_dtype: str
    waypoint_flags: bool


@dataclass(frozen=True)
class ShardOutput:
    """A scored shard: the ``.npz`` bytes and counts (``seconds`` of scoring, one core)."""

    index: int
    data: bytes
    scored: int
    failed: int
    trajectories: int
    seconds: float


def score_token(scene, vocabulary: np.ndarray, task: ShardTask) -> dict[str, np.ndarray]:
    """One token's rows: ``{name: (V, ...)}`` as the shard layout stores them."""
    context = prepare_scene(scene, task.config)
    result = score_batch(scene, vocabulary, task.sampling, task.config, context=context)
    return token_rows(result, task)


def token_rows(result: ScoreResult, task: ShardTask) -> dict[str, np.ndarray]:
    """The shard layout's rows of one :class:`ScoreResult`."""
    version = task.config.version
    rows: dict[str, np.ndarray] = {}
    for name in METRICS[version]:
        if name in _COLUMNS[version]:
            values = result.metrics[:, _COLUMNS[version][name]]
        elif name == "ec":
            values = np.full(result.num_proposals, np.nan)
        else:  # the aggregate: epdms / pdms
            values = result.score
        rows[name] = values.astype(task.score_dtype)
    rows["progress_raw"] = result.progress_raw.astype(np.float32)
    rows["collision_step"] = _steps(result.collision_time_idx)
    rows["ttc_step"] = _steps(result.ttc_time_idx)
    if task.waypoint_flags:
        rows["ego_areas"] = np.packbits(result.ego_areas.reshape(result.num_proposals, -1), axis=-1)
    return rows


def _steps(time_idx: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(time_idx), time_idx, NO_STEP).astype(np.int8)


def score_shard(task: ShardTask, vocabulary: np.ndarray) -> ShardOutput:
    """Score every token of ``task``; a token that fails is recorded, the others go on."""
    start = time.process_time()
    tokens, rows, failed, errors = [], [], [], []
    for token in task.tokens:
        try:
            rows.append(score_token(task.source.load(token), vocabulary, task))
            tokens.append(token)
        except Exception as error:  # noqa: BLE001 - one bad scene must not lose the shard
            failed.append(token)
            errors.append(f"{type(error).__name__}: {error}")
    arrays = {"format": np.array(SHARD_FORMAT), "tokens": np.array(tokens, dtype=str)}
    arrays["failed_tokens"] = np.array(failed, dtype=str)
    arrays["failed_errors"] = np.array(errors, dtype=str)
    names = rows[0].keys() if rows else ()
    for name in names:
        arrays[name] = np.stack([row[name] for row in rows])
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return ShardOutput(
        index=task.index,
        data=buffer.getvalue(),
        scored=len(tokens),
        failed=len(failed),
        trajectories=len(tokens) * vocabulary.shape[0],
        seconds=time.process_time() - start,
    )
