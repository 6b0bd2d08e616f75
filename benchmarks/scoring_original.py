"""Time the ORIGINAL NAVSIM v2 batched scorer on a parity scene (run it in the original's environment).

    /path/to/navsim-venv/bin/python benchmarks/scoring_original.py \
        --navsim /path/to/navsim --nuplan /path/to/nuplan-devkit [--sizes 1,16,256] [--repeats 7]

Needs navsim (``main`` at 0a380a9 or later v2) and nuplan-devkit v1.2 importable (installed, or given
as source folders with ``--navsim`` / ``--nuplan``); it does not import this repository's package.
The scene is the parity metric cache ``data/navsim_parity/<scene>/metric_cache.pkl`` (written by the
original code from ``scene_v2.json``) and the proposals are those of ``benchmarks/scoring.py``
(``benchmarks/_proposals.py``). Per batch size N, as the original's recorded timings: interpolate
(``transform_trajectory`` + ``get_trajectory_as_array``), ``PDMSimulator.simulate_proposals`` and
``PDMScorer.score_proposals`` (no traffic policy, the cached past for history comfort), ``repeats``
times after one warm-up; the median and the fastest total per trajectory. glibc's trim and mmap
thresholds are raised as on our side (``_allocator.py``) unless ``--default-allocator`` is given.
A check compares the scores of the first 512 proposals with the goldens, so a broken installation
cannot pass as fast.
The last line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread, as the original was timed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import lzma  # noqa: E402
import pickle  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _allocator import keep_freed_memory  # noqa: E402
from _proposals import SIZES, resample  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[1]


def _original():
    """The original's entry points (imported late: the paths come from the command line)."""
    from navsim.common.dataclasses import Trajectory
    from navsim.evaluate.pdm_score import get_trajectory_as_array, transform_trajectory
    from navsim.planning.simulation.planner.pdm_planner.scoring.pdm_scorer import PDMScorer
    from navsim.planning.simulation.planner.pdm_planner.simulation.pdm_simulator import PDMSimulator
    from nuplan.planning.simulation.trajectory.trajectory_sampling import TrajectorySampling

    return Trajectory, get_trajectory_as_array, transform_trajectory, PDMScorer, PDMSimulator, TrajectorySampling


def score_once(cache, proposals: np.ndarray, parts: dict[str, float]):
    """Interpolate, simulate and score ``proposals (N, 8, 3)``; adds seconds per phase to ``parts``."""
    trajectory_cls, as_array, transform, scorer_cls, simulator_cls, sampling_cls = _original()
    sampling = sampling_cls(num_poses=40, interval_length=0.1)
    start = time.perf_counter()
    states = np.stack(
        [
            as_array(transform(trajectory_cls(poses), cache.ego_state), sampling, cache.ego_state.time_point)
            for poses in proposals
        ]
    )
    interpolated = time.perf_counter()
    simulated = simulator_cls(sampling).simulate_proposals(states, cache.ego_state)
    simulated_at = time.perf_counter()
    results = scorer_cls(sampling).score_proposals(
        simulated,
        cache.observation,
        cache.centerline,
        cache.route_lane_ids,
        cache.drivable_area_map,
        cache.map_parameters,
        None,
        cache.past_human_trajectory,
    )
    scored = time.perf_counter()
    for name, seconds in (
        ("interp_s", interpolated - start),
        ("simulate_s", simulated_at - interpolated),
        ("score_s", scored - simulated_at),
    ):
        parts[name] = parts.get(name, 0.0) + seconds
    return results


def check_against_goldens(cache, golden: dict) -> float:
    """Largest |score - golden batch_pdm_score| over the first 512 proposals (the golden batch)."""
    proposals = golden["proposals_local"][:512]
    results = score_once(cache, proposals, {})
    scores = np.array([float(frame["pdm_score"].iloc[0]) for frame in results])
    return float(np.max(np.abs(scores - golden["batch_pdm_score"][: scores.shape[0]])))


def time_sizes(cache, proposals: np.ndarray, sizes: list[int], repeats: int) -> dict:
    report = {}
    for n in sizes:
        batch = resample(proposals, n)
        score_once(cache, batch, {})  # warm-up
        totals, cpu, parts = [], [], {}
        count = repeats if n < 8192 else min(repeats, 3)
        for _ in range(count):
            start, start_cpu = time.perf_counter(), time.process_time()
            score_once(cache, batch, parts)
            totals.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        report[str(n)] = {
            "per_traj_ms": 1e3 * float(np.median(totals)) / n,
            "min_per_traj_ms": 1e3 * min(totals) / n,
            "repeats": count,
            "all_total_s": totals,
            "all_cpu_s": cpu,
            "mean_phase_s": {name: seconds / count for name, seconds in parts.items()},
        }
        print(n, json.dumps({k: report[str(n)][k] for k in ("per_traj_ms", "min_per_traj_ms")}), flush=True)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--navsim", default=None, help="navsim source folder (when not installed)")
    parser.add_argument("--nuplan", default=None, help="nuplan-devkit source folder (when not installed)")
    parser.add_argument("--scene", default=str(REPOSITORY / "data" / "navsim_parity" / "seed0_agents30"))
    parser.add_argument("--sizes", default=",".join(str(n) for n in SIZES))
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--default-allocator", action="store_true", help="keep glibc's trim/mmap thresholds")
    args = parser.parse_args()
    allocator = "default" if args.default_allocator or not keep_freed_memory() else "freed memory kept"
    for folder in (args.nuplan, args.navsim):
        if folder:
            sys.path.insert(0, str(Path(folder).resolve()))
    scene = Path(args.scene)
    cache = pickle.loads(lzma.decompress((scene / "metric_cache.pkl").read_bytes()))
    golden = dict(np.load(scene / "golden_v2.npz"))
    error = check_against_goldens(cache, golden)
    if error > 1e-9:
        print(f"the original scorer disagrees with the goldens by {error:.3e}: broken installation", file=sys.stderr)
        return 1
    sizes = [int(n) for n in args.sizes.split(",") if n]
    report = {
        "scorer": "original navsim v2 (batched: interpolate + simulate_proposals + score_proposals)",
        "scene": scene.name,
        "golden_max_abs_error": error,
        "allocator": allocator,
        "batched": time_sizes(cache, golden["proposals_local"], sizes, args.repeats),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
