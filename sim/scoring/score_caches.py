"""Score agent trajectories on a NAVSIM metric-cache folder into the CSV NAVSIM's evaluation writes.

Usage::

    python -m sim.scoring.score_caches CACHE_DIR TRAJECTORIES.npz --out results.csv
    python -m sim.scoring.score_caches CACHE_DIR TRAJECTORIES.npz --out results.csv --two-stage navhard_two_stage.yaml

Neither navsim nor nuPlan is needed. Every token that has both a cache and a trajectory is scored
(EPDMS v2, the pair with the cached PDM-Closed trajectory, log-replay traffic, the human filter on
logged scenes); the CSV has the columns of ``run_pdm_score_one_stage.py`` (one stage, with the
``average_all_frames`` row) or of ``run_pdm_score.py`` (``--two-stage``: columns per stage and the
``extended_pdm_score_*`` rows). Traffic is log replay in both stages: NAVSIM's two-stage
evaluation runs reactive (IDM) traffic, which this scorer does not simulate. A token that fails is
written with ``valid`` False and the run goes on; the last line printed is a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from sim.scoring.cache_scoring import TokenScore, TrajectorySource, score_caches
from sim.scoring.config import ScorerConfig
from sim.scoring.metric_cache import CacheEntry, MetricCacheError, list_metric_caches
from sim.scoring.navsim_aggregate import TwoStageMapping, one_stage_table, two_stage_table
from sim.scoring.navsim_csv import AVERAGE_TOKEN, SCORE_COLUMN, TWO_STAGE_SUMMARY_TOKENS, Table, write_table
from sim.scoring.navsim_inputs import NavsimInputError, load_trajectories, load_two_stage_mapping


def evaluate_caches(
    entries: list[CacheEntry],
    trajectory_for: TrajectorySource,
    out: Path,
    *,
    mappings: list[TwoStageMapping] | None = None,
    config: ScorerConfig | None = None,
) -> tuple[list[TokenScore], Table]:
    """Score ``entries`` with ``trajectory_for`` and write the one- or two-stage CSV to ``out``."""
    config = config or ScorerConfig()
    scores = score_caches(entries, trajectory_for, config)
    table = one_stage_table(scores, config) if mappings is None else two_stage_table(scores, mappings, config)
    write_table(table, out)
    return scores, table


def summary(scores: list[TokenScore], table: Table, out: Path) -> dict:
    """The run's figures: token counts, failures and the headline score of the table."""
    headline = AVERAGE_TOKEN if table.rows[-1]["token"] == AVERAGE_TOKEN else TWO_STAGE_SUMMARY_TOKENS[-1]
    score = next(row[SCORE_COLUMN] for row in table.rows if row["token"] == headline)
    return {
        "csv": str(out),
        "tokens": len(scores),
        "valid": sum(score.valid for score in scores),
        "failed": {score.token: score.error for score in scores if not score.valid},
        headline: None if math.isnan(score) else score,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.scoring.score_caches", description=__doc__.split("\n\n")[0])
    parser.add_argument("cache", type=Path, help="metric-cache folder (NAVSIM layout) or one metric_cache.pkl")
    parser.add_argument("trajectories", type=Path, help="trajectories per token: .npz or .json (see navsim_inputs)")
    parser.add_argument("--out", type=Path, required=True, help="CSV to write (atomically)")
    parser.add_argument("--two-stage", type=Path, help="NAVSIM split YAML with reactive_all_mapping (two-stage)")
    parser.add_argument("--no-human-filter", action="store_true", help="score without NAVSIM's human filter")
    args = parser.parse_args(argv)
    try:
        entries = list_metric_caches(args.cache)
        trajectories = load_trajectories(args.trajectories)
        mappings = load_two_stage_mapping(args.two_stage) if args.two_stage else None
    except (MetricCacheError, NavsimInputError) as error:
        print(f"score_caches: {error}", file=sys.stderr)
        return 2
    selected = [entry for entry in entries if entry.token in trajectories]
    missing, unused = len(entries) - len(selected), len(set(trajectories) - {entry.token for entry in entries})
    if missing or unused:
        print(f"score_caches: {missing} cached tokens without a trajectory, {unused} trajectories without a cache")
    if not selected:
        print("score_caches: no token has both a cache and a trajectory", file=sys.stderr)
        return 2
    config = ScorerConfig(human_filter=not args.no_human_filter)
    scores, table = evaluate_caches(
        selected, lambda cache: trajectories[cache.token], args.out, mappings=mappings, config=config
    )
    print(json.dumps(summary(scores, table, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
