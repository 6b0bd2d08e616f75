"""The benchmark runner's CARLA path: route jobs -> CARLA routes -> supervisors -> records.

The caller (the benchmark runner) owns the results file: it skips what a previous run finished,
and writes each record the moment it comes back, exactly as for the embedded world.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from routes.benchmarks import LB1_SCENARIOS, Benchmark
from routes.route_types import LeaderboardVersion
from sim.carla.config import EvaluatorFlavour, SupervisorConfig
from sim.carla.evaluator import CarlaRoute
from sim.carla.pool import SupervisorSpec, connect_ray, run_on_local_gpus, run_on_ray
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord
from sim.paths import data_path


@dataclass(frozen=True)
class CarlaRunOptions:
    """Where the servers run.

    Attributes:
        supervisor: server, evaluator and retry settings shared by every server.
        gpus: graphics adapters of this machine, one server each (without Ray).
        ray_address: a Ray cluster ("auto", "host:6379", or "local" for a new one here); then the
            servers are Ray actors, one per GPU of the cluster.
        servers: number of servers on the cluster (default: its GPUs x ``servers_per_gpu``).
        servers_per_gpu: servers sharing one GPU on the cluster (Bench2Drive suggests 2 for small agents).
    """

    supervisor: SupervisorConfig = field(default_factory=SupervisorConfig)
    gpus: tuple[int, ...] = (0,)
    ray_address: str | None = None
    servers: int | None = None
    servers_per_gpu: int = 1


def default_flavour(benchmark: Benchmark) -> EvaluatorFlavour:
    """Bench2Drive's fork for its routes, LMDrive's for LangAuto, else the official leaderboard of that version."""
    lb1 = bool(benchmark.routes) and benchmark.routes[0].version is LeaderboardVersion.LB1
    if benchmark.name.startswith("bench2drive"):
        return EvaluatorFlavour.BENCH2DRIVE
    if benchmark.name.startswith("langauto"):
        return EvaluatorFlavour.LANGAUTO
    return EvaluatorFlavour.LEADERBOARD1 if lb1 else EvaluatorFlavour.LEADERBOARD2


def carla_routes(jobs: list, benchmark: Benchmark, data_dir: str | None) -> list[CarlaRoute]:
    """The route jobs (index, route, repetition) as the evaluator takes them; paths absolute."""
    route_file = str(Path(benchmark.route_file).resolve())
    lb1 = any(job.route.version is LeaderboardVersion.LB1 for job in jobs)
    scenarios = str(data_path(LB1_SCENARIOS, data_dir)) if lb1 else None
    return [
        CarlaRoute(
            index=job.index,
            route_id=job.route.route_id,
            name=job.route_id,
            town=job.route.town,
            route_file=route_file,
            scenarios_file=scenarios,
            scenario_types=tuple(s.type for s in job.route.scenarios),
        )  # fmt: skip
        for job in jobs
    ]


def carla_records(
    jobs: list, benchmark: Benchmark, agent: tuple[str, str], rules: LeaderboardRules, options: CarlaRunOptions,
    data_dir: str | None = None,
) -> Iterator[RouteRecord]:  # fmt: skip
    """Records of ``jobs`` driven on CARLA servers, in the order they finish."""
    routes = carla_routes(jobs, benchmark, data_dir)
    if not routes:
        return
    spec = SupervisorSpec(options.supervisor, agent, rules)
    if options.ray_address is None:
        yield from run_on_local_gpus(routes, spec, list(options.gpus))
        return
    connect_ray(options.ray_address)
    yield from run_on_ray(routes, spec, options.servers, options.servers_per_gpu)
