"""Command line of ``run_closed_loop.sh``: wiring only (CLI, agent lookup, runner choice).

    ./run_closed_loop.sh --agent expert --bench langauto-tiny
    ./run_closed_loop.sh --agent path/to/my_agent.py --agent-config my.yaml --bench bench2drive --route-ids 1711,1773
    ./run_closed_loop.sh --sim carla --bench bench2drive --agent NAME --gpus 0,1

Exit status: 0 when the run went through (however the agent drove), 2 for bad arguments or
missing data, 1 when the run itself failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from pathlib import Path

from routes.benchmarks import BENCHMARKS, Benchmark, load_benchmark
from routes.route_types import RouteError
from routes.selection import describe_selection, preview_ids, split_by_town
from sim.carla.cli import add_carla_arguments, carla_options
from sim.carla.prerequisites import missing_prerequisites
from sim.carla.runner import carla_records
from sim.eval.infractions import LeaderboardRules
from sim.eval.results_format import ResultsFormat
from sim.eval.route_record import RouteRecord
from sim.eval.summary import summary_lines
from sim.maps.town import available_towns
from sim.paths import DATA_DIR_ENV, DataFileNotFoundError
from sim.run.agent_loading import AgentSpec, agent_spec_for
from sim.run.benchmark_runner import RunOptions, rules_for, run_benchmark
from sim.run.live_viewer import GRPC_PORT, WEB_PORT
from sim.run.results_file import ResultsFileError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_closed_loop.sh",
        description="Drive an agent over every route of a benchmark in closed loop and write leaderboard-format "
        "results (driving score, route completion, infraction penalty, infractions) to OUT/results.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--agent", required=True, help="a registered planner name (see --list-agents) or an agent "
                        ".py file with get_entry_point(), as for a leaderboard submission")  # fmt: skip
    parser.add_argument("--agent-config", default="", help="config string handed to the agent file's setup()")
    parser.add_argument("--bench", required=True, help=f"benchmark ({', '.join(sorted(BENCHMARKS))}) or a route .xml")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--route-ids", default=None, help="routes by id, e.g. '0,10-12' (ranges take the ids "
                       "that exist)")  # fmt: skip
    which.add_argument("--route-index", default=None, help="routes by position in the file from 0, e.g. '0-5' "
                       "for the first six")  # fmt: skip
    which.add_argument("--routes", default=None, help="deprecated: the same as --route-ids")
    parser.add_argument("--results-format", choices=[f.value for f in ResultsFormat], default=None,
                        help="write results as this evaluator does (default: leaderboard-1.0 for LangAuto and 1.0 "
                        "routes, bench2drive for Bench2Drive, leaderboard-2.0 for other 2.0 routes)")  # fmt: skip
    parser.add_argument("--sim", choices=("embedded", "carla"), default="embedded", help="simulator")
    parser.add_argument("--seed", type=int, default=0, help="base seed of the embedded world")
    parser.add_argument("--repetitions", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="results folder (default results/<bench>_<agent>)")
    parser.add_argument("--resume", action="store_true", help="continue OUT/results.json, skipping finished routes")
    parser.add_argument("--data-dir", default=None, help=f"data directory (default: ${DATA_DIR_ENV}, then ./data)")
    parser.add_argument("--workers", type=int, default=1, help="routes driven in parallel processes")
    parser.add_argument("--save-video", action="store_true", help="write OUT/videos/<route>.mp4 (BEV + cameras)")
    parser.add_argument("--record", action="store_true", help="write OUT/recordings/<route>.rrd (rerun: "
                        "cameras, BEV, proposals and scores, PID, instruction, infractions; `rerun FILE`)")  # fmt: skip
    parser.add_argument("--debug", action="store_true", help="live: stream to the rerun viewer (web viewer on "
                        "localhost without a display), pause / step / resume in the terminal; one worker")  # fmt: skip
    parser.add_argument("--viewer", choices=("auto", "native", "web"), default="auto", help="viewer of --debug")
    parser.add_argument("--viewer-ports", default=f"{GRPC_PORT},{WEB_PORT}", help="gRPC,web ports of --debug's viewer")
    parser.add_argument("--walkers", type=int, default=0, help="background pedestrians around the ego (the "
                        "leaderboards spawn none; scenario pedestrians always appear)")  # fmt: skip
    parser.add_argument("--torch-threads", type=int, default=1, help="torch threads per worker process")
    parser.add_argument("--log-level", default="WARNING")
    add_carla_arguments(parser)
    return parser


def agent_spec(agent: str, agent_config: str) -> AgentSpec:
    """A registered planner runs through the generic leaderboard agent; a path is used as given."""
    if agent.endswith(".py"):
        if not Path(agent).is_file():
            raise ValueError(f"--agent: agent file '{agent}' not found")
        return agent_spec_for(agent, agent_config)
    from agents.registry import known_planners

    if agent not in known_planners():
        raise ValueError(f"--agent: unknown agent '{agent}'; registered: {', '.join(known_planners())}, or a .py file")
    return agent_spec_for(agent, agent_config)


def viewer_ports(text: str) -> tuple[int, int]:
    """``"9876,9090"`` -> (gRPC port, web port)."""
    parts = text.split(",")
    if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
        raise ValueError(f"--viewer-ports: expected two ports 'GRPC,WEB', got {text!r}")
    return int(parts[0]), int(parts[1])


def debug_mode_allowed(args: argparse.Namespace) -> None:
    """--debug and --record look inside the embedded world's tick loop, in this machine's processes."""
    if args.debug and args.ray_address:
        raise ValueError("--debug drives the routes in this process; drop --ray-address")
    if args.sim == "carla" and (args.debug or args.record):
        raise ValueError("--debug and --record need --sim embedded (the CARLA evaluator runs its own tick loop)")


def progress(record: RouteRecord, finished: int, total: int, rules: LeaderboardRules) -> None:
    bar = "#" * round(20 * finished / total)
    print(
        f"[{bar:<20}] {finished:>3}/{total} {record.route_id:<22} DS {record.driving_score(rules):6.2f}  "
        f"RC {record.route_completion:6.2f}  IS {record.infraction_penalty(rules):.3f}  {record.status.value}  "
        f"({record.duration_system:.1f} s)",
        file=sys.stderr,
        flush=True,
    )


def choose_routes(args: argparse.Namespace) -> Benchmark:
    """The benchmark's selected routes, said on stderr; the embedded world drops (and names) routes of towns
    without a map in the data directory."""
    if args.routes is not None:
        print("run_closed_loop: --routes is deprecated; it selects by route id, as --route-ids", file=sys.stderr)
    benchmark = load_benchmark(args.bench, args.data_dir, args.route_ids or args.routes, args.route_index)
    print(f"run_closed_loop: {describe_selection(list(benchmark.routes), benchmark.file_routes, benchmark.name)}",
          file=sys.stderr)  # fmt: skip
    if args.sim != "embedded":
        return benchmark
    kept, skipped = split_by_town(list(benchmark.routes), set(available_towns(args.data_dir)))
    if skipped:
        towns = sorted({route.town for route in skipped})
        print(f"run_closed_loop: skipping {len(skipped)} route(s) of towns without a map in the data directory "
              f"({', '.join(towns)}): {preview_ids([r.route_id for r in skipped])}. `python -m sim.carla.export_maps` "
              "writes those maps from a running CARLA server.", file=sys.stderr)  # fmt: skip
    if not kept:
        raise RouteError(f"no selected route can run in the embedded world: no map of {', '.join(towns)}")
    return dataclasses.replace(benchmark, routes=tuple(kept))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # 1. What to run
    try:
        viewer_ports(args.viewer_ports)
        debug_mode_allowed(args)
        agent = agent_spec(args.agent, args.agent_config)
        benchmark = choose_routes(args)
    except (ValueError, RouteError, DataFileNotFoundError) as error:
        print(f"run_closed_loop: {error}", file=sys.stderr)
        return 2
    out = args.out or Path("results") / f"{benchmark.name}_{Path(agent.name).stem}"
    results_format = ResultsFormat(args.results_format) if args.results_format else None
    options = RunOptions(out, args.seed, args.repetitions, args.workers, args.resume, args.save_video, args.data_dir,
                         args.walkers, args.ray_address or None, results_format, args.torch_threads,
                         record=args.record, debug=args.debug, viewer=args.viewer,
                         viewer_ports=viewer_ports(args.viewer_ports))  # fmt: skip
    rules = rules_for(benchmark)
    drive = None
    if args.sim == "carla":
        carla = carla_options(args, benchmark, out)
        missing = missing_prerequisites(carla.supervisor.server, carla.supervisor.evaluator)
        if missing:
            print("run_closed_loop: --sim carla needs what this machine lacks:", file=sys.stderr)
            for line in missing:
                print(f"  - {line}", file=sys.stderr)
            return 2
        drive = lambda jobs: carla_records(jobs, benchmark, (agent.path, agent.config), rules, carla, args.data_dir)  # noqa: E731
    # 2. Drive every route
    started = time.perf_counter()
    try:
        payload = run_benchmark(
            benchmark, agent, options, on_record=lambda r, i, n: progress(r, i, n, rules), drive=drive
        )
    except ResultsFileError as error:
        print(f"run_closed_loop: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"run_closed_loop: interrupted; finished routes are in {out / 'results.json'} (--resume)", file=sys.stderr
        )
        write_report(out, benchmark.name, rules, args.data_dir)
        return 1
    # 3. The table, the summary line and the report
    for line in summary_lines(payload, benchmark.name, rules, len(benchmark.routes) * args.repetitions):
        print(line)
    print(f"results: {out / 'results.json'}  ({time.perf_counter() - started:.1f} s wall clock)")
    report = write_report(out, benchmark.name, rules, args.data_dir)
    if report is not None:
        print(f"report: {report}")
    return 0


def write_report(out: Path, name: str, rules: LeaderboardRules, data_dir: str | None) -> Path | None:
    """OUT/report.html; a report that fails is logged and never fails the run (results.json is what counts)."""
    from sim.run.report import write_report as write

    if not (out / "results.json").is_file():
        return None
    try:
        return write(out, name, rules, data_dir)
    except Exception:
        logging.getLogger("run_closed_loop").exception("the report could not be written")
        return None


if __name__ == "__main__":
    sys.exit(main())
