"""PDMS (NAVSIM v1.1) and EPDMS (NAVSIM v2): the public scoring entry points.

Two paths, as in NAVSIM:

- :func:`score_batch` scores N proposals together (``PDMScorer.score_proposals``): EP is
  normalised by the best proposal of the batch, no traffic policy, no human filter. This is
  the path for vocabulary scoring (pseudo-teacher targets) and for PDM-Closed-style planners.
- :func:`score_official` reproduces one ``pdm_score()`` call per trajectory: each proposal is
  scored in the pair [PDM-Closed reference, proposal] (EP normalised within the pair), v2 with
  log-replay traffic (tracks overlapping the initial ego box removed) and the human filter. All
  other sub-metrics are per proposal, so the N calls are computed as one vectorised pass.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from sim.scoring import centerline
from sim.scoring.aggregate import assemble, metric_table, multiplier_of, normalised_progress, weighted_and_score
from sim.scoring.config import EPDMS_CONFIG, ScorerConfig
from sim.scoring.evaluation import ProposalMetrics, SceneContext, evaluate_proposals, prepare_scene
from sim.scoring.extended_comfort import extended_comfort
from sim.scoring.results import EpdmsMetric, OfficialResult, ScoreResult
from sim.scoring.simulation import reference_from_timed_poses, simulate, simulate_local
from sim.scoring.step_timer import StepTimer, timed
from sim.types import NAVSIM_SAMPLING, ScoringScene, TrajectorySampling

CHUNK_SIZE = 512  # proposals simulated and scored together: their arrays stay in the CPU caches

# Metrics the human filter may force (EP and HC can never be 0 for a lone human trajectory).
HUMAN_FILTER_COLUMNS = (
    EpdmsMetric.NC,
    EpdmsMetric.DAC,
    EpdmsMetric.DDC,
    EpdmsMetric.TLC,
    EpdmsMetric.TTC,
    EpdmsMetric.LK,
)


def score_batch(
    scene: ScoringScene,
    proposals_local: np.ndarray,
    sampling: TrajectorySampling = NAVSIM_SAMPLING,
    config: ScorerConfig = EPDMS_CONFIG,
    *,
    previous_states: np.ndarray | None = None,
    context: SceneContext | None = None,
    timer: StepTimer | None = None,
) -> ScoreResult:
    """Score N proposals together.

    Args:
        scene: the scene (global frame).
        proposals_local: ``(N, P, 3)`` x, y, heading in the ego rear-axle frame at ``sampling``.
        sampling: the proposals' sampling (NAVSIM: 8 poses at 0.5 s).
        config: scorer configuration (version, thresholds, weights).
        previous_states: ``(N, 41, 11)`` simulated plans of the frame 0.5 s earlier; when given,
            v2's extended comfort (EC) is computed and included in the score.
        context: a prepared scene to reuse across calls (from :func:`prepare_scene`).
        timer: records seconds per step (benchmarks).
    """
    # 1. Prepare the scene once (map index, observation)
    with timed(timer, "prepare_scene"):
        context = context or prepare_scene(scene, config)
    # 2. Simulate (interpolate, LQR tracking, kinematic bicycle) and score each proposal on its own,
    #    a cache-sized chunk at a time
    past = _past(scene, config)
    chunks = []
    for start in range(0, max(len(proposals_local), 1), CHUNK_SIZE):
        with timed(timer, "simulate"):
            chunk = proposals_local[start : start + CHUNK_SIZE]
            simulated = simulate_local(chunk, sampling, scene.ego_init, parallel=config.parallel)
        chunks.append(
            evaluate_proposals(context, simulated.reference, simulated.states, config, ego_past=past, timer=timer)
        )
    metrics = chunks[0] if len(chunks) == 1 else _concatenated(chunks)
    # 3. EP normalised over the batch, EC against the previous frame, aggregate
    with timed(timer, "aggregate"):
        ec_rms, ec = _extended_comfort(metrics.states, previous_states, config)
        return assemble(metrics, normalised_progress(metrics, config), config, ec_rms=ec_rms, ec=ec)


def score_official(
    scene: ScoringScene,
    proposals_local: np.ndarray,
    sampling: TrajectorySampling = NAVSIM_SAMPLING,
    config: ScorerConfig = EPDMS_CONFIG,
    *,
    previous_states: np.ndarray | None = None,
) -> OfficialResult:
    """Score each proposal as NAVSIM's ``pdm_score()`` does, one pair [PDM-Closed, proposal] each."""
    if scene.reference is None:
        raise ValueError(f"{scene.source}: the official path needs the scene's 'reference' (PDM-Closed)")
    # 1. Traffic: v2 replays the log without tracks overlapping the initial ego box
    context = prepare_scene(scene, config, log_replay=config.is_v2)
    past = _past(scene, config)
    # 2. The proposals' and the PDM-Closed reference's batch-independent metrics
    simulated = simulate_local(proposals_local, sampling, scene.ego_init, parallel=config.parallel)
    metrics = evaluate_proposals(context, simulated.reference, simulated.states, config, ego_past=past)
    reference_xyh = reference_from_timed_poses(scene.reference, num_steps=config.num_steps, dt=config.dt)[None]
    reference_states = simulate(reference_xyh, scene.ego_init, dt=config.dt, vehicle=config.vehicle)
    reference = evaluate_proposals(context, reference_xyh, reference_states, config, ego_past=past)
    # 3. EP normalised within each pair
    pair_raw, pair_multiplier, ep = _pairwise_progress(metrics, reference, config)
    # 4. v2 human filter: columns where the lone human trajectory scores exactly 0 are forced to 1
    human_metrics, forced = _human_filter(context, scene, config) if config.is_v2 else (None, ())
    # 5. Extended comfort and aggregation
    ec_rms, ec = _extended_comfort(metrics.states, previous_states, config)
    result = assemble(metrics, ep, config, ec_rms=ec_rms, ec=ec, forced_columns=forced)
    reference_table = metric_table(reference, np.full(1, np.nan), config)[0]
    return OfficialResult(
        proposals=result,
        ep_norm=np.max(pair_raw * pair_multiplier, axis=1),
        pair_progress_raw=pair_raw,
        pair_multiplier=pair_multiplier,
        reference_metrics=reference_table,
        reference_progress_raw=float(reference.progress_raw[0]),
        human_metrics=human_metrics,
        forced_columns=forced,
        removed_tokens=tuple(context.observation.removed_tokens),
        unfiltered_score=weighted_and_score(metric_table(metrics, ep, config), config, None)[2],
    )


