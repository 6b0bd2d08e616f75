"""Speed of the data collection: samples per second on one core, and where the time goes.

    python benchmarks/collect.py [--seconds 60] [--town Town03] [--route 0] [--cameras cpu|planners|FILE]

One episode of the real collection (``agents.collect.episode.run_episode``: the expert through the
leaderboard agent, background traffic, perturbations, cameras on every second tick, the BEV raster,
boxes, PNG encoding and the episode writer) runs in this process with one thread. ``samples_per_core_s``
divides the samples by the process's CPU time, so it does not depend on other load on the machine;
``samples_per_wall_s`` is the same by the clock. The breakdown is CPU milliseconds per sample of the
parts of the loop (nested parts are listed under their own names and subtracted from their callers).
The cameras default to the models' ``cpu`` presets (3 x 88x64 LMDrive mounts + one 128x64 70-degree front
view); ``planners`` asks the planners of this checkout. The last line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core, as the figure is quoted
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import replace  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.collect.cameras import collection_cameras  # noqa: E402
from agents.collect.episode import EpisodeContext, EpisodeSpec, run_episode  # noqa: E402
from agents.collect.evaluation_routes import EvaluationRoutes  # noqa: E402
from agents.collect.random_routes import random_route  # noqa: E402
from agents.collect.run import dataset_layout  # noqa: E402
from agents.collect.settings import CollectSettings  # noqa: E402
from agents.instructions import load_instruction_texts  # noqa: E402
from models.common.driving_data import DatasetWriter  # noqa: E402
from routes.benchmarks import LB1_SCENARIOS  # noqa: E402
from routes.lb1_scenarios import read_lb1_scenarios  # noqa: E402
from sim.paths import data_path  # noqa: E402

CPU_CAMERAS = tuple(
    {"type": "sensor.camera.rgb", "id": camera_id, "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0.0, "pitch": 0.0,
     "yaw": yaw, "width": width, "height": 64, "fov": fov}
    for camera_id, yaw, width, fov in (("rgb_left", -60.0, 88, 100.0), ("rgb_front", 0.0, 88, 100.0),
                                       ("rgb_right", 60.0, 88, 100.0), ("rgb_front_narrow", 0.0, 128, 70.0))
)  # fmt: skip
# (module, attribute, label): the parts timed; nested ones are subtracted from their callers.
PARTS = (
    ("sim.world.world", "World.tick", "world_tick"),
    ("sim.world.world", "World.snapshot", "world_snapshot"),
    ("sim.world.world", "World.privileged", "privileged_world"),
    ("sim.world.sensors", "SensorSuite.read", "sensors"),
    ("agents.adapters.leaderboard_agent", "PlannerAgent.step", "agent"),
    ("agents.expert.planner", "ExpertPlanner.plan", "expert_plan"),
    ("agents.instructions", "InstructionManager.step", "instructions"),
    ("agents.collect.signals", "SignalWatch.ahead", "signals_ahead"),
    ("agents.collect.perturbation", "Perturber.steer", "perturbation"),
    ("sim.eval.criteria", "RouteCriteria.update", "criteria"),
    ("agents.collect.episode", "bev_raster", "bev_raster"),
    ("agents.collect.episode", "sample_fields", "sample_fields"),
    ("agents.collect.episode", "object_boxes", "boxes"),
    ("agents.collect.material", "ScoringMaterial.add", "scoring_material"),
    ("agents.collect.sample_buffer", "SampleBuffer.push", "writer"),
    ("models.common.driving_data.image_codec", "encode", "png_encode"),
)
NESTED = {"agent": ("expert_plan", "instructions", "signals_ahead"), "writer": ("png_encode",)}


def _instrument(totals: dict[str, float]) -> None:
    import importlib

    for module_name, attribute, label in PARTS:
        owner = importlib.import_module(module_name)
        path = attribute.split(".")
        for name in path[:-1]:
            owner = getattr(owner, name)
        inner = getattr(owner, path[-1])

        def wrapper(*args, _inner=inner, _label=label, **kwargs):
            started = time.process_time()
            try:
                return _inner(*args, **kwargs)
            finally:
                totals[_label] = totals.get(_label, 0.0) + time.process_time() - started

        setattr(owner, path[-1], wrapper)


def cameras_for(choice: str) -> tuple[dict, ...]:
    if choice == "cpu":
        return CPU_CAMERAS
    if choice == "planners":
        return collection_cameras()[0]
    return tuple(json.loads(Path(choice).read_text()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="[s] simulated")
    parser.add_argument("--town", default="Town03")
    parser.add_argument("--route", type=int, default=0, help="index of the random route of the town")
    parser.add_argument("--cameras", default="cpu")
    parser.add_argument("--no-breakdown", action="store_true", help="time only the whole loop")
    parser.add_argument("--data-dir", default=None)
    args = parser.parse_args()
    settings = replace(CollectSettings(), max_episode_seconds=args.seconds, cameras=cameras_for(args.cameras))
    evaluation = EvaluationRoutes.load(settings.evaluation_files, args.data_dir)
    route = random_route(args.town, args.route, settings.seed, evaluation, settings.overlap, settings.random_routes,
                         args.data_dir)  # fmt: skip
    texts = load_instruction_texts(args.data_dir)
    scenarios = read_lb1_scenarios(data_path(LB1_SCENARIOS, args.data_dir))
    with tempfile.TemporaryDirectory() as folder:
        writer = DatasetWriter(folder, dataset_layout(settings), settings.to_dict())
        context = EpisodeContext(settings, writer, scenarios, texts, args.data_dir)
        warm = replace(settings, max_episode_seconds=2.0)  # compile kernels, build the town scene
        run_episode(EpisodeSpec("warmup", route, 0, "train"), replace(context, settings=warm))
        totals: dict[str, float] = {}
        if not args.no_breakdown:
            _instrument(totals)
        cpu, wall = time.process_time(), time.perf_counter()
        info = run_episode(EpisodeSpec("bench", route, 1, "train"), context)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = max(info.n_samples, 1)
    exclusive = dict(totals)
    for caller, parts in NESTED.items():
        exclusive[caller] = totals.get(caller, 0.0) - sum(totals.get(p, 0.0) for p in parts)
    exclusive["other"] = cpu - sum(exclusive.values())
    result = {
        "town": args.town,
        "route": route.route_id,
        "samples": info.n_samples,
        "status": info.status,
        "cameras": [f"{c['id']} {c['width']}x{c['height']}" for c in settings.cameras],
        "cpu_s": round(cpu, 2),
        "wall_s": round(wall, 2),
        "samples_per_core_s": round(info.n_samples / cpu, 1),
        "samples_per_wall_s": round(info.n_samples / wall, 1),
        "cpu_ms_per_sample": {k: round(1000 * v / n, 2) for k, v in sorted(exclusive.items(), key=lambda kv: -kv[1])},
    }
    print(f"{result['samples_per_core_s']} samples/s per core ({info.n_samples} samples)", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
