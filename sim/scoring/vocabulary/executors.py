"""Run shard tasks on local worker processes or on a Ray cluster, redoing the ones that fail.

The driver loop is the same for both: submit up to ``capacity`` shards, collect each one as it
finishes, and resubmit a shard whose worker raised, died, was lost with its node, or ran past the
timeout, up to ``max_attempts`` times. Neither the process pool's nor Ray's own retries are used:
a lost shard is noticed here, by its missing result, whatever the cause.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np

from sim.scoring.vocabulary.shard import ShardOutput, ShardTask

ShardScorer = Callable[[ShardTask, np.ndarray], ShardOutput]


@dataclass
class Attempts:
    """Shards still to do, their failed attempts and the last error of each."""

    pending: list[ShardTask]
    max_attempts: int
    failures: dict[int, int] = field(default_factory=dict)
    errors: dict[int, str] = field(default_factory=dict)

    def failed(self, task: ShardTask, error: str) -> None:
        self.failures[task.index] = self.failures.get(task.index, 0) + 1
        self.errors[task.index] = error
        if self.failures[task.index] < self.max_attempts:
            self.pending.append(task)  # redone: Ray's or the pool's own retry is not relied on

    def given_up(self) -> dict[int, str]:
        return {index: self.errors[index] for index, count in self.failures.items() if count >= self.max_attempts}


_WORKER_VOCABULARY: np.ndarray | None = None


def _init_worker(vocabulary: np.ndarray) -> None:
    global _WORKER_VOCABULARY
    _WORKER_VOCABULARY = vocabulary


def _run_in_worker(scorer: ShardScorer, task: ShardTask) -> ShardOutput:
    return scorer(task, _WORKER_VOCABULARY)


def run_local(
    tasks: list[ShardTask],
    vocabulary: np.ndarray,
    workers: int,
    on_done: Callable[[ShardOutput], None],
    scorer: ShardScorer,
    max_attempts: int,
) -> dict[int, str]:
    """Score ``tasks`` on ``workers`` processes; returns the shards given up on (index -> error).

    A worker that dies breaks the whole pool, and which of the running shards killed it is not
    known: those shards are run again one at a time, where a death does count against its shard.
    """
    attempts = Attempts(list(tasks), max_attempts)
    suspects: list[ShardTask] = []
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
    while attempts.pending or suspects:
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(vocabulary,)) as pool:
            _drain_pool(pool, workers, attempts, suspects, on_done, scorer)
    return attempts.given_up()


def _drain_pool(pool, workers, attempts: Attempts, suspects: list[ShardTask], on_done, scorer) -> None:
    """Run shards on ``pool`` until none is left or the pool breaks (its shards become suspects)."""
    running: dict[Future, ShardTask] = {}
    while attempts.pending or suspects or running:
        queue, capacity = (suspects, 1) if suspects else (attempts.pending, 2 * workers)
        while queue and len(running) < capacity:
            task = queue.pop(0)
            running[pool.submit(_run_in_worker, scorer, task)] = task
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        broken: list[ShardTask] = []
        for future in finished:
            task = running.pop(future)
            try:
                on_done(future.result())
            except BrokenProcessPool:
                broken.append(task)
            except Exception as error:  # noqa: BLE001 - recorded, the shard is redone
                attempts.failed(task, f"{type(error).__name__}: {error}")
        if broken:
            victims = broken + list(running.values())
            if len(victims) == 1:
                attempts.failed(victims[0], "worker process died")
            else:
                suspects.extend(victims)
            return


def run_ray(
    tasks: list[ShardTask],
    vocabulary: np.ndarray,
    address: str | None,
    num_cpus: int | None,
    on_done: Callable[[ShardOutput], None],
    scorer: ShardScorer,
    max_attempts: int,
    timeout: float | None,
    python_path: str,
) -> dict[int, str]:
    """Score ``tasks`` as Ray tasks (one CPU each) on the cluster at ``address`` (or a local one).

    A task that raises, whose worker or node dies, whose result is lost, or that runs longer than
    ``timeout`` seconds is cancelled and submitted again. Workers import this package through
    ``python_path`` (every node must have the repository there, or have it installed).
    """
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(
            address=address,
            num_cpus=None if address else num_cpus,
            log_to_driver=False,
            runtime_env={"env_vars": {"PYTHONPATH": python_path}},
        )
    try:
        return _ray_loop(ray, tasks, vocabulary, on_done, scorer, max_attempts, timeout)
    finally:
        if started_here:
            ray.shutdown()


def _ray_loop(ray, tasks, vocabulary, on_done, scorer, max_attempts, timeout) -> dict[int, str]:
    remote = ray.remote(num_cpus=1, max_retries=0)(_run_with_vocabulary)
    vocabulary_ref = ray.put(vocabulary)
    capacity = max(1, int(ray.cluster_resources().get("CPU", 1)))
    attempts = Attempts(list(tasks), max_attempts)
    running: dict = {}
    while attempts.pending or running:
        while attempts.pending and len(running) < 2 * capacity:
            task = attempts.pending.pop(0)
            running[remote.remote(scorer, task, vocabulary_ref)] = (task, time.monotonic())
        finished, _ = ray.wait(list(running), num_returns=1, timeout=1.0)
        for ref in finished:
            task, _ = running.pop(ref)
            try:
                on_done(ray.get(ref))
            except Exception as error:  # noqa: BLE001 - task error, worker or node death, lost object
                attempts.failed(task, f"{type(error).__name__}: {error}")
        for ref, (task, started) in list(running.items()):
            if timeout is not None and time.monotonic() - started > timeout:
                ray.cancel(ref, force=True)
                running.pop(ref)
                attempts.failed(task, f"timed out after {timeout} s")
    return attempts.given_up()


def _run_with_vocabulary(scorer: ShardScorer, task: ShardTask, vocabulary: np.ndarray) -> ShardOutput:
    return scorer(task, vocabulary)
