"""Scaling of supervised CARLA runs over servers, with stand-in servers and evaluators (no GPU needed).

    python benchmarks/carla_scaling.py [--routes 16] [--route-seconds 2] [--servers 1 2 4]

Each count of servers is a Ray cluster on this machine declaring that many GPUs; every server is a Ray
actor holding one and running the real supervisor (ports, process groups, watchdog, evaluator
processes, checkpoint parsing) against the stand-in server and evaluator of the tests, whose routes
tick for ``--route-seconds``. Speedup = wall time on one server / wall time on N. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sim.carla.pool import SupervisorSpec, connect_ray, run_on_ray  # noqa: E402
from sim.eval.infractions import LeaderboardRules  # noqa: E402
from tests.sim.carla.stand_ins import stand_in_config, stand_in_routes  # noqa: E402

TICK_S = 0.05  # [s] between the stand-in evaluator's ticks


def wall_time(servers: int, routes: int, route_seconds: float, folder: Path) -> float:
    import ray

    os.environ["CLOSED_LOOP_RUNTIME_DIR"] = str(folder / "runtime")
    config = stand_in_config(folder, 24000, {})
    ticks = (("STAND_IN_TICKS", str(round(route_seconds / TICK_S))), ("STAND_IN_TICK_S", str(TICK_S)))
    config = replace(config, evaluator=replace(config.evaluator, extra_env=(*config.evaluator.extra_env, *ticks)))
    connect_ray("local", num_cpus=servers + 1, num_gpus=servers)
    try:
        started = time.perf_counter()
        records = list(run_on_ray(stand_in_routes(folder, [str(i) for i in range(routes)]),
                                  SupervisorSpec(config, ("agent.py", ""), LeaderboardRules.LB2)))  # fmt: skip
        elapsed = time.perf_counter() - started
    finally:
        ray.shutdown()
    assert len(records) == routes and all(r.status.value == "Completed" for r in records)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--routes", type=int, default=16)
    parser.add_argument("--route-seconds", type=float, default=2.0)
    parser.add_argument("--servers", type=int, nargs="+", default=[1, 2, 4])
    args = parser.parse_args()
    times = {}
    for servers in args.servers:
        with tempfile.TemporaryDirectory() as folder:
            times[servers] = wall_time(servers, args.routes, args.route_seconds, Path(folder))
        print(f"{servers} server(s): {args.routes} routes in {times[servers]:.1f} s", flush=True)
    base = times[args.servers[0]] * args.servers[0]
    result = {str(n): {"wall_s": round(t, 2), "speedup": round(base / t, 2), "ideal": n} for n, t in times.items()}
    print(json.dumps({"routes": args.routes, "route_seconds": args.route_seconds, "servers": result}))


if __name__ == "__main__":
    main()
