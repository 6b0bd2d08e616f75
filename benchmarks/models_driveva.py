"""DriveVA closed-loop step benchmark.

``python benchmarks/models_driveva.py [--preset tiny]`` prints one JSON line.

One step = :meth:`agents.driveva.DriveVAPlanner.plan` on a fresh camera frame (image resize, VAE
encoding of the 5-frame history, command embedding, 2 Euler steps of the DiT), after warm-up.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # runnable as a script from anywhere

from agents.base import Observation  # noqa: E402
from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig  # noqa: E402
from models.common import bench  # noqa: E402


def measure(preset: str = "tiny", repeats: int = 20, threads: int | None = 1) -> dict:
    """``{"latency_ms": median per step, "params": int, "peak_mem_mb": float}`` for ``preset``.

    ``threads``: torch CPU threads (1 by default: the simulator shares the machine, and one thread
    gives comparable figures on a busy host); ``None`` keeps torch's default.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    planner = DriveVAPlanner(DriveVAPlannerConfig(preset=preset))
    cfg = planner.config
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (cfg.camera_height, cfg.camera_width, 3), dtype=np.uint8) for _ in range(4)]
    ticks = itertools.count()

    def step() -> None:
        i = next(ticks)
        planner.plan(Observation(timestamp=0.1 * i, speed=6.0, images={cfg.camera_id: images[i % 4]}, command=4))

    result = bench.measure(step, planner.model, warmup=5, repeats=repeats)
    return {"latency_ms": result.latency_ms, "params": result.params, "peak_mem_mb": result.peak_mem_mb}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="DriveVA closed-loop step benchmark")
    parser.add_argument("--preset", default="tiny")
    preset = parser.parse_args().preset
    print(json.dumps({"model": "driveva", "preset": preset, **measure(preset)}))
