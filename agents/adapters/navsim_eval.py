"""Score a registered planner on NAVSIM-style scenes with our own PDMS / EPDMS (NAVSIM not needed).

    python -m agents.adapters.navsim_eval --planner pdm_closed data/navsim_parity/*/scene_v2.json

Each scene becomes the planner's observation (:func:`agents.adapters.navsim_agent.observation_from_scoring_scene`),
the planner's trajectory is scored as NAVSIM's official path does (one call per trajectory: the pair
with the scene's PDM-Closed reference, log-replay traffic, human filter), and the mean score and every
sub-metric are printed, the last line as one JSON object.
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
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_official


@dataclass(frozen=True)
class SceneScore:
    """One scene's result: the score and the metric columns (``EpdmsMetric`` / ``PdmsMetric`` order)."""

    scene: str
    score: float
    metrics: np.ndarray


def score_planner(planner_name: str, scene_paths: list[Path], version: str = "v2") -> list[SceneScore]:
    """Plan once per scene and score the plan with the official-path scorer of ``version``."""
    config = EPDMS_CONFIG if version == "v2" else PDMS_CONFIG
    planner = make_planner(planner_name)
    results = []
    for path in scene_paths:
        scene = load_scoring_scene(path)
        planner.reset()
        plan = planner.plan(observation_from_scoring_scene(scene))
        trajectory = np.asarray(plan.trajectory, dtype=np.float64)[None]
        official = score_official(scene, trajectory, plan.sampling, config)
        results.append(SceneScore(str(path), float(official.proposals.score[0]), official.proposals.metrics[0]))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m agents.adapters.navsim_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--planner", required=True, help=f"one of {', '.join(known_planners())}")
    parser.add_argument("--version", choices=("v1", "v2"), default="v2", help="PDMS (v1.1) or EPDMS (v2)")
    parser.add_argument("scenes", nargs="+", type=Path, help="scene JSON files (navsim_parity layout)")
    args = parser.parse_args(argv)
    missing = [str(path) for path in args.scenes if not path.is_file()]
    if missing or args.planner not in known_planners():
        print(
            f"navsim_eval: missing scenes {missing}" if missing else f"unknown planner {args.planner}", file=sys.stderr
        )
        return 2
    results = score_planner(args.planner, args.scenes, args.version)
    for result in results:
        print(f"{result.scene}: score {result.score:.4f}  metrics {np.round(result.metrics, 4).tolist()}")
    summary = {"planner": args.planner, "version": args.version, "scenes": len(results),
               "mean_score": float(np.mean([r.score for r in results]))}  # fmt: skip
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
