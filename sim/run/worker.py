"""One route job end to end (``drive_job``), and the loop of a worker process that runs jobs.

A worker is started once per slot and drives route after route, so its start-up (imports,
compiled kernels, towns it has loaded) is paid once. It is told what to run over a pipe and
answers with the :class:`~sim.eval.route_record.RouteRecord`; everything the supervisor needs
while a route runs is in the shared :class:`~sim.run.watchdog.Heartbeat`. The worker ignores
Ctrl-C (the supervisor handles it) and dies with its parent.
"""

from __future__ import annotations

import ctypes
import logging
import os
import resource
import signal
import sys
import time
from dataclasses import dataclass

from sim.eval.route_record import RouteRecord, RouteStatus
from sim.paths import DATA_DIR_ENV, resolve_data_dir
from sim.run.agent_loading import AgentSpec
from sim.run.failures import Failure, failed_record
from sim.run.recorders import route_recorders
from sim.run.route_runner import RouteJob, run_route
from sim.run.watchdog import Heartbeat

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1  # prctl option: the signal a process gets when its parent dies (Linux)


@dataclass(frozen=True)
class WorkerSetup:
    """What a worker process sets up once, before its first route (picklable).

    Attributes:
        data_dir: the run's data directory, exported as ``CLOSED_LOOP_DATA`` so that every loader
            the agent calls (LangAuto instructions, maps) reads the same data as the runner.
        memory_mb: [MiB] ``RLIMIT_DATA`` of the process, or None.
        log_level: the run's logging level.
        torch_threads: math-library threads of the process, set before its first agent is built (one
            per worker: several workers share the cores; a model step on one thread is faster than on
            many contended ones).
    """

    data_dir: str | None = None
    memory_mb: int | None = None
    log_level: int = logging.WARNING
    torch_threads: int = 1


def limit_threads(threads: int) -> None:
    """Cap the intra-op threads of this process: the OpenMP / BLAS variables torch and numpy read when
    first imported, and torch's own setting when an agent already imported it (sim/ never imports it)."""
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def drive_job(
    job: RouteJob, agent: AgentSpec, options, heartbeat: Heartbeat | None = None, live=None, prompt=None
) -> RouteRecord:
    """Drive one job with the run's options (``options``: :class:`sim.run.benchmark_runner.RunOptions`).

    Its recorders (video, rerun recording) are built here, in the process that drives the route; ``live``
    and ``prompt`` are ``--debug``'s viewer and terminal prompt (:func:`sim.run.recorders.route_recorders`).
    """
    recorders = route_recorders(job.route_id, options.out_dir, options.save_video, options.record, live, prompt)
    try:
        return run_route(job, agent, options.world_config(), recorders, heartbeat=heartbeat)
    finally:
        if recorders:
            sys.stderr.flush()  # the video writer's messages before the next route's


def worker_main(connection, heartbeat_values, setup: WorkerSetup) -> None:
    """Receive ``(job, agent, options)``, answer ``(record, retire)``, until told ``None`` or orphaned.

    ``retire`` says this process stops after the answer (the agent ran out of memory or raised
    KeyboardInterrupt, and what it left behind is not trusted with another route).
    """
    _prepare_process(setup)
    heartbeat = Heartbeat(heartbeat_values)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return  # the supervisor is gone
        if message is None:
            return
        job, agent, options = message
        retire, started = False, time.perf_counter()
        try:
            record = drive_job(job, agent, options, heartbeat)
        except MemoryError:
            heartbeat.mark_out_of_memory()  # no allocation needed: the supervisor reads the flag
            os._exit(1)
        except KeyboardInterrupt:  # Ctrl-C is ignored here, so the agent raised it
            text = "agent raised KeyboardInterrupt during the route"
            record = failed_record(job, RouteStatus.AGENT_CRASHED, text, started, heartbeat.route_length)
            retire = True
        retire = retire or record.extra.get("failure") == Failure.OUT_OF_MEMORY.value
        connection.send((record, retire))
        if retire:
            return  # what the agent left behind is not trusted with another route


def _prepare_process(setup: WorkerSetup) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    logging.basicConfig(level=setup.log_level, format="%(levelname)s %(name)s: %(message)s")
    limit_threads(setup.torch_threads)
    if setup.data_dir:
        os.environ[DATA_DIR_ENV] = str(resolve_data_dir(setup.data_dir).resolve())
    if setup.memory_mb:
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
        limit = setup.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when the supervisor dies (e.g. ``kill -9`` of the run)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: orphans end when their pipe closes
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)
