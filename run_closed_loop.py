"""Command line of ``run_closed_loop.sh``: wiring only (CLI, agent lookup, runner choice).

    ./run_closed_loop.sh --agent expert --bench langauto-tiny
    ./run_closed_loop.sh --agent path/to/my_agent.py --agent-config my.yaml --bench bench2drive --route-ids 1711,1773
    ./run_closed_loop.sh --sim carla --bench bench2drive --agent NAME --gpus 0,1

Exit status: 0 when the run went through (however the agent drove), 2 for bad arguments, a bad
agent config, missing data or a results folder in use / of another run, 130 when interrupted
(Ctrl-C), 1 when the run itself failed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
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
from sim.run.agent_loading import AgentSpec
from sim.run.benchmark_runner import RunOptions, rules_for, run_benchmark
from sim.run.debug_cli import add_debug_arguments, debug_options
from sim.run.output_folder import RESULTS_NAME, OutputFolderError
from sim.run.results_file import ResultsFileError
from sim.run.run_identity import describe_run
from sim.run.watchdog import WatchdogLimits

REPO = Path(__file__).resolve().parent
GENERIC_AGENT = REPO / "agents" / "leaderboard_agent.py"
INTERRUPTED = 130  # the shell's status for a run stopped by SIGINT


def number(kind: type, low: float, inclusive: bool = True):
    """argparse ``type=`` for numbers ``>= low`` (``> low`` when not inclusive)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a {kind.__name__}") from None
        if not (value >= low if inclusive else value > low) or value != value:
            raise argparse.ArgumentTypeError(f"{text} must be {'>=' if inclusive else '>'} {low}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_closed_loop.sh",
        description="Drive an agent over every route of a benchmark in closed loop and write leaderboard-format "
        "results (driving score, route completion, infraction penalty, infractions) to OUT/results.json.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add = parser.add_argument
    add("--agent", required=True, help="a registered planner name or an agent .py file with get_entry_point(), as "
        "for a leaderboard submission")  # fmt: skip
    add("--agent-config", default="", help="config string handed to the agent file's setup()")
    add("--bench", required=True, help=f"benchmark ({', '.join(sorted(BENCHMARKS))}) or a route .xml")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--route-ids", default=None, help="routes by id, e.g. '0,10-12' (ranges take the ids "
                       "that exist)")  # fmt: skip
    which.add_argument("--route-index", default=None, help="routes by position in the file from 0, e.g. '0-5' "
                       "for the first six")  # fmt: skip
    which.add_argument("--routes", default=None, help="deprecated: the same as --route-ids")
    add("--results-format", choices=[f.value for f in ResultsFormat], default=None,
        help="write results as this evaluator does (default: leaderboard-1.0 for LangAuto and 1.0 "
        "routes, bench2drive for Bench2Drive, leaderboard-2.0 for other 2.0 routes)")  # fmt: skip
    add("--sim", choices=("embedded", "carla"), default="embedded", help="simulator")
    add("--seed", type=number(int, 0), default=0, help="base seed; each route's seed hashes it with the route id")
    add("--repetitions", type=number(int, 1), default=1)
    add("--out", type=Path, default=None, help="results folder (default results/<bench>_<agent>)")
    add("--resume", action="store_true", help="continue OUT/results.json of the same run, skipping finished routes")
    add("--overwrite", action="store_true", help="replace an existing OUT/results.json")
    add("--data-dir", default=None, help=f"data directory (default: ${DATA_DIR_ENV}, then the repository's data/)")
    add("--workers", type=number(int, 1), default=1, help="routes driven in parallel worker processes")
    add("--save-video", action="store_true", help="write OUT/videos/<route>.mp4 (BEV + cameras)")
    add("--walkers", type=number(int, 0), default=0, help="background pedestrians around the ego (the leaderboards "
        "spawn none; scenario pedestrians always appear)")  # fmt: skip
    add("--torch-threads", type=number(int, 1), default=1, help="torch threads per worker process")
    add("--sensor-rules", choices=("lmdrive",), default=None, help="check the agent's sensors by the rules of "
        "LMDrive's data-collection fork (semantic/depth cameras, far mounts), not the benchmark's")  # fmt: skip
    limits = WatchdogLimits()
    add("--step-limit", type=number(float, 0), default=limits.step_seconds, help="[s] wall clock of one run_step "
        "after the first; an agent over it is stopped and its route recorded as hung (0: no limit)")  # fmt: skip
    add("--route-limit-factor", type=number(float, 0), default=limits.route_factor, help="a route may take this times "
        f"its simulated timeout on the wall clock, plus {limits.setup_seconds:g} s of setup (0: no limit)")  # fmt: skip
    add("--memory-limit", type=number(int, 0, inclusive=False), default=None, help="[MiB] memory (data segment) of "
        "each worker process; an agent over it has its route recorded as out of memory")  # fmt: skip
    add("--log-level", default="WARNING")
    add_debug_arguments(parser)
    add_carla_arguments(parser)
    return parser


def agent_spec(agent: str, agent_config: str) -> AgentSpec:
    """A registered planner runs through the generic leaderboard agent; a path is used as given."""
    if agent.endswith(".py"):
        if not Path(agent).is_file():
            raise ValueError(f"--agent: agent file '{agent}' not found")
        return AgentSpec(path=str(Path(agent).resolve()), config=agent_config)
    from agents.registry import known_planners

    if agent not in known_planners():
        raise ValueError(f"--agent: unknown agent '{agent}'; registered: {', '.join(known_planners())}, or a .py file")
    return AgentSpec(path=str(GENERIC_AGENT), config=agent_config or agent)


def checked_checkpoints(agent: AgentSpec) -> list[str]:
    """Check the generic agent's config now (exit 2 before any route) and return its checkpoints."""
    if Path(agent.path).resolve() != GENERIC_AGENT:
        return []  # another agent file's config is the agent's own business
    from agents.adapters.config_check import check_agent_config

    return check_agent_config(agent.config)[1]


def progress(record: RouteRecord, finished: int, total: int, rules: LeaderboardRules) -> None:
    bar = "#" * round(20 * finished / total)
    print(
        f"[{bar:<20}] {finished:>3}/{total} {record.route_id:<22} DS {record.driving_score(rules):6.2f}  "
        f"RC {record.route_completion:6.2f}  IS {record.infraction_penalty(rules):.3f}  {record.status.value}  "
        f"({record.duration_system:.1f} s)" + (f"  {record.error}" if record.extra.get("failure") else ""),
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


def interrupted_message(results: Path, finished_now: int) -> str:
    """Where the finished routes of an interrupted run are, or that none finished."""
    if not finished_now:
        return "run_closed_loop: interrupted before any route of this run finished; nothing was written"
    try:
        count = len(json.loads(results.read_text())["_checkpoint"]["records"])
    except (OSError, ValueError, KeyError, TypeError):
        return f"run_closed_loop: interrupted; {results} could not be read back"
    return f"run_closed_loop: interrupted; {count} finished route(s) are in {results} (continue with --resume)"


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    # 1. What to run, checked before anything is driven
    try:
        agent = agent_spec(args.agent, args.agent_config)
        benchmark = choose_routes(args)
        checkpoints = checked_checkpoints(agent)
        out = args.out or Path("results") / f"{benchmark.name}_{Path(agent.name).stem}"
        limits = WatchdogLimits(args.step_limit, args.route_limit_factor, memory_mb=args.memory_limit)
        results_format = ResultsFormat(args.results_format) if args.results_format else None
        options = RunOptions(out, args.seed, args.repetitions, args.workers, args.resume, args.overwrite,
                             args.save_video, args.data_dir, args.walkers, args.ray_address or None, results_format,
                             args.torch_threads, limits, sensor_rules=args.sensor_rules,
                             **debug_options(args))  # fmt: skip
        name = args.agent if not args.agent.endswith(".py") else Path(args.agent).name
        identity = describe_run(benchmark, agent.path, name, agent.config, options, checkpoints).to_json()
    except (ValueError, RouteError, DataFileNotFoundError) as error:  # ConfigError is a ValueError
        print(f"run_closed_loop: {error}", file=sys.stderr)
        return 2
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
    started, finished_now = time.perf_counter(), []

    def on_record(record: RouteRecord, finished: int, total: int) -> None:
        finished_now.append(record.route_id)
        progress(record, finished, total, rules)

    try:
        payload = run_benchmark(benchmark, agent, options, on_record=on_record, drive=drive, identity=identity)
    except (ResultsFileError, OutputFolderError) as error:
        print(f"run_closed_loop: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(interrupted_message(out / RESULTS_NAME, len(finished_now)), file=sys.stderr)
        if finished_now:
            write_report(out, benchmark.name, rules, args.data_dir)
        return INTERRUPTED
    # 3. The table, the summary line and the report
    for line in summary_lines(payload, benchmark.name, rules, len(benchmark.routes) * args.repetitions):
        print(line)
    print(f"results: {out / RESULTS_NAME}  ({time.perf_counter() - started:.1f} s wall clock)")
    report = write_report(out, benchmark.name, rules, args.data_dir)
    if report is not None:
        print(f"report: {report}")
    return 0


def write_report(out: Path, name: str, rules: LeaderboardRules, data_dir: str | None) -> Path | None:
    """OUT/report.html; a report that fails is logged and never fails the run (results.json is what counts)."""
    from sim.run.report import write_report as write

    try:
        return write(out, name, rules, data_dir)
    except Exception:
        logging.getLogger("run_closed_loop").exception("the report could not be written")
        return None


if __name__ == "__main__":
    sys.exit(main())
