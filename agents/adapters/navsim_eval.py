"""Score a registered planner on NAVSIM scenes with our own PDMS / EPDMS (NAVSIM not needed).

    python -m agents.adapters.navsim_eval --planner pdm_closed data/navsim_parity/*/scene_v2.json
    python -m agents.adapters.navsim_eval --planner pdm_closed --metric-cache CACHE_DIR --out results.csv

Scene mode: each scene (a scene JSON, or a NAVSIM ``metric_cache.pkl``) becomes the planner's
observation (:func:`agents.adapters.navsim_agent.observation_from_scoring_scene`), the plan is scored as
NAVSIM's official path does (the pair with the scene's PDM-Closed reference, log-replay traffic,
human filter) and every sub-metric is printed. Metric-cache mode plans every token of a NAVSIM
metric-cache folder and writes NAVSIM's results CSV (:mod:`sim.scoring.score_caches`; ``--two-stage``
for the two-stage tables). A scene whose reading, planning or scoring fails is recorded with its
status and error and the others go on; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.adapters.navsim_agent import observation_from_scoring_scene
from agents.registry import known_planners, make_planner
from sim.scoring.config import EPDMS_CONFIG, PDMS_CONFIG
from sim.scoring.metric_cache import MetricCacheError, MetricCacheScene, list_metric_caches, load_metric_cache
from sim.scoring.navsim_inputs import NavsimInputError, load_two_stage_mapping
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.score_caches import evaluate_caches, summary
from sim.scoring.scorer import score_official
from sim.types import ScoringScene, Trajectory

OK, FAILED = "ok", "failed"


@dataclass(frozen=True)
class SceneScore:
    """One scene's result: status, score and metric columns (``EpdmsMetric`` / ``PdmsMetric``; NaN if failed)."""

    scene: str
    score: float
    metrics: np.ndarray
    status: str = OK
    error: str = ""


def load_scene(path: Path) -> ScoringScene:
    """A scene JSON, or a NAVSIM metric cache (``.pkl``)."""
    return load_metric_cache(path) if path.suffix == ".pkl" else load_scoring_scene(path)


def plan_trajectory(planner, scene: ScoringScene) -> Trajectory:
    """Reset ``planner``, plan once on ``scene`` and return the validated trajectory."""
    planner.reset()
    return planner.plan(observation_from_scoring_scene(scene)).as_trajectory()


def score_planner(planner_name: str, scene_paths: list[Path], version: str = "v2") -> list[SceneScore]:
    """Plan once per scene and score the plan with the official-path scorer of ``version``."""
    config = EPDMS_CONFIG if version == "v2" else PDMS_CONFIG
    columns = 8 if version == "v2" else 6
    planner = make_planner(planner_name)
    results = []
    for path in scene_paths:
        try:
            scene = load_scene(path)
            trajectory = plan_trajectory(planner, scene)
            official = score_official(scene, trajectory.poses[None], trajectory.sampling, config)
            results.append(SceneScore(str(path), float(official.proposals.score[0]), official.proposals.metrics[0]))
        except Exception as error:  # noqa: BLE001 - one bad scene must not stop the batch
            message = f"{type(error).__name__}: {error}"
            results.append(SceneScore(str(path), float("nan"), np.full(columns, np.nan), FAILED, message))
    return results


def score_metric_caches(planner_name: str, cache: Path, out: Path, two_stage: Path | None = None) -> dict:
    """Plan every token of a metric-cache folder and write NAVSIM's results CSV; returns the run summary."""
    planner = make_planner(planner_name)
    mappings = load_two_stage_mapping(two_stage) if two_stage else None

    def trajectory_for(cache_scene: MetricCacheScene) -> Trajectory:
        return plan_trajectory(planner, cache_scene.scene)

    scores, table = evaluate_caches(list_metric_caches(cache), trajectory_for, out, mappings=mappings)
    return {"planner": planner_name, **summary(scores, table, out)}


def _scene_mode(args: argparse.Namespace) -> int:
    missing = [str(path) for path in args.scenes if not path.is_file()]
    if missing:
        print(f"navsim_eval: missing scenes {missing}", file=sys.stderr)
        return 2
    results = score_planner(args.planner, args.scenes, args.version)
    for result in results:
        detail = f"metrics {np.round(result.metrics, 4).tolist()}" if result.status == OK else result.error
        print(f"{result.scene}: {result.status} score {result.score:.4f}  {detail}")
    scored = [r.score for r in results if r.status == OK]
    summary_line = {
        "planner": args.planner,
        "version": args.version,
        "scenes": len(results),
        "ok": len(scored),
        "failed": {r.scene: r.error for r in results if r.status != OK},
        "mean_score": float(np.mean(scored)) if scored else None,
    }
    print(json.dumps(summary_line))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.adapters.navsim_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--planner", required=True, help=f"one of {', '.join(known_planners())}")
    parser.add_argument("--version", choices=("v1", "v2"), default="v2", help="PDMS (v1.1) or EPDMS (v2), scenes")
    parser.add_argument("--metric-cache", type=Path, help="NAVSIM metric-cache folder: score it into --out (CSV)")
    parser.add_argument("--out", type=Path, help="results CSV of --metric-cache")
    parser.add_argument("--two-stage", type=Path, help="split YAML with reactive_all_mapping (with --metric-cache)")
    parser.add_argument("scenes", nargs="*", type=Path, help="scene JSON or metric_cache.pkl files")
    args = parser.parse_args(argv)
    if args.planner not in known_planners():
        print(f"navsim_eval: unknown planner {args.planner}; known: {known_planners()}", file=sys.stderr)
        return 2
    if args.metric_cache is None:
        if not args.scenes:
            parser.error("give scene files, or --metric-cache DIR --out CSV")
        return _scene_mode(args)
    if args.out is None:
        parser.error("--metric-cache needs --out CSV")
    try:
        print(json.dumps(score_metric_caches(args.planner, args.metric_cache, args.out, args.two_stage)))
    except (MetricCacheError, NavsimInputError) as error:
        print(f"navsim_eval: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
