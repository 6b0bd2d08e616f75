"""Shared step benchmark of planners that read one front camera (DriveVA, Drive-JEPA)."""

from __future__ import annotations

import itertools

import numpy as np
import torch

from agents.base import Observation
from models.common import bench


def measure_front_camera_planner(planner, repeats: int = 20, threads: int | None = 1) -> dict:
    """``{"latency_ms": median per step, "params": int, "peak_mem_mb": float}`` of ``planner.plan``.

    Each step plans on a fresh camera frame (preprocessing included) after 5 warm-up steps.
    ``threads``: torch CPU threads (1 by default: the simulator shares the machine, and one thread
    gives comparable figures on a busy host); ``None`` keeps torch's default.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    (camera,) = planner.sensors()
    rng = np.random.default_rng(0)
    images = [rng.integers(0, 256, (camera["height"], camera["width"], 3), dtype=np.uint8) for _ in range(4)]
    ticks = itertools.count()

    def step() -> None:
        i = next(ticks)
        planner.plan(Observation(timestamp=0.1 * i, speed=6.0, images={camera["id"]: images[i % 4]}, command=4))

    result = bench.measure(step, planner.model, warmup=5, repeats=repeats)
    return {"latency_ms": result.latency_ms, "params": result.params, "peak_mem_mb": result.peak_mem_mb}
