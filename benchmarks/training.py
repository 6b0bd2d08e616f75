"""Training throughput of the ``cpu`` presets: samples per second per model (and LMGenDrive stage), one thread.

    python benchmarks/training.py [--data DATASET] [--steps 20] [--batch-size 8]

Without ``--data`` a small synthetic dataset in the collection layout (the cameras of the three
cpu presets, a 64 px BEV raster) is written to a temp folder, so the figure includes decoding and
preprocessing as real training does (data loading in the training process, ``workers: 0``). Each
run is a real ``models.<name>.train`` command; the rate is taken from its last logged interval.
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from models.common.driving_data.synthetic import BEV_CHANNELS, write_synthetic_dataset  # noqa: E402
from models.sensors import collection_layout  # noqa: E402

RUNS = {
    "drivejepa": ["-m", "models.drivejepa.train", "--no-distillation"],
    "driveva": ["-m", "models.driveva.train"],
    "lmgendrive_stage1": ["-m", "models.lmgendrive.train", "--stage", "1"],
    "lmgendrive_stage2": ["-m", "models.lmgendrive.train", "--stage", "2"],
    "lmgendrive_stage3": ["-m", "models.lmgendrive.train", "--stage", "3"],
}
RATE = re.compile(r"step \d+/\d+ loss .* ([0-9.]+) samples/s")


def rate_of(name: str, data: str, out: str, steps: int, batch: int) -> float:
    args = [*RUNS[name], "--preset", "cpu", "--data", data, "--out", f"{out}/{name}", "--max-steps", str(steps)]
    args += ["--batch-size", str(batch), "--log-every", str(steps // 2), "--val-samples", "0", "--threads", "1"]
    result = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, check=True)
    rates = RATE.findall(result.stderr + result.stdout)
    return float(rates[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data or f"{tmp}/data"
        if args.data is None:
            write_synthetic_dataset(data, collection_layout(BEV_CHANNELS, 1.345), episodes=4, samples=150)
        figures = {name: rate_of(name, data, tmp, args.steps, args.batch_size) for name in RUNS}
    for name, rate in figures.items():
        print(f"{name:<20} {rate:7.1f} samples/s (1 thread, batch {args.batch_size})")
    print(json.dumps({"samples_per_s": figures, "batch_size": args.batch_size, "steps": args.steps}))


if __name__ == "__main__":
    main()
