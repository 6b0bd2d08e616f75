"""Speed of the PDMS / EPDMS scorers against the original NAVSIM scorer, recorded or side by side.

    python benchmarks/scoring.py [--data-dir DIR] [--repeats 7] [--version v2]
    python benchmarks/scoring.py --original-python /path/to/navsim-venv/bin/python \
        [--navsim /path/to/navsim --nuplan /path/to/nuplan-devkit] [--original-sizes 1,16,256]

With ``--original-python`` the original v2 batched scorer runs in its own environment
(``benchmarks/scoring_original.py``, on the same scene and the same proposals) right before ours,
``--rounds`` times alternately, and the speed-up is taken from the two medians (and the two
fastest runs) of this one run. Without it, the original's recorded ``timings_v2.json`` is used.

Scores every parity scene's proposals in one batch (interpolation, simulation and scoring, as the
original's batched timing: its observation and drivable map come prebuilt from the metric cache,
so our per-scene preparation is timed once and reported separately) for N = 1, 16, 256 and 8192
proposals; N > 512 resamples the scene's 512 proposals with small lateral/heading noise.
Single-threaded first (serial kernels, one BLAS thread), then with numba ``prange`` over all cores.
Both sides run with glibc's trim and mmap thresholds raised (``benchmarks/_allocator.py``:
repeated batches reuse their memory instead of page-faulting it back; ``--default-allocator``
keeps the defaults on both sides). The speed-up divides the original's per-trajectory time on the
same scene and N (``timings_v2.json`` / ``timings_v1.json`` beside the goldens; its fastest
repeat, the conservative choice, and its median) by ours. The last line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one BLAS thread, as the original was timed
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numba  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _allocator import keep_freed_memory  # noqa: E402
from _proposals import SIZES, resample  # noqa: E402

from sim.paths import resolve_data_dir  # noqa: E402
from sim.scoring.config import ScorerConfig  # noqa: E402
from sim.scoring.evaluation import prepare_scene  # noqa: E402
from sim.scoring.results import ScorerVersion  # noqa: E402
from sim.scoring.scene_io import load_scoring_scene  # noqa: E402
from sim.scoring.scorer import score_batch  # noqa: E402
from sim.scoring.step_timer import StepTimer  # noqa: E402


def time_batch(
    scene, proposals: np.ndarray, config: ScorerConfig, repeats: int
) -> tuple[list[float], dict[str, float]]:
    """Seconds of each of ``repeats`` ``score_batch`` calls (after one warm-up), and the mean step breakdown."""
    context = prepare_scene(scene, config)
    score_batch(scene, proposals, config=config, context=context)
    totals, cpu, timer = [], [], StepTimer()
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        score_batch(scene, proposals, config=config, context=context, timer=timer)
        totals.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    breakdown = {name: seconds / repeats for name, seconds in timer.seconds.items()}
    breakdown["cpu_totals_s"] = cpu
    return totals, breakdown


def time_prepare(scene, config: ScorerConfig, repeats: int = 5) -> float:
    """Median seconds to index the map and build the observation of a scene (once per scene)."""
    prepare_scene(scene, config)
    totals = []
    for _ in range(repeats):
        start = time.perf_counter()
        prepare_scene(scene, config)
        totals.append(time.perf_counter() - start)
    return float(np.median(totals))


def original_per_trajectory_ms(timings: dict, n: int) -> tuple[float, float] | None:
    """(fastest, median) per-trajectory milliseconds of the original at batch size ``n``."""
    entry = timings.get("batched", {}).get(str(n))
    if entry is None:
        return None
    return entry["min_per_traj_ms"], entry["per_traj_ms"]


def bench_scene(scene_dir: Path, version: str, repeats: int) -> dict:
    scene = load_scoring_scene(scene_dir / f"scene_{version}.json")
    proposals = np.load(scene_dir / f"golden_{version}.npz")["proposals_local"]
    timings = json.loads((scene_dir / f"timings_{version}.json").read_text())
    serial = ScorerConfig(version=ScorerVersion(version))
    parallel = ScorerConfig(version=ScorerVersion(version), parallel=True)
    report: dict = {"per_trajectory_us": {}, "parallel_per_trajectory_us": {}, "speedup_vs_reference": {}}
    report["prepare_scene_ms"] = 1e3 * time_prepare(scene, serial)
    for n in SIZES:
        batch = resample(proposals, n)
        count = max(3, repeats if n < 8192 else 3)
        totals, breakdown = time_batch(scene, batch, serial, count)
        parallel_totals, _ = time_batch(scene, batch, parallel, count)
        report["per_trajectory_us"][str(n)] = 1e6 * float(np.median(totals)) / n
        report.setdefault("min_per_trajectory_us", {})[str(n)] = 1e6 * min(totals) / n
        report.setdefault("all_totals_s", {})[str(n)] = totals
        report.setdefault("all_cpu_s", {})[str(n)] = breakdown.pop("cpu_totals_s")
        report["parallel_per_trajectory_us"][str(n)] = 1e6 * float(np.median(parallel_totals)) / n
        report.setdefault("breakdown_ms", {})[str(n)] = {k: round(1e3 * v, 3) for k, v in breakdown.items()}
        original = original_per_trajectory_ms(timings, n)
        if original is not None:
            report["speedup_vs_reference"][str(n)] = original[0] * 1e3 / report["per_trajectory_us"][str(n)]
            report.setdefault("speedup_vs_reference_median", {})[str(n)] = (
                original[1] * 1e3 / report["per_trajectory_us"][str(n)]
            )
    report["seconds_for_8192"] = report["per_trajectory_us"]["8192"] * 8192 / 1e6
    report["parallel_speedup_8192"] = report["per_trajectory_us"]["8192"] / report["parallel_per_trajectory_us"]["8192"]
    return report


def run_original(args, scene_dir: Path) -> dict:
    """The original scorer's timings from its own environment (``scoring_original.py``'s last line)."""
    command = [args.original_python, str(Path(__file__).with_name("scoring_original.py")), "--scene", str(scene_dir)]
    command += ["--sizes", args.original_sizes, "--repeats", str(args.repeats)]
    if args.default_allocator:
        command.append("--default-allocator")
    for flag in ("navsim", "nuplan"):
        if getattr(args, flag):
            command += [f"--{flag}", getattr(args, flag)]
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"the original scorer failed ({finished.returncode}): {finished.stderr[-2000:]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])["batched"]


def side_by_side(args, scene_dir: Path) -> dict:
    """Alternate the original and ours ``--rounds`` times on one scene; per-N medians and minima of both."""
    original: dict[str, dict[str, list[float]]] = {"wall": {}, "cpu": {}}
    ours: dict[str, dict[str, list[float]]] = {"wall": {}, "cpu": {}}
    for _ in range(args.rounds):
        for n, entry in run_original(args, scene_dir).items():
            original["wall"].setdefault(n, []).extend(entry["all_total_s"])
            original["cpu"].setdefault(n, []).extend(entry["all_cpu_s"])
        report = bench_scene(scene_dir, "v2", args.repeats)
        for n in report["all_totals_s"]:
            ours["wall"].setdefault(n, []).extend(report["all_totals_s"][n])
            ours["cpu"].setdefault(n, []).extend(report["all_cpu_s"][n])
    table = {}
    for n in sorted(set(original["wall"]) & set(ours["wall"]), key=int):
        table[n] = {"runs": [len(original["wall"][n]), len(ours["wall"][n])]}
        for clock in ("wall", "cpu"):
            theirs, mine = np.array(original[clock][n]) / int(n), np.array(ours[clock][n]) / int(n)
            table[n][clock] = {
                "original_median_ms": 1e3 * float(np.median(theirs)),
                "original_min_ms": 1e3 * float(theirs.min()),
                "ours_median_us": 1e6 * float(np.median(mine)),
                "ours_min_us": 1e6 * float(mine.min()),
                "speedup_median": float(np.median(theirs) / np.median(mine)),
                "speedup_min": float(theirs.min() / mine.min()),
            }
        print(n, json.dumps(table[n]), flush=True)
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--version", choices=("v1", "v2"), default="v2")
    parser.add_argument("--original-python", default=None, help="interpreter of the original scorer's environment")
    parser.add_argument("--navsim", default=None, help="navsim source folder, for the original")
    parser.add_argument("--nuplan", default=None, help="nuplan-devkit source folder, for the original")
    parser.add_argument("--original-sizes", default="1,16,256", help="batch sizes for the original (8192: minutes)")
    parser.add_argument("--rounds", type=int, default=1, help="original/ours alternations (side by side)")
    parser.add_argument(
        "--default-allocator", action="store_true", help="keep glibc's trim/mmap thresholds (both sides)"
    )
    args = parser.parse_args()
    allocator = "default" if args.default_allocator or not keep_freed_memory() else "freed memory kept"
    root = resolve_data_dir(args.data_dir) / "navsim_parity"
    if args.original_python:
        table = side_by_side(args, root / "seed0_agents30")
        print(json.dumps({"side_by_side": table, "scene": "seed0_agents30", "version": "v2", "allocator": allocator}))
        return 0
    scene_dirs = sorted(path.parent for path in root.glob(f"*/golden_{args.version}.npz"))
    if not scene_dirs:
        print(f"no parity scenes under {root}", file=sys.stderr)
        return 2
    results = {}
    for scene_dir in scene_dirs:
        results[scene_dir.name] = bench_scene(scene_dir, args.version, args.repeats)
        print(scene_dir.name, json.dumps(results[scene_dir.name]["per_trajectory_us"]), flush=True)
    first = results[scene_dirs[0].name]
    summary = {
        "version": args.version,
        "threads_parallel": numba.config.NUMBA_NUM_THREADS,
        "per_trajectory_us": first["per_trajectory_us"],
        "speedup_vs_reference": first["speedup_vs_reference"],
        "allocator": allocator,
        "scenes": results,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
