"""Wall-clock limits on an agent's steps and routes, watched from outside the process that runs them.

A worker process drives one route at a time and stamps a :class:`Heartbeat` in shared memory:
when the route started, when the current ``run_step`` started, and the route's simulated timeout
as the criteria hold it. The supervisor reads it without any message from the worker, so an agent
that hangs (in Python or in C), spins, or sleeps cannot hide: :meth:`Heartbeat.overdue` names the
limit it broke and the supervisor kills and replaces the worker.
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class WatchdogLimits:
    """How long an agent may take, and how much memory a worker may hold (0 / None: no limit).

    Attributes:
        step_seconds: [s] wall clock of one ``run_step`` after the first (the first may load models).
        route_factor: a route may take this many times its simulated timeout on the wall clock...
        setup_seconds: [s] ...plus this for loading the town, planning the route, building the agent
            and its first step.
        memory_mb: [MiB] data-segment limit of each worker process (``RLIMIT_DATA``: heap and private
            writable mappings, so a GPU runtime's address-space reservations do not count).
    """

    step_seconds: float = 60.0
    route_factor: float = 2.0
    setup_seconds: float = 600.0
    memory_mb: int | None = None

    def __post_init__(self) -> None:
        for name in ("step_seconds", "route_factor", "setup_seconds"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0.0):
                raise ValueError(f"watchdog limit {name} = {value!r}: expected a finite number >= 0 (0: no limit)")
        if self.memory_mb is not None and not (isinstance(self.memory_mb, int) and self.memory_mb > 0):
            raise ValueError(f"memory_mb = {self.memory_mb!r}: expected a positive number of MiB or None")


class Beat(enum.IntEnum):
    """Slots of the shared heartbeat array (float64 each)."""

    ROUTE_START = 0  # [s] monotonic clock when the route began; 0 between routes
    STEP_START = 1  # [s] monotonic clock when the running run_step began; 0 when none runs
    STEPS = 2  # run_step calls finished on this route
    GAME_TIME = 3  # [s] simulated time reached
    ROUTE_TIMEOUT = 4  # [s] the route's simulated timeout (criteria); 0 until known
    ROUTE_LENGTH = 5  # [m] dense route length; 0 until planned
    OUT_OF_MEMORY = 6  # 1 when the worker gave up after a MemoryError


HEARTBEAT_SLOTS = len(Beat)


class Heartbeat:
    """The worker's side writes, the supervisor's side reads; ``values`` is any float64 sequence
    (a ``multiprocessing`` shared array between processes, a list inside one)."""

    def __init__(self, values=None) -> None:
        self.values = values if values is not None else [0.0] * HEARTBEAT_SLOTS

    def route_started(self) -> None:
        for beat in Beat:
            self.values[beat] = 0.0
        self.values[Beat.ROUTE_START] = time.monotonic()

    def route_planned(self, length: float, route_timeout: float) -> None:
        self.values[Beat.ROUTE_LENGTH] = float(length)
        self.values[Beat.ROUTE_TIMEOUT] = float(route_timeout)

    def step_started(self) -> None:
        self.values[Beat.STEP_START] = time.monotonic()

    def step_finished(self, game_time: float, route_timeout: float) -> None:
        self.values[Beat.STEP_START] = 0.0
        self.values[Beat.STEPS] += 1.0
        self.values[Beat.GAME_TIME] = float(game_time)
        self.values[Beat.ROUTE_TIMEOUT] = float(route_timeout)

    def route_finished(self) -> None:
        self.values[Beat.ROUTE_START] = 0.0
        self.values[Beat.STEP_START] = 0.0

    def mark_out_of_memory(self) -> None:
        self.values[Beat.OUT_OF_MEMORY] = 1.0

    @property
    def out_of_memory(self) -> bool:
        return self.values[Beat.OUT_OF_MEMORY] > 0.0

    @property
    def route_length(self) -> float:
        return float(self.values[Beat.ROUTE_LENGTH])

    @property
    def game_time(self) -> float:
        return float(self.values[Beat.GAME_TIME])

    def overdue(self, limits: WatchdogLimits, now: float | None = None) -> str | None:
        """Why the route in flight broke a limit, or None while it keeps within them."""
        now = time.monotonic() if now is None else now
        started, step_started = self.values[Beat.ROUTE_START], self.values[Beat.STEP_START]
        steps, game_time = int(self.values[Beat.STEPS]), self.game_time
        if started <= 0.0:
            return None
        if limits.step_seconds and step_started > 0.0 and steps >= 1 and now - step_started > limits.step_seconds:
            return (
                f"agent hung: run_step {steps + 1} (t={game_time:.2f} s) ran longer than the {limits.step_seconds:g} s "
                "step limit (--step-limit)"
            )
        timeout = self.values[Beat.ROUTE_TIMEOUT]
        if limits.route_factor and now - started > limits.setup_seconds + limits.route_factor * timeout:
            return (
                f"agent hung: the route ran longer than its wall-clock limit of "
                f"{limits.setup_seconds + limits.route_factor * timeout:.0f} s ({limits.route_factor:g} x the "
                f"{timeout:.0f} s route timeout + {limits.setup_seconds:g} s setup; --route-limit-factor), "
                f"{steps} steps done, t={game_time:.2f} s"
            )
        return None
