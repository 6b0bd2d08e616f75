"""Episodes on worker processes: spawned, one thread each, fed one episode at a time, reporting progress.

Each worker keeps its dataset writer, scenario triggers and instruction texts between episodes and
commits every finished episode itself (atomic rename + manifest update under a lock), so a killed
collection loses only the episodes in flight. The parent draws the plan, hands out episodes while
the budget lasts and draws the progress line; an episode that raises is logged and left for
``--resume``.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from queue import Empty

from agents.collect.episode import EpisodeContext, EpisodeSpec, run_episode
from agents.collect.progress import Progress
from agents.collect.settings import CollectSettings
from models.common.driving_data import DatasetWriter, EpisodeInfo, LayoutConfig

logger = logging.getLogger(__name__)

THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
MAX_FAILURES_IN_A_ROW = 5
_CONTEXT: EpisodeContext | None = None  # the worker's, set by _init_worker


@dataclass(frozen=True)
class Budget:
    """When to stop handing out episodes: ``episodes`` in the dataset in all, or ``minutes`` of this run."""

    episodes: int | None = None
    minutes: float | None = None


@dataclass
class RunSummary:
    """What a run did: episodes committed, episodes that failed (id, error), seconds."""

    committed: list[EpisodeInfo] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    samples: int = 0


def one_thread_per_process() -> None:
    """Cap torch / BLAS / numba threads to one in this process and in the processes it spawns.

    Once numba is imported its ``NUMBA_NUM_THREADS`` must not change (numba refuses to compile again when
    the variable differs from the thread pool it launched), so numba is then capped at run time instead.
    """
    numba = sys.modules.get("numba")
    for name in THREAD_VARIABLES:
        if not (name == "NUMBA_NUM_THREADS" and numba is not None):
            os.environ[name] = "1"
    if numba is not None:
        numba.set_num_threads(1)


def _init_worker(queue, root: str, layout: LayoutConfig, settings: CollectSettings, data_dir: str | None) -> None:
    global _CONTEXT
    one_thread_per_process()
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # torch is only needed by learned drivers
        pass
    from agents.instructions import load_instruction_texts
    from routes.benchmarks import LB1_SCENARIOS
    from routes.lb1_scenarios import read_lb1_scenarios
    from sim.paths import data_path

    _CONTEXT = EpisodeContext(
        settings=settings,
        writer=DatasetWriter(root, layout),
        lb1_scenarios=read_lb1_scenarios(data_path(LB1_SCENARIOS, data_dir)),
        instruction_texts=load_instruction_texts(data_dir),
        data_dir=data_dir,
        report=lambda samples: queue.put(samples),
    )


def _work(spec: EpisodeSpec) -> EpisodeInfo:
    return run_episode(spec, _CONTEXT)


def run_workers(
    episodes,
    root: str,
    layout: LayoutConfig,
    settings: CollectSettings,
    budget: Budget,
    workers: int,
    progress: Progress,
    data_dir: str | None = None,
) -> RunSummary:
    """Run ``episodes`` (an iterator of :class:`EpisodeSpec`) on ``workers`` processes within ``budget``."""
    one_thread_per_process()
    context = get_context("spawn")
    queue = context.Queue()
    summary, started = RunSummary(), time.monotonic()
    deadline = None if budget.minutes is None else started + 60.0 * budget.minutes
    in_flight: dict[Future, EpisodeSpec] = {}
    failures_in_a_row = 0
    initargs = (queue, str(root), layout, settings, data_dir)
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=initargs) as pool:
        try:
            while True:
                # 1. hand out episodes while the budget lasts
                while len(in_flight) < workers and _budget_left(budget, progress, len(in_flight), deadline):
                    spec = next(episodes, None)
                    if spec is None:
                        break
                    in_flight[pool.submit(_work, spec)] = spec
                if not in_flight:
                    break
                # 2. wait a little, count the samples the workers reported
                done, _ = wait(in_flight, timeout=0.5, return_when=FIRST_COMPLETED)
                progress.add_samples(_drain(queue))
                # 3. finished episodes
                for future in done:
                    spec = in_flight.pop(future)
                    failures_in_a_row = _collect(future, spec, summary, progress, failures_in_a_row)
                progress.draw()
        except BaseException:
            for future in in_flight:
                future.cancel()
            raise
    progress.add_samples(_drain(queue))
    progress.close()
    summary.seconds = time.monotonic() - started
    summary.samples = progress.samples
    return summary


def _budget_left(budget: Budget, progress: Progress, in_flight: int, deadline: float | None) -> bool:
    if deadline is not None and time.monotonic() >= deadline:
        return False
    return budget.episodes is None or progress.done + in_flight < budget.episodes


def _collect(future: Future, spec: EpisodeSpec, summary: RunSummary, progress: Progress, in_a_row: int) -> int:
    try:
        info = future.result()
    except Exception as error:  # one bad episode does not stop the run; --resume retries it
        logger.error("episode %s failed: %r", spec.episode_id, error)
        summary.failed.append((spec.episode_id, repr(error)))
        progress.episode_done(ok=False)
        if in_a_row + 1 >= MAX_FAILURES_IN_A_ROW:
            raise RuntimeError(f"{MAX_FAILURES_IN_A_ROW} episodes failed in a row; last: {error!r}") from error
        return in_a_row + 1
    summary.committed.append(info)
    progress.episode_done(ok=True)
    return 0


def _drain(queue) -> int:
    total = 0
    while True:
        try:
            total += int(queue.get_nowait())
        except Empty:
            return total
