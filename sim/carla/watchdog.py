"""Detects a dead or hung server while a route runs, long before the client's own 600 s timeout.

- dead: the server process exited;
- hung: its frame has not advanced for ``tick_timeout_s`` and it does not answer the probe.

A server that answers but does not tick is idle, not hung: its client is loading a town or
setting up the agent (the evaluator's own watchdog bounds the agent). The judgement is a pure
function of observations (:class:`TickMonitor`); :class:`Watchdog` feeds it from a thread.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sim.carla.probe import ProbeError, ServerProbe, ask


class ServerHealth(enum.Enum):
    HEALTHY = "healthy"
    DEAD = "dead"
    HUNG = "hung"


@dataclass(frozen=True)
class Verdict:
    health: ServerHealth
    reason: str = ""


class TickMonitor:
    """Health from a stream of observations ``(time [s], frame or None if unanswered, exit code or None)``."""

    def __init__(self, tick_timeout_s: float, now: float) -> None:
        self.tick_timeout_s = tick_timeout_s
        self.last_frame: int | None = None
        self.last_progress = now
        self.verdict = Verdict(ServerHealth.HEALTHY)

    def observe(self, now: float, frame: int | None, exit_code: int | None) -> Verdict:
        if self.verdict.health is not ServerHealth.HEALTHY:
            return self.verdict  # a verdict is final
        if exit_code is not None:
            self.verdict = Verdict(ServerHealth.DEAD, f"server process exited with code {exit_code}")
        elif frame is not None and frame != self.last_frame:
            self.last_frame, self.last_progress = frame, now
        elif frame is None and now - self.last_progress >= self.tick_timeout_s:
            stalled = now - self.last_progress
            self.verdict = Verdict(
                ServerHealth.HUNG, f"server hung: no tick for {stalled:.0f} s and no answer to the client API"
            )
        return self.verdict


class Watchdog:
    """Polls one server from a daemon thread until stopped or a verdict is reached.

    Args:
        probe: the server's probe.
        exit_code: returns the server process's exit code, None while it runs.
        tick_timeout_s: see :class:`TickMonitor`.
        probe_timeout_s: [s] per probe.
        poll_interval_s: [s] between probes.
    """

    def __init__(
        self,
        probe: ServerProbe,
        exit_code: Callable[[], int | None],
        tick_timeout_s: float,
        probe_timeout_s: float,
        poll_interval_s: float,
    ) -> None:
        self.probe = probe
        self.exit_code = exit_code
        self.probe_timeout_s = probe_timeout_s
        self.poll_interval_s = poll_interval_s
        self.monitor = TickMonitor(tick_timeout_s, time.monotonic())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="carla-watchdog", daemon=True)

    @property
    def verdict(self) -> Verdict:
        return self.monitor.verdict

    def start(self) -> Watchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.probe_timeout_s + self.poll_interval_s + 1.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            code = self.exit_code()
            frame = None
            if code is None:
                try:
                    frame = ask(self.probe.frame, self.probe_timeout_s)
                except ProbeError:
                    frame = None
            if self.monitor.observe(time.monotonic(), frame, code).health is not ServerHealth.HEALTHY:
                return
            self._stop.wait(self.poll_interval_s)
