"""DriveVA closed-loop step benchmark.

``python benchmarks/models_driveva.py [--preset tiny]`` prints one JSON line.

One step = :meth:`agents.driveva.DriveVAPlanner.plan` on a fresh camera frame (image resize, VAE
encoding of the 5-frame history, command embedding, 2 Euler steps of the DiT), after warm-up.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

from _front_camera_bench import measure_front_camera_planner  # noqa: E402

from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig  # noqa: E402


def measure(preset: str = "tiny", repeats: int = 20, threads: int | None = 1) -> dict:
    """``{"latency_ms", "params", "peak_mem_mb"}`` of one planning step for ``preset``."""
    return measure_front_camera_planner(DriveVAPlanner(DriveVAPlannerConfig(preset=preset)), repeats, threads)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="DriveVA closed-loop step benchmark")
    parser.add_argument("--preset", default="tiny")
    preset = parser.parse_args().preset
    print(json.dumps({"model": "driveva", "preset": preset, **measure(preset)}))
