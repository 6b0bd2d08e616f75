"""Typed scorer outputs and the column indices of their metric arrays."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np


class ScorerVersion(enum.Enum):
    """Which NAVSIM scorer to reproduce."""

    PDMS_V1 = "v1"  # NAVSIM v1.1, PDMS (navtest leaderboard)
    EPDMS_V2 = "v2"  # NAVSIM v2 (main), EPDMS


class EpdmsMetric(enum.IntEnum):
    """Columns of ``ScoreResult.metrics`` for EPDMS (the golden ``metric_columns`` order)."""

    NC = 0  # no at-fault collisions, multiplier {0, 0.5, 1}
    DAC = 1  # drivable area compliance, multiplier {0, 1}
    DDC = 2  # driving direction compliance, multiplier {0, 0.5, 1}
    TLC = 3  # traffic light compliance, multiplier {0, 1}
    EP = 4  # ego progress, weight 5, [0, 1]
    TTC = 5  # time to collision within bound, weight 5, {0, 1}
    LK = 6  # lane keeping, weight 2, {0, 1}
    HC = 7  # history comfort, weight 2, {0, 1}


class EpdmsWeighted(enum.IntEnum):
    """Columns of ``ScoreResult.weighted`` for EPDMS."""

    EP = 0
    TTC = 1
    LK = 2
    HC = 3
    EC = 4


class PdmsMetric(enum.IntEnum):
    """Columns of ``ScoreResult.metrics`` for PDMS v1.1."""

    NC = 0
    DAC = 1
    EP = 2
    TTC = 3
    C = 4
    DDC = 5  # weight 0: reported, not aggregated


MULTIPLIER_COLUMNS = {
    ScorerVersion.EPDMS_V2: (EpdmsMetric.NC, EpdmsMetric.DAC, EpdmsMetric.DDC, EpdmsMetric.TLC),
    ScorerVersion.PDMS_V1: (PdmsMetric.NC, PdmsMetric.DAC),
}
WEIGHTED_COLUMNS = {
    ScorerVersion.EPDMS_V2: (EpdmsMetric.EP, EpdmsMetric.TTC, EpdmsMetric.LK, EpdmsMetric.HC),
    ScorerVersion.PDMS_V1: (PdmsMetric.EP, PdmsMetric.TTC, PdmsMetric.C, PdmsMetric.DDC),
}


@dataclass(frozen=True)
class ScoreResult:
    """Every sub-metric per proposal, the aggregate and the simulated states.

    Attributes:
        version: the scorer reproduced.
        metrics: ``(N, 8)`` (:class:`EpdmsMetric`) or ``(N, 6)`` (:class:`PdmsMetric`).
        multiplier: ``(N,)`` product of the multiplicative metrics.
        weighted: ``(N, 5)`` (:class:`EpdmsWeighted`, EC 0 when not computed) or ``(N, 4)``.
        score: ``(N,)`` the aggregate: PDMS, or EPDMS with EC when ``ec`` is set, else EPDMS
            without EC (weights renormalised to 14, NAVSIM's one-stage rule).
        progress_raw: ``(N,)`` [m] progress of the box centre along the route centerline.
        collision_time_idx: ``(N,)`` first step of an at-fault collision, ``inf`` if none.
        ttc_time_idx: ``(N,)`` first step of a TTC violation, ``inf`` if none.
        ego_areas: ``(N, 41, 3)`` bool: multiple lanes, non-drivable area, oncoming traffic.
        comfort_checks: ``(N, 6)`` bool, the six comfort bounds (HC for v2, C for v1).
        reference: ``(N, 41, 3)`` interpolated reference poses fed to the tracker (global).
        states: ``(N, 41, 11)`` simulated ego states (global, rear axle).
        ec_rms: ``(N, 4)`` extended-comfort RMS against the previous frame's plans, or None.
        ec: ``(N,)`` extended comfort {0, 1}, or None.
    """

    version: ScorerVersion
    metrics: np.ndarray
    multiplier: np.ndarray
    weighted: np.ndarray
    score: np.ndarray
    progress_raw: np.ndarray
    collision_time_idx: np.ndarray
    ttc_time_idx: np.ndarray
    ego_areas: np.ndarray
    comfort_checks: np.ndarray
    reference: np.ndarray
    states: np.ndarray
    ec_rms: np.ndarray | None = None
    ec: np.ndarray | None = None

    @property
    def num_proposals(self) -> int:
        return int(self.metrics.shape[0])


@dataclass(frozen=True)
class OfficialResult:
    """NAVSIM's one-call-per-trajectory path: each proposal scored in the pair [PDM-Closed, proposal].

    Attributes:
        proposals: per-proposal result (EP normalised within each pair; human filter applied).
        ep_norm: ``(N,)`` [m] the pair's EP normaliser, max(raw * multiplier) over the pair.
        pair_progress_raw: ``(N, 2)`` [m] raw progress of [PDM-Closed, proposal].
        pair_multiplier: ``(N, 2)`` multipliers of [PDM-Closed, proposal].
        reference_metrics: the PDM-Closed trajectory's own metrics (EP NaN: it depends on the partner).
        reference_progress_raw: [m] its raw progress.
        human_metrics: the human future's metrics when the filter ran, else None.
        forced_columns: metric columns forced to 1 by the human filter.
        removed_tokens: tracks removed by log replay (overlapping the initial ego box).
        unfiltered_score: ``(N,)`` the scorer's own ``pdm_score`` column: before the human
            filter, without EC (NAVSIM does not recompute it after filtering).
    """

    proposals: ScoreResult
    ep_norm: np.ndarray
    pair_progress_raw: np.ndarray
    pair_multiplier: np.ndarray
    reference_metrics: np.ndarray
    reference_progress_raw: float
    human_metrics: np.ndarray | None
    forced_columns: tuple[int, ...]
    removed_tokens: tuple[str, ...]
    unfiltered_score: np.ndarray
