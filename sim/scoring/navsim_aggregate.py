"""From per-token scores to NAVSIM v2's result tables: one-stage and two-stage aggregation.

One-stage (``run_pdm_score_one_stage.py``): a valid ORIGINAL token's previous frame is the token
before it in time in the same log when at most 0.55 s earlier; the two-frame extended comfort (EC)
compares their simulated states; the final score inserts EC, or drops EC and its weight when a token
has no previous frame. The last row averages every column over the tokens (NaN skipped).

Two-stage (``run_pdm_score.py`` with a ``reactive_all_mapping``): each mapping (now, previous,
[(second-stage now, second-stage previous), ...]) gives EC per frame pair, Gaussian weights of the
second-stage tokens by the distance from the first-stage trajectory's end point to their start
point, and group scores stage one x weighted stage two; the summary rows average them.

Where NAVSIM stops with an exception (a failed token in the final-score stacking, a mapping naming a
token that was not scored, two frames at the same time), these tables instead leave the affected
values NaN, drop EC's weight, and mark the two-stage summary rows ``valid`` False.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sim.scoring.cache_scoring import TokenScore
from sim.scoring.config import EPDMS_CONFIG, ScorerConfig
from sim.scoring.extended_comfort import extended_comfort
from sim.scoring.metric_cache import SceneFrameType
from sim.scoring.navsim_csv import (
    AVERAGE_TOKEN,
    EC_COLUMN,
    METRIC_NAMES,
    ONE_STAGE_COLUMNS,
    SCORE_COLUMN,
    STAGE_SUFFIXES,
    SUB_SCORE_COLUMNS,
    TWO_STAGE_COLUMNS,
    TWO_STAGE_SUMMARY_TOKENS,
    Table,
)
from sim.scoring.results import EpdmsMetric, EpdmsWeighted

ADJACENT_GAP = 0.55  # [s] largest start-time gap of two frames compared by EC
PCL_SIGMA_SQUARED = 0.1  # [m^2] Gaussian kernel of the second-stage weights
_VALUE_COLUMNS = (*SUB_SCORE_COLUMNS, SCORE_COLUMN)


@dataclass(frozen=True)
class TwoStageMapping:
    """One entry of NAVSIM's ``reactive_all_mapping``: first-stage frames and their second-stage pairs."""

    now: str
    previous: str
    pairs: tuple[tuple[str, str], ...]


def two_frame_comfort(current: TokenScore, previous: TokenScore, config: ScorerConfig = EPDMS_CONFIG) -> float:
    """EC (0 or 1) between two frames' simulated states, or NaN when they cannot be compared."""
    gap = current.start_time_s - previous.start_time_s
    if current.states is None or previous.states is None or not 0.0 < gap < ADJACENT_GAP:
        return math.nan
    comfort = replace(config.comfort, ec_overlap_frames=round(gap / config.dt))
    return float(extended_comfort(current.states[None], previous.states[None], config.dt, comfort).passed[0])


def final_score(score: TokenScore, ec: float, config: ScorerConfig = EPDMS_CONFIG) -> float:
    """NAVSIM's ``compute_final_scores``: EC inserted, or EC and its weight dropped when NaN."""
    weights = np.asarray(config.epdms_weights, dtype=np.float64).copy()
    weighted = score.weighted.copy()
    if math.isnan(ec):
        weights[EpdmsWeighted.EC] = weighted[EpdmsWeighted.EC] = 0.0
    else:
        weighted[EpdmsWeighted.EC] = ec
    return float(score.multiplier * (weighted @ weights) / weights.sum())


def token_values(score: TokenScore, ec: float, config: ScorerConfig = EPDMS_CONFIG) -> dict[str, float]:
    """The sub-score columns and the final score of one token."""
    values = {METRIC_NAMES[metric]: float(score.metrics[metric]) for metric in EpdmsMetric}
    values[EC_COLUMN] = ec
    values[SCORE_COLUMN] = final_score(score, ec, config)
    return values


