"""Time a whole benchmark run and say where the time goes.

    python benchmarks/benchmark_run.py --bench langauto --workers 2            # whole run + breakdown
    python benchmarks/benchmark_run.py --bench langauto-tiny --routes 0,10 --no-whole-run

1. Whole run: ``run_closed_loop.py`` as a user runs it (worker processes, results file), timed on
   the wall clock, with the CPU time of every process it started.
2. Breakdown: the same routes driven again in this process, one after another, with a timer
   around each part of the loop: start-up (imports), town loading, route planning, world
   building, world ticks, sensors, the agent's ``run_step`` split into observation, planner,
   selection and control, criteria, observers and writing the results file. Timers wrap the
   functions from outside (nothing in the package knows about them).

The agent is the privileged expert unless ``--agent`` names another registered planner. The
last line is one JSON object.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import defaultdict  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

START_UP_IMPORTS = ("sim.run.worker", "agents.adapters.leaderboard_agent", "agents.registry")


def whole_run(args: argparse.Namespace, out: Path) -> dict:
    """Run the command line once; wall clock and CPU seconds of all its processes."""
    command = [sys.executable, str(REPO / "run_closed_loop.py"), "--agent", args.agent, "--bench", args.bench,
               "--workers", str(args.workers), "--out", str(out), "--overwrite"]  # fmt: skip
    if args.routes:
        command += ["--routes", args.routes]
    if args.data_dir:
        command += ["--data-dir", args.data_dir]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise SystemExit(f"the run failed ({finished.returncode}):\n{finished.stderr[-4000:]}")
    payload = json.loads((out / "results.json").read_text())
    summary = payload["_checkpoint"]["global_record"]
    means = summary.get("scores_mean") or summary["scores"]  # 2.0 / Bench2Drive name it scores_mean, 1.0 scores
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2),
        "routes": len(payload["_checkpoint"]["records"]),
        "driving_score": round(means["score_composed"], 3),
        "simulated_s": round(sum(r["meta"]["duration_game"] for r in payload["_checkpoint"]["records"]), 1),
    }


def start_up_seconds() -> float:
    """Seconds a fresh interpreter needs to import what a worker process imports."""
    code = f"import time; t = time.perf_counter(); import {', '.join(START_UP_IMPORTS)}; print(time.perf_counter() - t)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    return float(result.stdout.strip().splitlines()[-1])


class Timers:
    """CPU seconds and calls per label; ``wrap`` replaces an attribute by a timed version of itself.

    CPU time of this thread, not the wall clock: on a machine shared with other work the wall
    clock measures the neighbours too.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def wrap(self, owner: object, name: str, label: str) -> None:
        original = getattr(owner, name)
        seconds, calls = self.seconds, self.calls

        def timed(*args, **kwargs):
            started = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += time.thread_time() - started
                calls[label] += 1

        setattr(owner, name, timed)


def instrument(timers: Timers) -> None:
    """Wrap the parts of the loop (module globals where the runner looks them up, else class methods)."""
    import agents.adapters.leaderboard_agent as adapter
    import sim.run.route_runner as route_runner
    from agents.control.pid import WaypointController
    from sim.eval.criteria import RouteCriteria
    from sim.run.results_file import ResultsFile
    from sim.world.sensors import SensorSuite
    from sim.world.world import World

    for owner, name, label in (
        (route_runner, "load_town", "town_loading"),
        (route_runner, "plan_route", "route_planning"),
        (route_runner, "global_plan", "route_planning"),
        (World, "from_route_description", "world_building"),
        (route_runner, "build_agent", "agent_setup"),
        (SensorSuite, "from_specs", "sensor_setup"),
        (World, "tick", "world_tick"),
        (World, "apply", "world_tick"),
        (World, "snapshot", "world_snapshot"),
        (World, "privileged", "world_privileged"),
        (SensorSuite, "read", "sensors"),
        (adapter.PlannerAgent, "run_step", "agent_run_step"),
        (adapter.PlannerAgent, "_observation", "agent_observation"),
        (adapter, "select", "agent_selection"),
        (WaypointController, "compute", "agent_control"),
        (RouteCriteria, "update", "criteria"),
        (RouteCriteria, "finish", "criteria"),
        (ResultsFile, "add", "writing"),
        (ResultsFile, "write", "writing"),
    ):
        timers.wrap(owner, name, label)
    original_build = adapter.PlannerAgent.build_planner

    def build_planner(self, config):
        planner = original_build(self, config)
        timers.wrap(planner, "plan", "agent_planner")
        return planner

    adapter.PlannerAgent.build_planner = build_planner


def breakdown(args: argparse.Namespace, out: Path) -> dict:
    """Drive the routes in this process with timers around every part of the loop."""
    from routes.benchmarks import load_benchmark
    from run_closed_loop import agent_spec
    from sim.run.benchmark_runner import RunOptions, run_benchmark

    timers = Timers()
    instrument(timers)
    benchmark = load_benchmark(args.bench, args.data_dir, args.routes)
    options = RunOptions(out, data_dir=args.data_dir, workers=1, isolate=False, overwrite=True)
    started = time.perf_counter()
    payload = run_benchmark(benchmark, agent_spec(args.agent, ""), options)
    total = time.perf_counter() - started
    seconds = dict(timers.seconds)
    ticks = timers.calls["world_tick"] // 2
    nested = ("agent_observation", "agent_planner", "agent_selection", "agent_control")
    seconds["agent_other"] = seconds.get("agent_run_step", 0.0) - sum(seconds.get(k, 0.0) for k in nested)
    accounted = sum(v for k, v in seconds.items() if k not in nested and k != "agent_other")
    seconds["unaccounted"] = total - accounted
    return {
        "total_s": round(total, 2),
        "routes": len(payload["_checkpoint"]["records"]),
        "ticks": ticks,
        "seconds": {k: round(v, 3) for k, v in sorted(seconds.items(), key=lambda kv: -kv[1])},
        "ms_per_tick": {k: round(1000 * v / max(ticks, 1), 3) for k, v in sorted(seconds.items()) if k in PER_TICK},
    }


PER_TICK = {"world_tick", "world_snapshot", "world_privileged", "sensors", "agent_run_step", "agent_observation",
            "agent_planner", "agent_selection", "agent_control", "agent_other", "criteria", "unaccounted"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bench", default="langauto")
    parser.add_argument("--routes", default=None, help="route ids, e.g. '3,6' (default: all)")
    parser.add_argument("--agent", default="expert")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--no-whole-run", action="store_true", help="only the in-process breakdown")
    parser.add_argument("--no-breakdown", action="store_true", help="only the whole run")
    args = parser.parse_args()
    report: dict = {"bench": args.bench, "routes": args.routes or "all", "agent": args.agent, "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="benchmark_run_") as scratch:
        if not args.no_whole_run:
            report["whole_run"] = whole_run(args, Path(scratch) / "whole")
            print(f"whole run: {report['whole_run']}", file=sys.stderr)
        report["start_up_imports_s"] = round(start_up_seconds(), 3)
        if not args.no_breakdown:
            report["breakdown"] = breakdown(args, Path(scratch) / "breakdown")
            for label, value in report["breakdown"]["seconds"].items():
                print(f"  {label:<20} {value:10.2f} s", file=sys.stderr)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
