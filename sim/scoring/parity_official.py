"""Parity checks of NAVSIM's official path (one ``pdm_score()`` call per trajectory) against the goldens."""

from __future__ import annotations

import numpy as np

from sim.scoring.aggregate import weighted_and_score
from sim.scoring.config import ScorerConfig
from sim.scoring.parity_checks import VALUE_TOLERANCE, Check, borderline_mask, compare, compare_labels
from sim.scoring.results import OfficialResult, ScoreResult


def score_without_ec(result: ScoreResult, config: ScorerConfig) -> np.ndarray:
    """The aggregate without extended comfort (its weight dropped: NAVSIM's one-stage rule)."""
    return weighted_and_score(result.metrics, config, None)[2]


def official_checks_v2(
    official: OfficialResult, golden: dict[str, np.ndarray], tag: str, config: ScorerConfig
) -> list[Check]:
    result = official.proposals
    rows = golden[f"{tag}_rows"]
    mask = borderline_mask(golden)
    weighted_no_ec = result.weighted.copy()
    weighted_no_ec[:, 4] = 0.0
    ours = np.column_stack([result.metrics, result.multiplier, weighted_no_ec, official.unfiltered_score])
    checks = [
        compare(f"{tag}_rows.{name}", ours[:, column], rows[:, column], VALUE_TOLERANCE, borderline=mask)
        for column, name in enumerate(golden["official_row_columns"])
    ]
    checks.append(
        compare(
            f"{tag}_epdms_noEC",
            score_without_ec(result, config),
            golden[f"{tag}_epdms_noEC"],
            VALUE_TOLERANCE,
            borderline=mask,
        )
    )
    checks.append(compare(f"{tag}_epdms", result.score, golden[f"{tag}_epdms"], VALUE_TOLERANCE, borderline=mask))
    checks += official_pair_checks(official, golden, tag)
    if config.human_filter:
        checks.append(compare("human_metrics", official.human_metrics, golden["human_metrics"]))
        forced = [str(golden["metric_columns"][column]) for column in official.forced_columns]
        checks.append(compare_labels("human_forced_columns", forced, golden["human_forced_columns"]))
    checks.append(
        compare_labels(f"{tag} logreplay_removed_tokens", official.removed_tokens, golden["logreplay_removed_tokens"])
    )
    return checks


def official_pair_checks(official: OfficialResult, golden: dict[str, np.ndarray], tag: str) -> list[Check]:
    return [
        compare(f"{tag} official_ep_norm", official.ep_norm, golden["official_ep_norm"], VALUE_TOLERANCE),
        compare(
            f"{tag} official_pair_progress_raw",
            official.pair_progress_raw,
            golden["official_pair_progress_raw"],
            VALUE_TOLERANCE,
        ),
        compare(
            f"{tag} official_pair_multiplier",
            official.pair_multiplier,
            golden["official_pair_multiplier"],
            borderline=borderline_mask(golden),
        ),
        compare(f"{tag} pdmc_metrics", official.reference_metrics, golden["pdmc_metrics"]),
        compare(
            f"{tag} pdmc_progress_raw", official.reference_progress_raw, golden["pdmc_progress_raw"], VALUE_TOLERANCE
        ),
    ]
