"""From sub-metrics to PDMS / EPDMS: EP normalisation, metric tables, the human filter, scores."""

from __future__ import annotations

import numpy as np

from sim.scoring import centerline
from sim.scoring.config import ScorerConfig
from sim.scoring.evaluation import ProposalMetrics
from sim.scoring.results import (
    MULTIPLIER_COLUMNS,
    WEIGHTED_COLUMNS,
    EpdmsMetric,
    PdmsMetric,
    ScoreResult,
    ScorerVersion,
)


def metric_table(metrics: ProposalMetrics, ep: np.ndarray, config: ScorerConfig) -> np.ndarray:
    """``(N, 8)`` EPDMS or ``(N, 6)`` PDMS columns from the sub-metrics and EP."""
    if config.is_v2:
        columns = {
            EpdmsMetric.NC: metrics.nc,
            EpdmsMetric.DAC: metrics.dac,
            EpdmsMetric.DDC: metrics.ddc,
            EpdmsMetric.TLC: metrics.tlc,
            EpdmsMetric.EP: ep,
            EpdmsMetric.TTC: metrics.ttc,
            EpdmsMetric.LK: metrics.lk,
            EpdmsMetric.HC: metrics.comfort,
        }
    else:
        columns = {
            PdmsMetric.NC: metrics.nc,
            PdmsMetric.DAC: metrics.dac,
            PdmsMetric.EP: ep,
            PdmsMetric.TTC: metrics.ttc,
            PdmsMetric.C: metrics.comfort,
            PdmsMetric.DDC: metrics.ddc,
        }
    table = np.empty((metrics.nc.shape[0], len(columns)))
    for column, values in columns.items():
        table[:, column] = values
    return table


def multiplier_of(table: np.ndarray, version: ScorerVersion) -> np.ndarray:
    """``(N,)`` product of the multiplicative columns."""
    return np.prod(table[:, list(MULTIPLIER_COLUMNS[version])], axis=1)


def normalised_progress(metrics: ProposalMetrics, config: ScorerConfig) -> np.ndarray:
    """EP of every proposal normalised over exactly this set (NAVSIM's batched path)."""
    multiplier = multiplier_of(metric_table(metrics, np.zeros_like(metrics.nc), config), config.version)
    return centerline.ego_progress(metrics.progress_raw, multiplier, version=config.version_tag, config=config.area)


def weighted_and_score(
    table: np.ndarray, config: ScorerConfig, ec: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Multiplier, weighted vector and aggregate score of a metric table.

    v2: weighted = [EP, TTC, LK, HC, EC]; with ``ec`` the score is prod * (w . weighted) / 16,
    without it EC and its weight are dropped (/14), as NAVSIM's one-stage evaluation does.
    v1: weighted = [EP, TTC, C, DDC] with weights 5, 5, 2, 0 (/12).
    """
    multiplier = multiplier_of(table, config.version)
    weighted_metrics = table[:, list(WEIGHTED_COLUMNS[config.version])]
    if config.is_v2:
        ec_column = np.zeros(table.shape[0]) if ec is None else np.asarray(ec, dtype=np.float64)
        weighted_metrics = np.concatenate([weighted_metrics, ec_column[:, None]], axis=1)
        weights = np.asarray(config.epdms_weights, dtype=np.float64)
        if ec is None:
            weights = weights.copy()
            weights[-1] = 0.0
    else:
        weights = np.asarray(config.pdms_weights, dtype=np.float64)
    score = multiplier * (weighted_metrics @ weights) / weights.sum()
    return multiplier, weighted_metrics, score


def assemble(
    metrics: ProposalMetrics,
    ep: np.ndarray,
    config: ScorerConfig,
    *,
    ec_rms: np.ndarray | None = None,
    ec: np.ndarray | None = None,
    forced_columns: tuple[int, ...] = (),
) -> ScoreResult:
    """The typed result; ``forced_columns`` are set to 1 (human filter) before aggregating."""
    table = metric_table(metrics, ep, config)
    if forced_columns:
        table[:, list(forced_columns)] = 1.0
    multiplier, weighted_metrics, score = weighted_and_score(table, config, ec)
    return ScoreResult(
        version=config.version,
        metrics=table,
        multiplier=multiplier,
        weighted=weighted_metrics,
        score=score,
        progress_raw=metrics.progress_raw,
        collision_time_idx=metrics.collision_time_idx,
        ttc_time_idx=metrics.ttc_time_idx,
        ego_areas=metrics.ego_areas,
        comfort_checks=metrics.comfort_checks,
        reference=metrics.reference,
        states=metrics.states,
        ec_rms=ec_rms,
        ec=ec,
    )
