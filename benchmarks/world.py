"""Speed of the embedded world: ticks per second at 20 Hz on Town05, one core.

    python benchmarks/world.py [--data-dir DIR] [--ticks 2000] [--vehicles 50] [--walkers 20]

Each tick is ``apply(control)`` + ``tick()`` + ``snapshot()`` (what a runner does), with the ego
following its route by a small pure-pursuit controller. Rigs in :data:`RIGS` add per-tick work:
``three_cameras`` renders the left/front/right 224x224 rig (yaw -60/0/+60 deg, fov 100) every
tick through the same sensor suite an agent gets. The breakdown
times the parts of a tick separately. The last line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # one core, as the figure is quoted

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.maps.dense_route import lane_walk_route  # noqa: E402
from sim.maps.town import load_town  # noqa: E402
from sim.world.camera_rig import rig_specs  # noqa: E402
from sim.world.config import TrafficConfig, WorldConfig  # noqa: E402
from sim.world.ego import Control  # noqa: E402
from sim.world.sensors import SensorSuite  # noqa: E402
from sim.world.world import World  # noqa: E402


def three_cameras(world: World) -> Callable:
    """Attach the three-camera rig: every tick reads all three cameras from the snapshot."""
    suite = SensorSuite.from_specs(rig_specs(224, 224, 100.0), world.network)
    return lambda snapshot: suite.read(snapshot, snapshot.frame)


RIGS: dict[str, Callable | None] = {"no_cameras": None, "three_cameras": three_cameras}


def make_world(data_dir: str | None, vehicles: int, walkers: int, seed: int = 0) -> World:
    network = load_town("Town05", data_dir)
    start = int(np.flatnonzero((network.lane_junction_ids < 0) & (network.lane_lengths > 50))[0])
    route = lane_walk_route(network, start, 3000.0, np.random.default_rng(seed))
    config = WorldConfig(traffic=TrafficConfig(num_vehicles=vehicles, num_walkers=walkers))
    return World(network, route, config, seed=seed)


def route_control(world: World, speed: float = 8.0) -> Control:
    ego = world.ego
    target = world.route.points[min(world.cursor.index + 6, world.route.points.shape[0] - 1), :2]
    error = (np.arctan2(target[1] - ego.y, target[0] - ego.x) - ego.heading + np.pi) % (2 * np.pi) - np.pi
    throttle = float(np.clip(0.3 + 0.5 * (speed - ego.speed), 0.0, 1.0))
    return Control(throttle=throttle, steer=float(np.clip(-1.5 * error, -1.0, 1.0)))


def _timed(obj, name: str, totals: dict[str, float]) -> None:
    """Wrap ``obj.name`` so its time adds up in ``totals[name]`` (benchmark only)."""
    inner = getattr(obj, name)
    key = f"{type(obj).__name__}.{name}"

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            totals[key] = totals.get(key, 0.0) + time.perf_counter() - started

    setattr(obj, name, wrapper)


def measure(world: World, ticks: int, rig: Callable | None) -> float:
    """Ticks per second of apply + tick + snapshot (+ the rig's work)."""
    after = rig(world) if rig is not None else None
    started = time.perf_counter()
    for _ in range(ticks):
        world.apply(route_control(world))
        world.tick()
        snapshot = world.snapshot()
        if after is not None:
            after(snapshot)
    return ticks / (time.perf_counter() - started)


def breakdown(world: World, ticks: int) -> dict[str, float]:
    """[µs per tick] of the parts of a tick."""
    totals: dict[str, float] = {}
    for obj, name in ((world.traffic, "step"), (world.traffic, "recycle"), (world.walkers, "step"),
                      (world.scenarios, "tick"), (world, "_obstacles"), (world, "snapshot")):  # fmt: skip
        _timed(obj, name, totals)
    measure(world, ticks, None)
    return {k: round(v / ticks * 1e6, 1) for k, v in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--ticks", type=int, default=2000)
    parser.add_argument("--vehicles", type=int, default=50)
    parser.add_argument("--walkers", type=int, default=20)
    args = parser.parse_args()
    result: dict = {"ticks_per_s": {}, "town": "Town05", "vehicles": args.vehicles, "walkers": args.walkers}
    warm = make_world(args.data_dir, args.vehicles, args.walkers)
    measure(warm, 20, None)  # compile / load the kernels
    for name, rig in RIGS.items():
        world = make_world(args.data_dir, args.vehicles, args.walkers)
        result["ticks_per_s"][name] = round(measure(world, args.ticks, rig), 1)
        print(f"{name}: {result['ticks_per_s'][name]} ticks/s", file=sys.stderr)
    world = make_world(args.data_dir, args.vehicles, args.walkers)
    result["vehicles_spawned"] = int(world.traffic.active.sum())
    result["us_per_tick"] = breakdown(world, args.ticks)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
