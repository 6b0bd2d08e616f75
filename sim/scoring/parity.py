"""Parity with the original NAVSIM scorer on a scene and its golden file.

Usage::

    python -m sim.scoring.parity SCENE.json GOLDEN.npz
    python -m sim.scoring.parity metric_cache.pkl golden_v2.npz

The golden layout is described in ``navsim_parity/README.md`` of the data directory; the version
(v1.1 PDMS or v2 EPDMS) is read from the golden's ``metric_columns``. A NAVSIM v2 metric cache may
stand in for the scene JSON of the v2 goldens (it holds 41 frames, so not for v1.1's 51). Prints,
per sub-metric, how many proposals agree and the worst difference; exits 1 on any disagreement
beyond tolerance (discrete values exact, scores and progress 1e-6, states 1e-6 m, extended-comfort
RMS 1e-4). Checks the input cannot support (the human filter of a synthetic scene) print as skipped.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.scoring.config import EPDMS_CONFIG, PDMS_CONFIG, ScorerConfig
from sim.scoring.evaluation import prepare_scene
from sim.scoring.metric_cache import load_metric_cache
from sim.scoring.parity_checks import (
    ANGLE_COLUMNS_XYH,
    EC_RMS_TOLERANCE,
    REFERENCE_TOLERANCE,
    STATE_TOLERANCE,
    VALUE_TOLERANCE,
    Check,
    borderline_mask,
    compare,
)
from sim.scoring.parity_official import official_checks_v2, official_pair_checks, score_without_ec
from sim.scoring.results import ScoreResult
from sim.scoring.scene_io import SceneFormatError, load_scoring_scene
from sim.scoring.scorer import score_batch, score_official, simulate_previous_plans
from sim.scoring.simulation import reference_from_timed_poses, simulate, simulate_local, state_from_components
from sim.types import NAVSIM_SAMPLING, ScoringScene

BATCH_SIZES = (1, 16, 256, 512)
_NO_HUMAN = "the scene has no human trajectory (a synthetic scene; NAVSIM applies no human filter)"


def run_parity(scene_path: Path, golden_path: Path) -> list[Check]:
    """Every check for one scene and golden file."""
    golden = dict(np.load(golden_path))
    is_v2 = golden["metric_columns"].shape[0] == 8
    if scene_path.suffix == ".pkl":
        if not is_v2:
            raise SceneFormatError(
                f"{scene_path}: a NAVSIM v2 metric cache holds 41 frames (4 s); the v1.1 goldens {golden_path} "
                "need 51 (5 s): use scene_v1.json"
            )
        scene = load_metric_cache(scene_path)
    else:
        scene = load_scoring_scene(scene_path)
    if is_v2:
        return _checks_v2(scene, golden)
    return _checks_v1(scene, golden, golden_path.parent / "golden_v2.npz")


def _metric_checks(result: ScoreResult, golden: dict[str, np.ndarray], prefix: str, ep_column: int) -> list[Check]:
    checks = []
    for column, name in enumerate(golden["metric_columns"]):
        tolerance = VALUE_TOLERANCE if column == ep_column else 0.0
        mask = borderline_mask(golden, column)
        ours, theirs = result.metrics[:, column], golden[f"{prefix}_metrics"][:, column]
        checks.append(compare(f"{prefix}.{name}", ours, theirs, tolerance, borderline=mask))
    return checks


def _batch_checks(result: ScoreResult, golden: dict[str, np.ndarray]) -> list[Check]:
    any_border = borderline_mask(golden)
    return [
        compare("batch_prod", result.multiplier, golden["batch_prod"], VALUE_TOLERANCE, borderline=any_border),
        compare("batch_progress_raw", result.progress_raw, golden["batch_progress_raw"], VALUE_TOLERANCE),
        compare(
            "batch_collision_time_idx",
            result.collision_time_idx,
            golden["batch_collision_time_idx"],
            borderline=any_border,
        ),
        compare("batch_ttc_time_idx", result.ttc_time_idx, golden["batch_ttc_time_idx"], borderline=any_border),
        compare("batch_ego_areas", result.ego_areas, golden["batch_ego_areas"], borderline=any_border),
        compare("batch_comfort_checks", result.comfort_checks, golden["batch_comfort_checks"], borderline=any_border),
    ]


def _prefix_checks(scene: ScoringScene, golden: dict[str, np.ndarray], config: ScorerConfig) -> list[Check]:
    """EP and score of the first n proposals scored as one batch, and the low-progress batch."""
    context = prepare_scene(scene, config)
    proposals = golden["proposals_local"]
    batches = {f"batch{n}": np.arange(min(n, proposals.shape[0])) for n in BATCH_SIZES}
    batches["lowprog"] = golden["lowprog_idx"]
    checks = []
    for name, rows in batches.items():
        if f"{name}_ep" not in golden:
            continue
        result = score_batch(scene, proposals[rows], config=config, context=context)
        ep_column = 4 if config.is_v2 else 2
        score = score_without_ec(result, config)
        checks.append(compare(f"{name}_ep", result.metrics[:, ep_column], golden[f"{name}_ep"], VALUE_TOLERANCE))
        checks.append(compare(f"{name}_score", score, golden[f"{name}_score"], VALUE_TOLERANCE))
    return checks


def _checks_v2(scene: ScoringScene, golden: dict[str, np.ndarray]) -> list[Check]:
    config = EPDMS_CONFIG
    proposals = golden["proposals_local"]
    # 1. The previous frame's plans, simulated from the previous ego state (for EC)
    previous_ego = state_from_components(*golden["ec_prev_ego"])
    previous_states = simulate_previous_plans(previous_ego, golden["ec_prev_proposals_local"], config=config)
    # 2. The batched path
    batch = score_batch(scene, proposals, config=config, previous_states=previous_states)
    checks = _simulation_checks_v2(scene, golden, batch, previous_states)
    checks += _metric_checks(batch, golden, "batch", ep_column=4)
    checks += _batch_checks(batch, golden)
    checks.append(
        compare(
            "batch_weighted[EP,TTC,LK,HC]",
            batch.weighted[:, :4],
            golden["batch_weighted"][:, :4],
            VALUE_TOLERANCE,
            borderline=borderline_mask(golden),
        )
    )
    checks.append(
        compare(
            "batch_pdm_score",
            score_without_ec(batch, config),
            golden["batch_pdm_score"],
            VALUE_TOLERANCE,
            borderline=borderline_mask(golden),
        )
    )
    checks.append(
        compare("batch_epdms", batch.score, golden["batch_epdms"], VALUE_TOLERANCE, borderline=borderline_mask(golden))
    )
    checks.append(compare("ec_rms", batch.ec_rms, golden["ec_rms"], EC_RMS_TOLERANCE))
    checks.append(compare("ec_result", batch.ec, golden["ec_result"], borderline=_ec_borderline(golden)))
    checks += _prefix_checks(scene, golden, config)
    # 3. The official path, human filter off and on
    for filter_on in (False, True):
        tag = f"official_hf{int(filter_on)}"
        if filter_on and scene.human_future is None:
            checks.append(Check(f"{tag} (human filter)", 0, 0, 0.0, 0.0, skipped=_NO_HUMAN))
            continue
        official_config = ScorerConfig(human_filter=filter_on)
        official = score_official(scene, proposals, config=official_config, previous_states=previous_states)
        checks += official_checks_v2(official, golden, tag, official_config)
    return checks


def _ec_borderline(golden: dict[str, np.ndarray]) -> np.ndarray:
    thresholds = np.array([0.7, 0.5, 0.1, 0.1])
    return np.any(np.abs(golden["ec_rms"] - thresholds) < EC_RMS_TOLERANCE, axis=1)


def _simulation_checks_v2(
    scene: ScoringScene, golden: dict[str, np.ndarray], batch: ScoreResult, previous_states: np.ndarray
) -> list[Check]:
    reference_xyh = reference_from_timed_poses(scene.reference)[None]
    pdmc_states = simulate(reference_xyh, scene.ego_init)
    count = golden["ec_prev_sim_states"].shape[0]
    states = [
        ("sim_states", batch.states, golden["sim_states"]),
        ("pdmc_sim_states", pdmc_states[0], golden["pdmc_sim_states"]),
        ("ec_prev_sim_states", previous_states[:count], golden["ec_prev_sim_states"]),
    ]
    references = [("ref_states_xyh", batch.reference), ("pdmc_ref_states_xyh", reference_xyh[0])]
    checks = []
    if scene.human_future is None:
        checks.append(Check("human_sim_states, human_ref_states_xyh", 0, 0, 0.0, 0.0, skipped=_NO_HUMAN))
    else:
        human = simulate_local(scene.human_future[None], NAVSIM_SAMPLING, scene.ego_init)
        states.append(("human_sim_states", human.states[0], golden["human_sim_states"]))
        references.append(("human_ref_states_xyh", human.reference[0]))
    checks += [
        compare(name, ours, theirs, STATE_TOLERANCE, angle_columns=ANGLE_COLUMNS_XYH) for name, ours, theirs in states
    ]
    checks += [
        compare(name, ours, golden[name], REFERENCE_TOLERANCE, angle_columns=ANGLE_COLUMNS_XYH)
        for name, ours in references
    ]
    return checks


def _checks_v1(scene: ScoringScene, golden: dict[str, np.ndarray], golden_v2_path: Path) -> list[Check]:
    config = PDMS_CONFIG
    proposals = golden["proposals_local"]
    batch = score_batch(scene, proposals, config=config)
    checks = _metric_checks(batch, golden, "batch", ep_column=2)
    checks += _batch_checks(batch, golden)
    mask = borderline_mask(golden)
    checks.append(compare("batch_weighted", batch.weighted, golden["batch_weighted"], VALUE_TOLERANCE, borderline=mask))
    checks.append(compare("batch_score", batch.score, golden["batch_score"], VALUE_TOLERANCE, borderline=mask))
    if golden_v2_path.exists():  # v1.1 goldens do not store states again; v2's are the same simulation
        states = np.load(golden_v2_path)["sim_states"]
        checks.append(
            compare("sim_states (golden_v2)", batch.states, states, STATE_TOLERANCE, angle_columns=ANGLE_COLUMNS_XYH)
        )
    checks += _prefix_checks(scene, golden, config)
    official = score_official(scene, proposals, config=config)
    ours = np.column_stack([official.proposals.metrics, official.proposals.score])
    checks += [
        compare(
            f"official_rows.{name}",
            ours[:, column],
            golden["official_rows"][:, column],
            VALUE_TOLERANCE,
            borderline=mask,
        )
        for column, name in enumerate(golden["official_row_columns"])
    ]
    checks += official_pair_checks(official, golden, "official")
    return checks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.scoring.parity", description=__doc__.split("\n\n")[0])
    parser.add_argument("scene", type=Path, help="scene JSON (scene_v1.json / scene_v2.json) or metric_cache.pkl (v2)")
    parser.add_argument("golden", type=Path, help="golden file of the original scorer (golden_v1.npz / golden_v2.npz)")
    args = parser.parse_args(argv)
    for path in (args.scene, args.golden):
        if not path.is_file():
            print(f"parity: file not found: {path}", file=sys.stderr)
            return 2
    try:
        checks = run_parity(args.scene, args.golden)
    except ValueError as error:  # SceneFormatError and MetricCacheError name the file and field
        print(f"parity: {error}", file=sys.stderr)
        return 2
    for check in checks:
        print(check.line())
    failed = [check for check in checks if not check.passed]
    skipped = sum(1 for check in checks if check.skipped)
    verdict = "all agree" if not failed else f"{len(failed)} disagree"
    print(f"parity: {len(checks) - skipped} checks, {verdict}" + (f", {skipped} skipped" if skipped else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
