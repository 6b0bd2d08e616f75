"""LMGenDrive closed-loop step benchmark (online mode) and one offline generation step.

``python benchmarks/models_lmgendrive.py [--preset tiny] [--offline]`` prints one JSON line.

One online step = :meth:`agents.lmgendrive.LMGenDrivePlanner.plan` on fresh 400x300 camera frames
of the three views (resize + crop to 224, vision encoder, Q-Former, LLM over the instruction, the
subsampled frame-token history and the action queries), measured after enough warm-up steps that
the history is at its longest (``llm.max_frames`` frames), which is the steady-state cost.
``--offline`` adds the latency of one autoregressive generation step (plan + world generator with
the preset's DDIM steps) on a one-frame history.
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
from agents.lmgendrive import LMGenDrivePlanner, LMGenDrivePlannerConfig  # noqa: E402
from models.common import bench  # noqa: E402

INSTRUCTION = "turn left at the next intersection"


def measure(preset: str = "tiny", repeats: int = 20, threads: int | None = 1) -> dict:
    """``{"latency_ms", "params", "peak_mem_mb", "rss_mb", "history_frames"}`` of the online step for ``preset``.

    ``threads``: torch CPU threads (1 by default, as the other model benchmarks); ``None`` keeps torch's.
    """
    if threads is not None:
        torch.set_num_threads(threads)
    planner = LMGenDrivePlanner(LMGenDrivePlannerConfig(preset=preset, completion_threshold=1.1))  # never clears
    rng = np.random.default_rng(0)
    frames = [
        {s["id"]: rng.integers(0, 256, (s["height"], s["width"], 3), dtype=np.uint8) for s in planner.sensors()}
        for _ in range(4)
    ]
    ticks = itertools.count()
    last = {}

    def step() -> None:
        i = next(ticks)
        obs = Observation(timestamp=0.1 * i, speed=6.0, images=frames[i % 4], instruction=INSTRUCTION)
        last["plan"] = planner.plan(obs)

    warmup = planner.model_config.inputs.history_stride * planner.model_config.llm.max_frames + 1  # longest history
    result = bench.measure(step, planner.model, warmup=warmup, repeats=repeats)
    return {
        "latency_ms": result.latency_ms,
        "latency_p90_ms": result.latency_p90_ms,
        "params": result.params,
        "peak_mem_mb": result.peak_mem_mb,
        "rss_mb": result.rss_mb,
        "history_frames": last["plan"].info["history_frames"],
    }


def measure_offline(preset: str = "tiny", repeats: int = 5) -> dict:
    """Latency of one offline step: plan with world queries + generate the future of every view."""
    from models.lmgendrive.text import encode_instructions

    planner = LMGenDrivePlanner(LMGenDrivePlannerConfig(preset=preset))
    model, mcfg = planner.model, planner.model_config
    size, views = mcfg.vision.image_size, mcfg.vision.num_views
    images = torch.randn(1, 1, views, 3, size, size)
    speed = torch.ones(1, 1)
    ids, mask = encode_instructions(planner.tokenizer, [INSTRUCTION], mcfg.llm.max_instruction_len)
    frame_mask = torch.ones(1, 1, dtype=torch.bool)

    def step() -> None:
        with torch.inference_mode():
            model(images, speed, frame_mask, ids, mask, mode="offline")

    result = bench.measure(step, model, warmup=1, repeats=repeats)
    return {"offline_step_ms": result.latency_ms, "sampling_steps": mcfg.world.sampling_steps}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="LMGenDrive closed-loop step benchmark")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--offline", action="store_true", help="also time one offline generation step")
    args = parser.parse_args()
    figures = measure(args.preset)
    if args.offline:
        figures.update(measure_offline(args.preset))
    print(json.dumps({"model": "lmgendrive", "preset": args.preset, **figures}))
