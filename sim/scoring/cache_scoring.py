"""One agent trajectory per metric-cache token, scored as NAVSIM's ``run_pdm_score`` scripts do per token.

Each token's trajectory is scored with :func:`~sim.scoring.scorer.score_official` (the pair
[PDM-Closed, agent], log-replay traffic, the human filter on ORIGINAL scenes) and kept with the
fields NAVSIM's evaluation adds to a row (log, frame type, start time, trajectory end point, start
point, simulated states for the two-frame extended comfort). A token whose trajectory or scoring
fails gives an invalid row (``valid`` False, metrics NaN) with the error, and the others go on.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from sim.scoring.config import EPDMS_CONFIG, ScorerConfig
from sim.scoring.metric_cache import CacheEntry, MetricCacheScene, SceneFrameType, read_metric_cache
from sim.scoring.results import EpdmsMetric, EpdmsWeighted
from sim.scoring.scorer import score_official
from sim.scoring.simulation import local_to_global
from sim.types import StateIndex, Trajectory

TrajectorySource = Callable[[MetricCacheScene], Trajectory]
"""Gives the agent's trajectory (local frame) for a cache; may raise, which fails only that token."""


@dataclass(frozen=True)
class TokenScore:
    """One token's row of NAVSIM's evaluation, before EC and the final score are filled in.

    Attributes:
        token: scene token.
        valid: the agent and the scorer succeeded.
        log_name, scene_type, start_time_s: the scene's log, ORIGINAL / SYNTHETIC, its time [s]
            (``None`` / NaN when the cache itself could not be read).
        metrics: ``(8,)`` :class:`EpdmsMetric` columns after the human filter (NaN when invalid).
        multiplier: product of NC, DAC, DDC, TLC.
        weighted: ``(5,)`` :class:`EpdmsWeighted` [EP, TTC, LK, HC, EC = 0].
        endpoint: ``(2,)`` [m] the trajectory's last pose, global.
        start_point: ``(2,)`` [m] the ego rear axle now, global.
        states: ``(41, 11)`` the agent's simulated states (for EC), or ``None``.
        error: why the token is invalid ("" when valid).
    """

    token: str
    valid: bool
    log_name: str | None
    scene_type: SceneFrameType | None
    start_time_s: float
    metrics: np.ndarray
    multiplier: float
    weighted: np.ndarray
    endpoint: np.ndarray
    start_point: np.ndarray
    states: np.ndarray | None
    error: str = ""


def score_token(cache: MetricCacheScene, trajectory: Trajectory, config: ScorerConfig = EPDMS_CONFIG) -> TokenScore:
    """Score one trajectory on one cache (NAVSIM v2's ``pdm_score`` with its evaluation fields)."""
    if not config.is_v2:
        raise ValueError("metric-cache scoring reproduces NAVSIM v2 (EPDMS); v1.1 caches are not supported")
    scene = cache.scene
    official = score_official(scene, trajectory.poses[None], trajectory.sampling, config)
    result = official.proposals
    origin = scene.ego_init[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]]
    endpoint = local_to_global(trajectory.poses[-1:], origin)[0, :2]
    weighted = result.weighted[0].copy()
    weighted[EpdmsWeighted.EC] = 0.0  # filled by the two-frame aggregation
    return TokenScore(
        token=cache.token,
        valid=True,
        log_name=cache.log_name,
        scene_type=cache.scene_type,
        start_time_s=cache.start_time_s,
        metrics=result.metrics[0].copy(),
        multiplier=float(result.multiplier[0]),
        weighted=weighted,
        endpoint=endpoint,
        start_point=origin[:2].copy(),
        states=result.states[0].copy(),
    )


def failed_token(token: str, error: str, cache: MetricCacheScene | None = None) -> TokenScore:
    """The invalid row of a token (NAVSIM's ``PDMResults.get_empty_results`` with ``valid`` False)."""
    return TokenScore(
        token=token,
        valid=False,
        log_name=None if cache is None else cache.log_name,
        scene_type=None if cache is None else cache.scene_type,
        start_time_s=float("nan") if cache is None else cache.start_time_s,
        metrics=np.full(len(EpdmsMetric), np.nan),
        multiplier=float("nan"),
        weighted=np.full(len(EpdmsWeighted), np.nan),
        endpoint=np.full(2, np.nan),
        start_point=np.full(2, np.nan),
        states=None,
        error=error,
    )


def score_caches(
    entries: Iterable[CacheEntry],
    trajectory_for: TrajectorySource,
    config: ScorerConfig = EPDMS_CONFIG,
    *,
    log: Callable[[str], None] | None = None,
) -> list[TokenScore]:
    """Score every cache entry; a failing token is recorded (``valid`` False, ``error``) and the rest go on.

    Args:
        entries: cache files by token (:func:`~sim.scoring.metric_cache.list_metric_caches`).
        trajectory_for: the agent: a cache -> its trajectory (local frame).
        config: scorer configuration (EPDMS v2; ``human_filter`` as NAVSIM's ``pdm_scorer.yaml``).
        log: receives one line per failed token (default: stderr).
    """
    log = log or (lambda line: print(line, file=sys.stderr))
    scores = []
    for entry in entries:
        cache = None
        try:
            cache = read_metric_cache(entry.path)
            scores.append(score_token(cache, trajectory_for(cache), config))
        except Exception as error:  # noqa: BLE001 - any agent or cache failure fails this token only
            message = f"{type(error).__name__}: {error}"
            log(f"token {entry.token} failed: {message}")
            scores.append(failed_token(entry.token, message, cache))
    return scores
