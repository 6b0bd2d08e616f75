"""Per model and preset: parameters, peak memory and planning latency per closed-loop step.

    python benchmarks/models.py [--presets tiny] [--threads 1]

Each model runs in its own process (``benchmarks/models_<name>.py``'s ``measure``): LMGenDrive in
online mode (generator skipped), DriveVA with 2 Euler steps, Drive-JEPA with 32 proposals. A step
is the planner's whole ``plan()`` on fresh camera frames (preprocessing included), median after
warm-up. ``peak_mem_mb`` is the benchmark process's peak resident memory (model, activations and the
Python runtime with torch loaded); ``step_mem_mb`` is what the model benchmark reports for the
planning steps alone. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS = ("lmgendrive", "driveva", "drivejepa")
CHILD = """
import json, resource, sys
sys.path.insert(0, {repo!r}); sys.path.insert(0, {bench!r})
from models_{name} import measure
figures = measure({preset!r}, threads={threads})
figures["step_mem_mb"] = figures.pop("peak_mem_mb", None)
figures["peak_mem_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
print(json.dumps(figures))
"""


def measure_in_process(name: str, preset: str, threads: int) -> dict:
    """Run one model's benchmark in a fresh interpreter and return its figures."""
    code = CHILD.format(repo=str(REPO), bench=str(REPO / "benchmarks"), name=name, preset=preset, threads=threads)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="+", default=["tiny"])
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads per model")
    args = parser.parse_args()
    results: dict = {}
    for name in MODELS:
        for preset in args.presets:
            figures = measure_in_process(name, preset, args.threads)
            results.setdefault(name, {})[preset] = figures
            print(name, preset, json.dumps(figures), file=sys.stderr, flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