def adjacent_frames(scores: Sequence[TokenScore]) -> list[tuple[TokenScore, TokenScore]]:
    """(current, previous) pairs of consecutive valid ORIGINAL frames of one log at most 0.55 s apart."""
    logs: dict[str, list[TokenScore]] = {}
    for score in scores:
        if score.valid and score.scene_type is SceneFrameType.ORIGINAL:
            logs.setdefault(str(score.log_name), []).append(score)
    pairs = []
    for frames in logs.values():
        frames = sorted(frames, key=lambda frame: frame.start_time_s)
        for previous, current in zip(frames, frames[1:], strict=False):
            if abs(current.start_time_s - previous.start_time_s) <= ADJACENT_GAP:
                pairs.append((current, previous))
    return pairs


def one_stage_table(scores: Sequence[TokenScore], config: ScorerConfig = EPDMS_CONFIG) -> Table:
    """Per-token rows and the ``average_all_frames`` row of ``run_pdm_score_one_stage.py``."""
    ec = {current.token: two_frame_comfort(current, previous, config) for current, previous in adjacent_frames(scores)}
    rows = [
        {"token": score.token, "valid": score.valid, **token_values(score, ec.get(score.token, math.nan), config)}
        for score in scores
    ]
    average = {column: _nan_mean([row[column] for row in rows]) for column in _VALUE_COLUMNS}
    rows.append({"token": AVERAGE_TOKEN, "valid": all(score.valid for score in scores), **average})
    return Table(ONE_STAGE_COLUMNS, tuple(rows))


def two_stage_table(
    scores: Sequence[TokenScore], mappings: Sequence[TwoStageMapping], config: ScorerConfig = EPDMS_CONFIG
) -> Table:
    """Per-token rows split by stage and the three ``extended_pdm_score_*`` rows of ``run_pdm_score.py``."""
    by_token = {score.token: score for score in scores}
    mappings = [m for m in mappings if m.now in by_token or m.previous in by_token]
    # 1. EC per compared frame pair and the weight of every token (first stage 1, second stage Gaussian)
    ec: dict[str, float] = {}
    weight: dict[str, float] = {}
    complete = all(score.valid for score in scores)
    for mapping in mappings:
        complete &= _weigh_mapping(mapping, by_token, ec, weight, config)
    complete &= all(not math.isnan(ec.get(score.token, math.nan)) for score in scores)
    # 2. Per-token values, then the group scores of every mapping
    values = {score.token: token_values(score, ec.get(score.token, math.nan), config) for score in scores}
    stage_one, stage_two, groups = _group_scores(mappings, values, weight)
    # 3. Rows: tokens by stage, then the summary rows
    rows = [_stage_row(score, values[score.token]) for score in scores]
    rows += _summary_rows(stage_one, stage_two, groups, complete)
    return Table(TWO_STAGE_COLUMNS, tuple(rows))


def _weigh_mapping(
    mapping: TwoStageMapping,
    by_token: dict[str, TokenScore],
    ec: dict[str, float],
    weight: dict[str, float],
    config: ScorerConfig,
) -> bool:
    tokens = [mapping.now, mapping.previous, *(token for pair in mapping.pairs for token in pair)]
    if any(token not in by_token for token in tokens):
        return False
    now, previous = by_token[mapping.now], by_token[mapping.previous]
    ec[now.token] = ec[previous.token] = two_frame_comfort(now, previous, config)
    weight[now.token] = weight[previous.token] = 1.0
    weight.update(_gaussian_weights(now, [by_token[pair[0]] for pair in mapping.pairs]))
    weight.update(_gaussian_weights(previous, [by_token[pair[1]] for pair in mapping.pairs]))
    for first, second in mapping.pairs:
        ec[first] = ec[second] = two_frame_comfort(by_token[first], by_token[second], config)
    return True


