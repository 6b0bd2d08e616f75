"""Drive every route of a benchmark, in one process or several, writing resumable results.

Finished routes are written to the checkpoint JSON (atomically) as soon as each one ends, so a
crash or a kill never loses them, and ``resume`` skips them on the next run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from routes.benchmarks import Benchmark
from routes.route_types import LeaderboardVersion
from sim.eval.infractions import LeaderboardRules
from sim.eval.results_format import ResultsFormat
from sim.eval.route_record import RouteRecord
from sim.run.agent_loading import AgentSpec
from sim.run.live_viewer import GRPC_PORT, WEB_PORT
from sim.run.recorders import route_recorders
from sim.run.results_file import ResultsFile
from sim.run.route_runner import RouteJob, run_route
from sim.world.config import TrafficConfig, WorldConfig

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """How to run a benchmark.

    Attributes:
        out_dir: results folder (``results.json``, ``report.html``, videos, recordings).
        seed: base seed; route ``i`` gets ``seed + i``.
        repetitions: every route is driven this many times.
        workers: parallel processes (1 runs in this process).
        resume: skip routes already in ``results.json``.
        save_video: write ``videos/<route_id>.mp4`` per route.
        record: write ``recordings/<route_id>.rrd`` (rerun) per route.
        debug: drive the routes in this process, one after the other, streaming them to a live
            viewer and pausing on the terminal (:mod:`sim.run.debug_prompt`); ``workers`` is ignored.
        viewer: the live viewer of ``debug``: ``auto``, ``native`` or ``web``.
        viewer_ports: the viewer's gRPC and web ports (``debug``).
        data_dir: the data directory.
        background_walkers: pedestrians walking around the ego besides the scenarios' own; the
            leaderboards spawn none (background activity is vehicles only), so neither do we by default.
        ray_address: drive the routes as Ray tasks on this cluster ("auto", "HOST:6379", "local")
            instead of ``workers`` local processes.
        results_format: the evaluator whose results format to write (default: the one of the rules).
        torch_threads: math-library threads of each process that drives routes, set before its agent
            is built (one per worker: several workers share the cores; a model step on one thread is
            faster than on many contended ones).
    """

    out_dir: Path
    seed: int = 0
    repetitions: int = 1
    workers: int = 1
    resume: bool = False
    save_video: bool = False
    data_dir: str | None = None
    background_walkers: int = 0
    ray_address: str | None = None
    results_format: ResultsFormat | None = None
    torch_threads: int = 1
    record: bool = False
    debug: bool = False
    viewer: str = "auto"
    viewer_ports: tuple[int, int] = (GRPC_PORT, WEB_PORT)

    def world_config(self) -> WorldConfig:
        return WorldConfig(traffic=TrafficConfig(num_walkers=self.background_walkers))


def rules_for(benchmark: Benchmark) -> LeaderboardRules:
    """LB1 for LangAuto and leaderboard 1.0 routes, Bench2Drive's fork for its routes, else LB2."""
    if not benchmark.routes or benchmark.routes[0].version is LeaderboardVersion.LB1:
        return LeaderboardRules.LB1
    return LeaderboardRules.BENCH2DRIVE if benchmark.name.startswith("bench2drive") else LeaderboardRules.LB2


def make_jobs(benchmark: Benchmark, options: RunOptions) -> list[RouteJob]:
    """Every (route, repetition) of the run, in the leaderboard's order: each route's repetitions together."""
    rules = rules_for(benchmark)
    jobs = []
    for route in benchmark.routes:
        for repetition in range(options.repetitions):
            index = len(jobs)
            jobs.append(
                RouteJob(
                    index=index,
                    route=route,
                    rules=rules,
                    seed=options.seed + index,
                    repetition=repetition,
                    lb1_scenarios=tuple(benchmark.lb1_scenarios.get(route.town, ())),
                    data_dir=options.data_dir,
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
) -> dict:
    """Run (or resume) the benchmark; returns the final checkpoint payload.

    ``drive`` turns the jobs still to run into records, in any order (default: the embedded world;
    ``sim.carla.runner.carla_records`` drives them on CARLA servers).
    """
    # 1. The jobs and what a previous run already finished
    jobs = make_jobs(benchmark, options)
    results = ResultsFile(options.out_dir / "results.json", jobs[0].rules if jobs else LeaderboardRules.LB1,
                          [job.route_id for job in jobs], sensors, options.results_format)  # fmt: skip
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
    if options.debug:
        yield from _debug_records(jobs, agent, options)
        return
    if options.ray_address is not None:
        yield from _ray_records(jobs, agent, options)
        return
    if options.workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield _run_one((job, agent, options))
        return
    # spawn: workers must not inherit torch/numba threads of this process
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes=options.workers, maxtasksperchild=8) as pool:
        yield from pool.imap_unordered(_run_one, [(job, agent, options) for job in jobs])


def _ray_records(jobs: list[RouteJob], agent: AgentSpec, options: RunOptions) -> Iterator[RouteRecord]:
    """Every route a Ray task (one CPU each) on the cluster, records as they finish.

    Every node needs the repository, the data directory and the agent file at the same paths.
    """
    import ray

    from sim.carla.pool import connect_ray

    connect_ray(options.ray_address)
    remote = ray.remote(num_cpus=1)(_run_one)
    pending = [remote.remote((job, agent, options)) for job in jobs]
    while pending:
        done, pending = ray.wait(pending, num_returns=1)
        yield ray.get(done[0])


def limit_threads(threads: int) -> None:
    """Cap the intra-op threads of this process: the OpenMP / BLAS variables torch and numpy read when
    first imported, and torch's own setting when an agent already imported it (sim/ never imports it)."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def _run_one(arguments: tuple[RouteJob, AgentSpec, RunOptions]) -> RouteRecord:
    job, agent, options = arguments
    limit_threads(options.torch_threads)  # in the worker, before run_route builds the agent
    recorders = route_recorders(job.route_id, options.out_dir, options.save_video, options.record)
    return run_route(job, agent, options.world_config(), recorders)


def _debug_records(jobs: list[RouteJob], agent: AgentSpec, options: RunOptions) -> Iterator[RouteRecord]:
    """``--debug``: one route after the other in this process, live in the viewer, paused from the terminal."""
    from sim.run.debug_prompt import DebugPrompt
    from sim.run.live_viewer import LiveViewer

    limit_threads(options.torch_threads)
    viewer = LiveViewer.start(options.viewer, *options.viewer_ports)
    print(viewer.describe(), file=sys.stderr, flush=True)
    prompt = DebugPrompt()
    for job in jobs:
        recorders = route_recorders(job.route_id, options.out_dir, options.save_video, options.record, viewer, prompt)
        yield run_route(job, agent, options.world_config(), recorders)
