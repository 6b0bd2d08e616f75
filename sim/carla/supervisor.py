"""One CARLA server and the routes it runs, one evaluator process per route attempt.

For each route:

1. make sure the server runs (start it, restart it after a failure, recycle it every K routes);
2. run the official evaluator on that route alone, with its own checkpoint file, while the
   watchdog follows the server's ticks;
3. read the evaluator's record. A route ends with the evaluator's record, or with one of two
   terminal statuses of our own: ``Failed - Simulation crashed`` (the server died or hung on every
   one of ``max_attempts`` attempts) or ``Failed - Agent crashed`` (the evaluator, i.e. the agent,
   died or stalled while the server was healthy; not retried, since an agent's bug repeats).
"""

from __future__ import annotations

import enum
import logging
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path

from sim.carla.checkpoint import finished_record, read_checkpoint, recomputed_score_gap, record_from_evaluator
from sim.carla.config import SupervisorConfig
from sim.carla.evaluator import CarlaRoute, evaluator_call
from sim.carla.process_group import kill_group
from sim.carla.server import ServerProcess, ServerStartError
from sim.carla.watchdog import ServerHealth, Watchdog
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord, RouteStatus

logger = logging.getLogger(__name__)

WAIT_STEP_S = 0.1  # [s] polling of the evaluator process
SCORE_GAP_WARNING = 1e-3  # [DS points] recomputed vs the evaluator's own driving score


class Outcome(enum.Enum):
    FINISHED = "finished"  # the evaluator wrote the route's record
    SIMULATOR_FAILED = "simulator failed"  # server dead or hung, or the evaluator reported a simulation crash
    AGENT_FAILED = "agent failed"  # the evaluator ended without a record while the server was healthy


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    reason: str = ""
    record: RouteRecord | None = None