def _gaussian_weights(first: TokenScore, second: list[TokenScore]) -> dict[str, float]:
    if not second:
        return {}
    ends = np.array([score.start_point for score in second])
    squared = np.sum((ends - first.endpoint) ** 2, axis=1)
    weights = np.exp(-squared / (2.0 * PCL_SIGMA_SQUARED))
    total = weights.sum()
    weights = np.full(len(second), 1.0 / len(second)) if np.isnan(total) or np.isclose(total, 0.0) else weights / total
    return {score.token: float(value) for score, value in zip(second, weights, strict=True)}


def _weighted_average(tokens: list[str], values: dict[str, dict[str, float]], weight: dict[str, float]) -> np.ndarray:
    present = [token for token in tokens if token in values]
    if not present:
        return np.full(len(_VALUE_COLUMNS), np.nan)
    weights = np.array([weight.get(token, math.nan) for token in present])
    table = np.array([[values[token][column] for column in _VALUE_COLUMNS] for token in present])
    total = weights.sum()
    return np.full(len(_VALUE_COLUMNS), np.nan) if total == 0 else (table * weights[:, None]).sum(axis=0) / total


def _group_scores(mappings, values, weight) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stage_one, stage_two, groups = [], [], []
    for mapping in mappings:
        first = _weighted_average([mapping.now], values, weight)
        first_next = _weighted_average([pair[0] for pair in mapping.pairs], values, weight)
        previous = _weighted_average([mapping.previous], values, weight)
        previous_next = _weighted_average([pair[1] for pair in mapping.pairs], values, weight)
        stage_one += [first, previous]
        stage_two += [first_next, previous_next]
        groups.append((first * first_next + previous * previous_next) / 2.0)
    return tuple(_nan_mean_rows(rows) for rows in (stage_one, stage_two, groups))


def _stage_row(score: TokenScore, values: dict[str, float]) -> dict[str, object]:
    row: dict[str, object] = {"token": score.token, "valid": score.valid, SCORE_COLUMN: math.nan}
    if score.scene_type is not None:
        suffix = STAGE_SUFFIXES[0] if score.scene_type is SceneFrameType.ORIGINAL else STAGE_SUFFIXES[1]
        row.update({column + suffix: values[column] for column in SUB_SCORE_COLUMNS})
        row[SCORE_COLUMN] = values[SCORE_COLUMN]
    return row


def _summary_rows(stage_one: np.ndarray, stage_two: np.ndarray, groups: np.ndarray, valid: bool) -> list[dict]:
    one = {
        column + STAGE_SUFFIXES[0]: float(value) for column, value in zip(_VALUE_COLUMNS[:-1], stage_one, strict=False)
    }
    two = {
        column + STAGE_SUFFIXES[1]: float(value) for column, value in zip(_VALUE_COLUMNS[:-1], stage_two, strict=False)
    }
    score = _VALUE_COLUMNS.index(SCORE_COLUMN)
    return [
        {"token": TWO_STAGE_SUMMARY_TOKENS[0], "valid": valid, SCORE_COLUMN: float(stage_one[score]), **one},
        {"token": TWO_STAGE_SUMMARY_TOKENS[1], "valid": valid, SCORE_COLUMN: float(stage_two[score]), **two},
        {"token": TWO_STAGE_SUMMARY_TOKENS[2], "valid": valid, SCORE_COLUMN: float(groups[score]), **one, **two},
    ]


def _nan_mean(values: list[float]) -> float:
    finite = [value for value in values if not math.isnan(value)]
    return float(np.mean(finite)) if finite else math.nan


def _nan_mean_rows(rows: list[np.ndarray]) -> np.ndarray:
    if not rows:
        return np.full(len(_VALUE_COLUMNS), np.nan)
    stacked = np.array(rows)
    return np.array([_nan_mean(stacked[:, column].tolist()) for column in range(stacked.shape[1])])
