"""Supervised worker processes: each slot keeps one long-lived worker, killed and replaced on a fault.

The supervisor hands one job at a time to each idle slot and waits on every busy slot's pipe and
process sentinel at once. A worker that answers gives a record; one that dies (``sys.exit``,
``os._exit``, a signal, running out of memory) or breaks a watchdog limit gives a failure record
for the route it held, and the slot starts a fresh worker for the next job. So a broken agent
costs one route, never the run, and nothing waits forever on a dead process.
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections import deque
from collections.abc import Iterator
from multiprocessing.connection import wait

from sim.eval.route_record import RouteRecord, RouteStatus
from sim.run.agent_loading import AgentSpec
from sim.run.failures import Failure, exit_description, failed_record
from sim.run.route_runner import RouteJob
from sim.run.watchdog import HEARTBEAT_SLOTS, Heartbeat, WatchdogLimits
from sim.run.worker import WorkerSetup, worker_main

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5  # [s] how often the watchdog looks at routes in flight
STOP_GRACE_SECONDS = 5.0  # [s] an idle worker told to stop gets this long before it is killed


class Slot:
    """One worker process (started on demand), its pipe, its heartbeat and the job it holds."""

    def __init__(self, context, setup: WorkerSetup) -> None:
        self.context, self.setup = context, setup
        self.process = self.connection = None
        self.heartbeat = Heartbeat(context.RawArray("d", HEARTBEAT_SLOTS))
        self.job: RouteJob | None = None
        self.started = 0.0

    def assign(self, job: RouteJob, agent: AgentSpec, options) -> None:
        if self.process is None or not self.process.is_alive():
            self._start()
        self.heartbeat.values[:] = [0.0] * HEARTBEAT_SLOTS
        self.job, self.started = job, time.perf_counter()
        try:
            self.connection.send((job, agent, options))
        except OSError:  # it died while idle, just now: a fresh worker takes the job
            self._start()
            self.connection.send((job, agent, options))

    def _start(self) -> None:
        self.close()
        parent, child = self.context.Pipe()
        self.process = self.context.Process(
            target=worker_main, args=(child, self.heartbeat.values, self.setup), name="route-worker"
        )
        self.process.start()
        child.close()
        self.connection = parent

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.kill()
        if self.process is not None:
            self.process.join(STOP_GRACE_SECONDS)

    def close(self, graceful: bool = False) -> None:
        if self.process is not None and graceful and self.process.is_alive():
            try:
                self.connection.send(None)
                self.process.join(STOP_GRACE_SECONDS)
            except (OSError, ValueError):
                pass
        self.kill()
        if self.connection is not None:
            self.connection.close()
        self.process = self.connection = None


class WorkerPool:
    """``count`` slots driving jobs with one agent; :meth:`records` yields records as routes end."""

    def __init__(self, count: int, setup: WorkerSetup, limits: WatchdogLimits) -> None:
        context = multiprocessing.get_context("spawn")  # workers must not inherit torch/numba threads
        self.slots = [Slot(context, setup) for _ in range(count)]
        self.limits = limits

    def records(self, jobs: list[RouteJob], agent: AgentSpec, options) -> Iterator[RouteRecord]:
        pending = deque(jobs)
        try:
            while pending or any(slot.job is not None for slot in self.slots):
                for slot in self.slots:
                    if slot.job is None and pending:
                        slot.assign(pending.popleft(), agent, options)
                busy = [slot for slot in self.slots if slot.job is not None]
                wait([s.connection for s in busy] + [s.process.sentinel for s in busy], timeout=POLL_SECONDS)
                for slot in busy:
                    record = self._check(slot)
                    if record is not None:
                        slot.job = None
                        yield record
        finally:
            for slot in self.slots:
                slot.close(graceful=slot.job is None)

    def _check(self, slot: Slot) -> RouteRecord | None:
        """The slot's record when its route ended (normally or not), else None."""
        if slot.connection.poll():
            try:
                record, retire = slot.connection.recv()
            except (EOFError, OSError):
                pass  # it died mid-message: judged by its exit below
            else:
                if retire:
                    slot.close()  # the next job gets a fresh worker, never this exiting one
                return record
        if not slot.process.is_alive():
            slot.process.join()
            failure, text = exit_description(slot.process.exitcode, slot.heartbeat.out_of_memory, self._memory_mb)
            logger.error("%s: %s", slot.job.route_id, text)
            record = self._failed(slot, failure, text)
            slot.close()
            return record
        reason = slot.heartbeat.overdue(self.limits)
        if reason is not None:
            logger.error("%s: %s; killing its worker", slot.job.route_id, reason)
            slot.kill()
            record = self._failed(slot, Failure.HUNG, reason)
            slot.close()
            return record
        return None

    @property
    def _memory_mb(self) -> int | None:
        return self.limits.memory_mb

    @staticmethod
    def _failed(slot: Slot, failure: Failure, text: str) -> RouteRecord:
        beat = slot.heartbeat
        return failed_record(
            slot.job, RouteStatus.AGENT_CRASHED, text, slot.started, beat.route_length, beat.game_time, failure
        )
