"""Records of routes that could not be driven to their end: the agent or the simulation broke.

The status is the leaderboard's (``Failed - Agent crashed`` for anything the agent did); what
happened is in ``meta.error`` (a sentence) and, for faults the watchdog sees from outside the
agent's process, ``meta.failure`` (one word: ``hung``, ``exited``, ``signal``, ``out_of_memory``).
"""

from __future__ import annotations

import enum
import signal
import time

from sim.eval.route_record import RouteRecord, RouteStatus
from sim.run.record_fields import record_fields


class Failure(enum.Enum):
    """Faults of an agent's process that the supervisor detects (``meta.failure``)."""

    HUNG = "hung"
    EXITED = "exited"
    SIGNAL = "signal"
    OUT_OF_MEMORY = "out_of_memory"


def failed_record(
    job,
    status: RouteStatus,
    error: str,
    started: float,
    length: float = 0.0,
    game_time: float = 0.0,
    failure: Failure | None = None,
    fields: dict | None = None,
) -> RouteRecord:
    """A route that ended before its criteria could judge it: RC 0, no infractions.

    Args:
        job: the :class:`sim.run.route_runner.RouteJob`.
        started: ``time.perf_counter()`` when the route began (for ``duration_system``).
        length: [m] the route length the record reports, when known; game_time: [s] simulated time reached.
        fields: the results format's route fields (:func:`sim.run.record_fields.record_fields`; computed
            here when None).
    """
    if fields is None:
        fields = record_fields(job.route, job.route_id, job.data_dir)
    return RouteRecord(
        index=job.index,
        route_id=job.route_id,
        town=job.route.town,
        status=status,
        route_completion=0.0,
        infractions=(),
        route_length=length,
        duration_game=game_time,
        duration_system=time.perf_counter() - started,
        scenario_types=tuple(s.type for s in job.route.scenarios),
        error=error,
        extra={**fields, **({"failure": failure.value} if failure is not None else {})},
    )


def exit_description(exitcode: int | None, out_of_memory: bool, memory_mb: int | None) -> tuple[Failure, str]:
    """What a worker's exit code says about the agent that ran in it."""
    if out_of_memory:
        limit = f"the {memory_mb} MiB limit per worker (--memory-limit)" if memory_mb else "the machine's memory"
        return Failure.OUT_OF_MEMORY, f"agent ran out of memory: it needed more than {limit}"
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown signal"
        hint = "; the kernel's out-of-memory killer sends SIGKILL" if number == signal.SIGKILL else ""
        return Failure.SIGNAL, f"agent process killed by signal {number} ({name}){hint}"
    return Failure.EXITED, f"agent process exited with code {exitcode} during the route (sys.exit or os._exit)"