def simulate_previous_plans(
    previous_ego: np.ndarray,
    previous_plans_local: np.ndarray,
    sampling: TrajectorySampling = NAVSIM_SAMPLING,
    config: ScorerConfig = EPDMS_CONFIG,
) -> np.ndarray:
    """``(N, 41, 11)`` simulated plans of the previous frame, from its ego state ``(11,)``."""
    return simulate_local(previous_plans_local, sampling, previous_ego, parallel=config.parallel).states


def _concatenated(chunks: list[ProposalMetrics]) -> ProposalMetrics:
    """One :class:`ProposalMetrics` of consecutive chunks (every field is per proposal)."""
    return ProposalMetrics(
        **{field.name: np.concatenate([getattr(c, field.name) for c in chunks]) for field in fields(ProposalMetrics)}
    )


def _past(scene: ScoringScene, config: ScorerConfig) -> np.ndarray | None:
    return scene.ego_past if config.is_v2 else None


def _extended_comfort(
    states: np.ndarray, previous_states: np.ndarray | None, config: ScorerConfig
) -> tuple[np.ndarray | None, np.ndarray | None]:
    if previous_states is None or not config.is_v2:
        return None, None
    result = extended_comfort(states, previous_states, config.dt, config.comfort)
    return result.rms, result.passed


def _pairwise_progress(
    metrics: ProposalMetrics, reference: ProposalMetrics, config: ScorerConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = metrics.progress_raw.shape[0]
    zeros = np.zeros(n)
    multiplier = multiplier_of(metric_table(metrics, zeros, config), config.version)
    reference_multiplier = multiplier_of(metric_table(reference, np.zeros(1), config), config.version)[0]
    pair_raw = np.stack([np.full(n, reference.progress_raw[0]), metrics.progress_raw], axis=1)
    pair_multiplier = np.stack([np.full(n, reference_multiplier), multiplier], axis=1)
    ep = centerline.ego_progress_sets(pair_raw, pair_multiplier, version=config.version_tag, config=config.area)[:, 1]
    return pair_raw, pair_multiplier, ep


def _human_filter(
    context: SceneContext, scene: ScoringScene, config: ScorerConfig
) -> tuple[np.ndarray | None, tuple[int, ...]]:
    if not config.human_filter or scene.human_future is None:
        return None, ()
    human = simulate_local(scene.human_future[None], NAVSIM_SAMPLING, scene.ego_init)
    metrics = evaluate_proposals(context, human.reference, human.states, config, ego_past=None)
    table = metric_table(metrics, normalised_progress(metrics, config), config)[0]
    forced = tuple(int(column) for column in HUMAN_FILTER_COLUMNS if table[column] == 0.0)
    return table, forced
