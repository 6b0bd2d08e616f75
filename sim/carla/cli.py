"""The ``--sim carla`` options of ``run_closed_loop.sh`` and the run settings they make."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from routes.benchmarks import Benchmark
from sim.carla.config import EvaluatorConfig, EvaluatorFlavour, ServerConfig, ServerLaunch, SupervisorConfig
from sim.carla.ports import DEFAULT_RPC_BASE, DEFAULT_TM_BASE
from sim.carla.runner import CarlaRunOptions, default_flavour


def add_carla_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("--sim carla (official evaluator on CARLA servers; README 'CARLA')")
    group.add_argument("--gpus", default="0", help="graphics adapters of this machine, one server each, e.g. 0,1")
    group.add_argument("--ray-address", default=None, help="run on a Ray cluster ('auto', 'HOST:6379', 'local'): one "
                       "server actor per GPU; with --sim embedded, routes become Ray tasks")  # fmt: skip
    group.add_argument("--servers", type=int, default=None, help="servers on the Ray cluster (default: its GPUs)")
    group.add_argument("--servers-per-gpu", type=int, default=1)
    group.add_argument("--carla-server", choices=[k.value for k in ServerLaunch], default="local",
                       help="local: $CARLA_ROOT/CarlaUE4.sh; docker: the server image; stand-in: a fake server "
                       "(dry runs of the orchestration)")  # fmt: skip
    group.add_argument("--carla-root", default=None, help="CARLA release folder (default: $CARLA_ROOT)")
    group.add_argument("--carla-image", default=None, help="server image (default closed-loop/carla-server:<version>)")
    group.add_argument("--evaluator", choices=[f.value for f in EvaluatorFlavour], default=None,
                       help="evaluator checkout (default: bench2drive or langauto by the routes)")  # fmt: skip
    group.add_argument("--leaderboard-root", default=os.environ.get("LEADERBOARD_ROOT"))
    group.add_argument("--scenario-runner-root", default=os.environ.get("SCENARIO_RUNNER_ROOT"))
    group.add_argument("--carla-pythonapi", default=None, help="folder holding CARLA's 'agents' package")
    group.add_argument("--evaluator-python", default=None, help="interpreter with the server's carla client")
    group.add_argument("--evaluator-script", default=None, help="run this instead of leaderboard_evaluator.py")
    group.add_argument("--track", default="SENSORS")
    group.add_argument("--rpc-port-base", type=int, default=DEFAULT_RPC_BASE, help="RPC port of the first server")
    group.add_argument("--tm-port-base", type=int, default=DEFAULT_TM_BASE, help="Traffic Manager port of the first")
    group.add_argument("--tick-timeout", type=float, default=60.0, help="[s] no tick and no answer: server hung")
    group.add_argument("--recycle-every", type=int, default=20, help="restart each server after this many routes")
    group.add_argument("--max-attempts", type=int, default=3, help="tries per route when the simulator fails")


def carla_options(args: argparse.Namespace, benchmark: Benchmark, out_dir: Path) -> CarlaRunOptions:
    """Settings from the parsed command line (single source of defaults: the config dataclasses)."""
    flavour = EvaluatorFlavour(args.evaluator) if args.evaluator else default_flavour(benchmark)
    version = flavour.carla_version
    server = ServerConfig(launch=ServerLaunch(args.carla_server), carla_root=args.carla_root, carla_version=version,
                          docker_image=args.carla_image or f"closed-loop/carla-server:{version}",
                          tick_timeout_s=args.tick_timeout, recycle_every=args.recycle_every,
                          rpc_port_base=args.rpc_port_base, tm_port_base=args.tm_port_base)  # fmt: skip
    evaluator = EvaluatorConfig(flavour=flavour, leaderboard_root=_absolute(args.leaderboard_root),
                                scenario_runner_root=_absolute(args.scenario_runner_root),
                                carla_pythonapi=args.carla_pythonapi, python=args.evaluator_python,
                                script=_absolute(args.evaluator_script), track=args.track,
                                save_path=str((out_dir / "agent_output").resolve()))  # fmt: skip
    supervisor = SupervisorConfig(server=server, evaluator=evaluator, max_attempts=args.max_attempts,
                                  work_dir=str((out_dir / "carla").resolve()))  # fmt: skip
    gpus = tuple(int(gpu) for gpu in str(args.gpus).split(",") if gpu.strip())
    return CarlaRunOptions(supervisor, gpus, args.ray_address or None, args.servers, args.servers_per_gpu)


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None
