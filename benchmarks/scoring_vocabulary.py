"""Throughput of vocabulary scoring: trajectory-scores per core-second, scaling over workers, navtrain.

    python benchmarks/scoring_vocabulary.py [--vocab-size 8192] [--tokens 8] [--workers 1,2] [--repeats 3]

Scores a vocabulary (the parity proposals, resampled to ``--vocab-size`` as ``benchmarks/scoring.py``
does) against ``--tokens`` copies of the parity scenes with ``python -m sim.scoring.vocabulary``'s
engine (local worker processes, one shard per token), ``--repeats`` times per worker count into a
fresh folder. Reports medians over the repeats: trajectory-scores per worker CPU-second (scene
loading, map indexing and writing included), per wall-second, the wall-clock scaling against one
worker, and the projected navtrain time (103,288 tokens x the vocabulary) per core count. The last
line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _proposals import resample  # noqa: E402

from sim.paths import resolve_data_dir  # noqa: E402
from sim.scoring.config import ScorerConfig  # noqa: E402
from sim.scoring.vocabulary import RunOptions, SceneJsonSource, score_vocabulary  # noqa: E402
from sim.types import NAVSIM_SAMPLING  # noqa: E402

NAVTRAIN_TOKENS = 103_288
CORE_COUNTS = (1, 2, 8, 32, 112, 512)


def scene_folder(root: Path, tokens: int, parity: Path) -> Path:
    folder = root / "scenes"
    folder.mkdir()
    scenes = sorted(parity.glob("*/scene_v2.json"))
    for i in range(tokens):
        shutil.copy(scenes[i % len(scenes)], folder / f"token_{i:04d}.json")
    return folder


def one_run(vocabulary: np.ndarray, source: SceneJsonSource, out: Path, workers: int) -> dict:
    options = RunOptions(workers=workers, shard_size=1, score_dtype="float16")
    return score_vocabulary(vocabulary, NAVSIM_SAMPLING, "bench", source, out, ScorerConfig(), options)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab-size", type=int, default=8192)
    parser.add_argument("--tokens", type=int, default=8)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    parity = resolve_data_dir(args.data_dir) / "navsim_parity"
    proposals = np.load(parity / "seed0_agents30" / "golden_v2.npz")["proposals_local"]
    vocabulary = resample(proposals, args.vocab_size)
    report: dict = {"vocab_size": args.vocab_size, "tokens": args.tokens, "runs": {}}
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        source = SceneJsonSource(scene_folder(root, args.tokens, parity))
        one_run(vocabulary[:64], source, root / "warm-up", 1)  # compile / load the kernels once
        for workers in (int(w) for w in args.workers.split(",")):
            runs = [one_run(vocabulary, source, root / f"w{workers}_{r}", workers) for r in range(args.repeats)]
            entry = {
                "per_cpu_second": [run["trajectory_scores_per_cpu_second"] for run in runs],
                "per_wall_second": [run["trajectory_scores_per_second"] for run in runs],
                "wall_seconds": [run["wall_seconds"] for run in runs],
            }
            entry["median_per_cpu_second"] = float(np.median(entry["per_cpu_second"]))
            entry["median_per_wall_second"] = float(np.median(entry["per_wall_second"]))
            report["runs"][str(workers)] = entry
            print(workers, json.dumps({k: v for k, v in entry.items() if k.startswith("median")}), flush=True)
    base = report["runs"][args.workers.split(",")[0]]["median_per_wall_second"]
    report["wall_scaling"] = {w: e["median_per_wall_second"] / base for w, e in report["runs"].items()}
    per_core = report["runs"][args.workers.split(",")[0]]["median_per_cpu_second"]  # one worker: the cleanest
    total = NAVTRAIN_TOKENS * args.vocab_size
    report["navtrain_hours_per_cores"] = {str(c): total / (per_core * c) / 3600.0 for c in CORE_COUNTS}
    report["navtrain_core_hours"] = total / per_core / 3600.0
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
