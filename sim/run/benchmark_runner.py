"""Drive every route of a benchmark in supervised worker processes, writing resumable results.

Finished routes are written to the checkpoint JSON (atomically) as soon as each one ends, so a
crash or a kill never loses them, and ``resume`` skips them on the next run. Routes run in worker
processes that a watchdog can kill and replace (:mod:`sim.run.worker_pool`), also with one worker,
so an agent that hangs, exits or crashes its process costs its route, not the run. Each route's
seed derives from the base seed, its id and its repetition, so a route driven alone is the same
route as inside a larger run.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from routes.benchmarks import Benchmark
from routes.route_types import LeaderboardVersion
from sim.eval.infractions import LeaderboardRules
from sim.eval.results_format import ResultsFormat
from sim.eval.route_record import RouteRecord
from sim.paths import DATA_DIR_ENV, resolve_data_dir
from sim.run.agent_loading import AgentSpec
from sim.run.live_viewer import GRPC_PORT, WEB_PORT
from sim.run.output_folder import OutputFolder
from sim.run.results_file import ResultsFile
from sim.run.route_runner import RouteJob
from sim.run.watchdog import Heartbeat, WatchdogLimits
from sim.run.worker import WorkerSetup, drive_job, limit_threads
from sim.run.worker_pool import WorkerPool
from sim.world.config import TrafficConfig, WorldConfig

logger = logging.getLogger(__name__)

SEED_MODULUS = 2**31  # seeds stay within numpy's and every library's int32 range


@dataclass(frozen=True)
class RunOptions:
    """How to run a benchmark.

    Attributes:
        out_dir: results folder (``results.json``, ``report.html``, videos, recordings).
        seed: base seed (>= 0); each route's seed is :func:`route_seed` of it.
        repetitions: every route is driven this many times (>= 1).
        workers: parallel worker processes (>= 1).
        resume: continue ``results.json`` of the same run, skipping finished routes.
        overwrite: replace an existing ``results.json`` (without it or ``resume`` the run refuses).
        save_video: write ``videos/<route_id>.mp4`` per route.
        record: write ``recordings/<route_id>.rrd`` (rerun) per route.
        debug: drive the routes in this process (no worker, no watchdog), one after the other, streaming
            them to a live viewer and pausing on the terminal (:mod:`sim.run.debug_prompt`).
        viewer: the live viewer of ``debug``: ``auto``, ``native`` or ``web``.
        viewer_ports: the viewer's gRPC and web ports (``debug``).
        data_dir: the data directory.
        background_walkers: pedestrians walking around the ego besides the scenarios' own (>= 0); the
            leaderboards spawn none (background activity is vehicles only), so neither do we by default.
        ray_address: drive the routes as Ray tasks on this cluster ("auto", "HOST:6379", "local")
            instead of ``workers`` local processes.
        results_format: the evaluator whose results format to write (default: the one of the rules).
        torch_threads: math-library threads of each process that drives routes, set before its agent
            is built (one per worker: several workers share the cores; a model step on one thread is
            faster than on many contended ones).
        limits: the watchdog's wall-clock and memory limits.
        isolate: drive routes in supervised worker processes (the default); False drives them in this
            process without a watchdog (for debuggers and profilers).
        sensor_rules: whose sensor rules apply (``"lmdrive"``: LMDrive's data-collection fork), or None for
            the route's leaderboard.
    """

    out_dir: Path
    seed: int = 0
    repetitions: int = 1
    workers: int = 1
    resume: bool = False
    overwrite: bool = False
    save_video: bool = False
    data_dir: str | None = None
    background_walkers: int = 0
    ray_address: str | None = None
    results_format: ResultsFormat | None = None
    torch_threads: int = 1
    limits: WatchdogLimits = field(default_factory=WatchdogLimits)
    isolate: bool = True
    record: bool = False
    debug: bool = False
    viewer: str = "auto"
    viewer_ports: tuple[int, int] = (GRPC_PORT, WEB_PORT)
    sensor_rules: str | None = None

    def __post_init__(self) -> None:
        for name, low in (("seed", 0), ("repetitions", 1), ("workers", 1), ("background_walkers", 0),
                          ("torch_threads", 1)):  # fmt: skip
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name} = {value!r}: expected an integer >= {low}")

    def world_config(self) -> WorldConfig:
        return WorldConfig(traffic=TrafficConfig(num_walkers=self.background_walkers))


def rules_for(benchmark: Benchmark) -> LeaderboardRules:
    """LB1 for LangAuto and leaderboard 1.0 routes, Bench2Drive's fork for its routes, else LB2."""
    if not benchmark.routes or benchmark.routes[0].version is LeaderboardVersion.LB1:
        return LeaderboardRules.LB1
    return LeaderboardRules.BENCH2DRIVE if benchmark.name.startswith("bench2drive") else LeaderboardRules.LB2


def route_seed(base: int, route_id: str, repetition: int) -> int:
    """The world seed of one route: a hash of (base seed, route id, repetition), stable across runs."""
    digest = hashlib.sha256(f"{base}/{route_id}/{repetition}".encode()).digest()
    return int.from_bytes(digest[:8], "little") % SEED_MODULUS


def make_jobs(benchmark: Benchmark, options: RunOptions) -> list[RouteJob]:
    """Every (route, repetition) of the run, in the leaderboard's order: each route's repetitions together."""
    rules = rules_for(benchmark)
    jobs = []
    for route in benchmark.routes:
        for repetition in range(options.repetitions):
            jobs.append(
                RouteJob(
                    index=len(jobs),
                    route=route,
                    rules=rules,
                    seed=route_seed(options.seed, route.route_id, repetition),
                    repetition=repetition,
                    lb1_scenarios=tuple(benchmark.lb1_scenarios.get(route.town, ())),
                    data_dir=options.data_dir,
                    sensor_rules=options.sensor_rules,
                )
            )
    return jobs


def run_benchmark(
    benchmark: Benchmark,
    agent: AgentSpec,
    options: RunOptions,
    sensors: list[str] | None = None,
    on_record: Callable[[RouteRecord, int, int], None] | None = None,
    drive: Callable[[list[RouteJob]], Iterable[RouteRecord]] | None = None,
    identity: dict | None = None,
) -> dict:
    """Run (or resume) the benchmark; returns the final checkpoint payload.

    ``drive`` turns the jobs still to run into records, in any order (default: the embedded world;
    ``sim.carla.runner.carla_records`` drives them on CARLA servers).

    Raises:
        OutputFolderError: another run holds the folder, or results exist and neither ``resume``
            nor ``overwrite`` was given.
        ResultsFileError: ``resume`` of a file of another run, or with an invalid record.
    """
    jobs = make_jobs(benchmark, options)
    if not jobs:
        raise ValueError(f"benchmark {benchmark.name!r} has no route to drive")
    with OutputFolder(options.out_dir, options.resume, options.overwrite) as folder:
        # 1. The jobs and what a previous run of the same identity already finished
        results = ResultsFile(folder.results, jobs[0].rules, [job.route_id for job in jobs], sensors,
                              options.results_format, identity)  # fmt: skip
        done = results.resume() if options.resume else set()
        pending = [job for job in jobs if job.index not in done]
        # 2. Drive the rest, storing each record the moment it exists
        records = drive(pending) if drive is not None else _records(pending, agent, options)
        for finished, record in enumerate(records, start=len(done) + 1):
            results.add(record)
            if on_record is not None:
                on_record(record, finished, len(jobs))
        # 3. Close the run
        return results.write(finished=True)


def _records(jobs: list[RouteJob], agent: AgentSpec, options: RunOptions) -> Iterator[RouteRecord]:
    if not jobs:
        return
    if options.debug:
        yield from _debug_records(jobs, agent, options)
        return
    if options.ray_address is not None:
        yield from _ray_records(jobs, agent, options)
        return
    if not options.isolate:
        limit_threads(options.torch_threads)
        with _data_dir_exported(options.data_dir):
            for job in jobs:
                yield drive_job(job, agent, options, Heartbeat())
        return
    setup = WorkerSetup(options.data_dir, options.limits.memory_mb, logging.getLogger().getEffectiveLevel(),
                        options.torch_threads)  # fmt: skip
    pool = WorkerPool(min(options.workers, len(jobs)), setup, options.limits)
    yield from pool.records(jobs, agent, options)


def _ray_records(jobs: list[RouteJob], agent: AgentSpec, options: RunOptions) -> Iterator[RouteRecord]:
    """Every route a Ray task (one CPU each) on the cluster, records as they finish.

    Every node needs the repository, the data directory and the agent file at the same paths. Ray
    restarts a task whose worker died; the per-step watchdog of the local workers does not apply.
    """
    import ray

    from sim.carla.pool import connect_ray

    connect_ray(options.ray_address)
    remote = ray.remote(num_cpus=1)(_ray_drive)
    pending = [remote.remote(job, agent, options) for job in jobs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield ray.get(done[0])


def _ray_drive(job: RouteJob, agent: AgentSpec, options: RunOptions) -> RouteRecord:
    limit_threads(options.torch_threads)  # in the Ray worker, before the agent is built
    with _data_dir_exported(options.data_dir):
        return drive_job(job, agent, options, Heartbeat())


def _debug_records(jobs: list[RouteJob], agent: AgentSpec, options: RunOptions) -> Iterator[RouteRecord]:
    """``--debug``: one route after the other in this process, live in the viewer, paused from the terminal."""
    from sim.run.debug_prompt import DebugPrompt
    from sim.run.live_viewer import LiveViewer

    limit_threads(options.torch_threads)
    viewer = LiveViewer.start(options.viewer, *options.viewer_ports)
    print(viewer.describe(), file=sys.stderr, flush=True)
    prompt = DebugPrompt()
    with _data_dir_exported(options.data_dir):
        for job in jobs:
            yield drive_job(job, agent, options, Heartbeat(), live=viewer, prompt=prompt)


@contextmanager
def _data_dir_exported(data_dir: str | None):
    """``CLOSED_LOOP_DATA`` set to the run's data directory while routes run in this process."""
    if not data_dir:
        yield
        return
    previous = os.environ.get(DATA_DIR_ENV)
    os.environ[DATA_DIR_ENV] = str(Path(resolve_data_dir(data_dir)).resolve())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(DATA_DIR_ENV, None)
        else:
            os.environ[DATA_DIR_ENV] = previous