class RouteSupervisor:
    """Runs routes on one server.

    Args:
        config: server, evaluator and retry settings.
        gpu: the graphics adapter of this supervisor's server.
        agent: (agent .py path, config string) as the evaluator takes them.
        rules: scoring rules (to compare our recomputed scores with the evaluator's).
    """

    def __init__(self, config: SupervisorConfig, gpu: int, agent: tuple[str, str], rules: LeaderboardRules) -> None:
        self.config = config
        self.gpu = gpu
        self.agent = agent
        self.rules = rules
        self.work_dir = Path(config.work_dir).resolve()
        self.server = ServerProcess(config.server, gpu, self.work_dir / "servers", config.evaluator.python)
        self.routes_on_server = 0
        self._evaluator: subprocess.Popen | None = None
        self._aborted = False

    def run_route(self, route: CarlaRoute) -> RouteRecord:
        """Run ``route`` to a record; never raises for server, evaluator or agent failures."""
        started, reasons = time.perf_counter(), []
        for number in range(1, self.config.max_attempts + 1):
            if self._aborted:
                break
            try:
                self._ensure_server()
            except ServerStartError as error:
                reasons.append(f"attempt {number}: {error}")
                continue
            attempt = self._attempt(route, number)
            self.routes_on_server += 1
            if attempt.outcome is Outcome.FINISHED:
                return _with_extra(attempt.record, attempts=number, attempt_errors=reasons)
            logger.warning("%s attempt %d on GPU %d: %s", route.name, number, self.gpu, attempt.reason)
            reasons.append(f"attempt {number}: {attempt.reason}")
            self.server.stop()  # whatever state the interrupted route left, the next attempt gets a fresh server
            if attempt.outcome is Outcome.AGENT_FAILED:
                return _failed(route, RouteStatus.AGENT_CRASHED, reasons, number, started)
        return _failed(route, RouteStatus.SIMULATION_CRASHED, reasons, self.config.max_attempts, started)

    def close(self) -> None:
        self.server.stop()

    def abort(self) -> None:
        """End the running evaluator and the server now (from another thread); no further attempts."""
        self._aborted = True
        evaluator = self._evaluator
        if evaluator is not None:
            kill_group(evaluator.pid, self.config.server.stop_grace_s, evaluator)

    def _ensure_server(self) -> None:
        recycle = self.config.server.recycle_every
        if self.server.pid is not None and recycle and self.routes_on_server >= recycle:
            logger.info("recycling the server on GPU %d after %d routes", self.gpu, self.routes_on_server)
            self.server.stop()
        if self.server.pid is None or self.server.exit_code() is not None:
            self.server.stop()
            self.server.start()
            self.routes_on_server = 0

    def _attempt(self, route: CarlaRoute, number: int) -> Attempt:
        server = self.server.config
        call = evaluator_call(self.config.evaluator, self.agent, route, server.host, self.server.ports, self.gpu,
                              self.work_dir / route.name / f"attempt{number}")  # fmt: skip
        watchdog = Watchdog(self.server.probe, self.server.exit_code, server.tick_timeout_s,
                            server.probe_timeout_s, server.poll_interval_s).start()  # fmt: skip
        with open(call.log, "w") as log:
            process = subprocess.Popen(call.argv, cwd=call.cwd, env=call.env, stdout=log, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        self._evaluator = process
        self.server.registry.add(process.pid, f"--checkpoint={call.checkpoint}")  # reaped if we are killed
        try:
            stopped_by = self._wait(process, watchdog)
        finally:
            watchdog.stop()
            self.server.registry.remove(process.pid)
            self._evaluator = None
        return self._judge(route, call, process.returncode, stopped_by, watchdog)

    def _wait(self, process: subprocess.Popen, watchdog: Watchdog) -> str:
        """Wait for the evaluator; end its process group early if the server fails or time runs out."""
        deadline = time.monotonic() + self.config.evaluator.route_wall_limit_s
        while process.poll() is None:
            if watchdog.verdict.health is not ServerHealth.HEALTHY or time.monotonic() > deadline:
                kill_group(process.pid, self.config.server.stop_grace_s, process)
                process.wait()
                return "watchdog" if watchdog.verdict.health is not ServerHealth.HEALTHY else "wall clock"
            time.sleep(WAIT_STEP_S)
        return ""

    def _judge(self, route: CarlaRoute, call, returncode: int, stopped_by: str, watchdog: Watchdog) -> Attempt:
        payload = read_checkpoint(call.checkpoint)
        raw = finished_record(payload, route.route_id)
        if raw is not None and raw.get("status") != RouteStatus.SIMULATION_CRASHED.value:
            record = record_from_evaluator(raw, route.index, route.name, route.town, route.scenario_types)
            record = replace(record, sensors=tuple(payload.get("sensors") or ()) or None)  # the evaluator's icons
            gap = recomputed_score_gap(record, self.rules)
            if gap > SCORE_GAP_WARNING:
                logger.warning("%s: recomputed DS differs from the evaluator's by %.4f", route.name, gap)
            return Attempt(Outcome.FINISHED, record=record)
        exit_code = self.server.exit_code()
        if watchdog.verdict.health is not ServerHealth.HEALTHY:
            return Attempt(Outcome.SIMULATOR_FAILED, watchdog.verdict.reason)
        if exit_code is not None:
            return Attempt(Outcome.SIMULATOR_FAILED, f"server process exited with code {exit_code}")
        if raw is not None:
            return Attempt(Outcome.SIMULATOR_FAILED, f"the evaluator reported a simulation crash (log {call.log})")
        if stopped_by == "wall clock":
            limit = self.config.evaluator.route_wall_limit_s
            return Attempt(Outcome.AGENT_FAILED, f"the evaluator ran past {limit:.0f} s of wall clock (log {call.log})")
        return Attempt(Outcome.AGENT_FAILED, f"the evaluator exited with code {returncode} and no record for the "
                                             f"route while the server was healthy (log {call.log})")  # fmt: skip


def _with_extra(record: RouteRecord, **extra) -> RouteRecord:
    return replace(record, extra={**record.extra, **extra})


def _failed(route: CarlaRoute, status: RouteStatus, reasons: list[str], attempts: int, started: float) -> RouteRecord:
    return RouteRecord(
        index=route.index,
        route_id=route.name,
        town=route.town,
        status=status,
        route_completion=0.0,
        infractions=(),
        route_length=0.0,
        duration_game=0.0,
        duration_system=time.perf_counter() - started,
        scenario_types=route.scenario_types,
        error="; ".join(reasons),
        extra={"attempts": attempts},
    )
