"""One route's closed loop, one tick at a time: the runner drives it to the end, the debugger steps it.

The tick is the leaderboard's: sensors -> ``agent.run_step(input_data, time)`` -> apply the
control -> advance the world 1/20 s -> criteria -> observers -> recorders. An agent that cannot be
set up, declares invalid sensors, raises, runs out of memory or returns a non-finite control ends
its route with a recorded failure status; ``destroy`` is called after every route, also after an
exception. From import to ``destroy`` the agent lives in the route's CARLA environment
(:mod:`sim.run.carla_env`): the world as CARLA's API (:class:`~sim.world.facade.FacadeWorld`) in
``CarlaDataProvider``, and the leaderboard's modules where none are installed. Each ``run_step`` is
stamped on a :class:`~sim.run.watchdog.Heartbeat`, which a supervising process reads to stop an agent
that hangs (see :mod:`sim.run.worker_pool`). Recorders look at every tick and never change it: one
that raises is logged and dropped.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time

import numpy as np

from routes.route_types import LeaderboardVersion
from sim.eval.bench2drive_metric import route_smoothness
from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord, RouteStatus, final_status
from sim.maps.global_plan import global_plan
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.run.agent_loading import AgentSpec, build_agent
from sim.run.carla_env.finder import carla_road_option
from sim.run.carla_env.install import leaderboard_environment
from sim.run.failures import Failure
from sim.run.observers import MotionLog, RouteRecorder, RouteScene, ScenarioReporter, TickObserver, TickRecord
from sim.run.record_fields import junction_threshold, record_fields, reported_length
from sim.run.route_job import RouteJob
from sim.run.watchdog import Heartbeat
from sim.world.config import WorldConfig
from sim.world.facade import FacadeWorld
from sim.world.sensors import SensorSuite, SensorTrack
from sim.world.world import World

logger = logging.getLogger(__name__)

MAX_SIMULATED_SECONDS = 3600.0  # [s] a guard far beyond every route timeout


class RouteSetupError(RuntimeError):
    """The route could not start; ``status`` says why (simulation, agent setup or sensors)."""

    def __init__(self, status: RouteStatus, error: str, route_length: float = 0.0, fields: dict | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.route_length = status, error, route_length
        self.fields = dict(fields or {})  # the results formats' extra fields, known before the route starts


class RouteSession:
    """The world, the agent and the criteria of one route; :meth:`step` runs one tick.

    Raises :class:`RouteSetupError` from the constructor when the route cannot start (the agent,
    if it was built, is destroyed first).
    """

    def __init__(
        self,
        job: RouteJob,
        agent_spec: AgentSpec,
        world_config: WorldConfig | None = None,
        recorders: tuple[RouteRecorder, ...] = (),
        heartbeat: Heartbeat | None = None,
        observers: tuple[TickObserver, ...] = (),
    ) -> None:
        self.job, self.started = job, time.perf_counter()
        self.recorders = list(recorders)
        self.failure: RouteStatus | None = None
        self.error, self.fault = "", None  # fault: a Failure the record's meta names (out of memory)
        self.heartbeat = heartbeat or Heartbeat()
        self.heartbeat.route_started()
        self._out_of_time = False
        self.fields = record_fields(job.route, job.route_id, job.data_dir)
        # 1. The town, the dense route and the world
        try:
            self.network = load_town(job.route.town, job.data_dir)
            keypoints = np.column_stack([job.route.keypoints, job.route.keypoints_carla[:, 2]])  # z picks the level
            self.route = plan_route(self.network, keypoints, source=job.route.source)
            self.world = World.from_route_description(
                self.network, job.route, self.route, world_config, job.seed, list(job.lb1_scenarios) or None
            )
        except Exception as error:  # a route that cannot be simulated is a simulation failure, not a crash of the run
            logger.exception("route %s could not be prepared", job.route_id)
            length = reported_length(job.route)
            raise RouteSetupError(RouteStatus.SIMULATION_CRASHED, repr(error), length, self.fields) from error
        self.length = reported_length(job.route, self.route)
        # 2. The world as agents read it through CARLA's API, and the agent in the lifecycle its class asks for
        self._environment = contextlib.ExitStack()
        self.facade = FacadeWorld(self.world, job.route.version, job.data_dir)
        self.environment = self._environment.enter_context(leaderboard_environment(self.facade, job.rules))
        options = carla_road_option()
        plan = global_plan(self.route, self.network.geo, sample_factor=None)
        try:
            routes = (plan.gps_route(options), plan.world_route(options))
            self.agent = build_agent(agent_spec, job.route.version, routes,
                                     save_name=job.route_id if job.rules is LeaderboardRules.BENCH2DRIVE else "",
                                     route_index=job.route_id,
                                     traffic_manager=self.environment.client.get_trafficmanager())  # fmt: skip
        except Exception as error:
            logger.exception("agent for %s could not be set up", job.route_id)
            self._environment.close()
            raise RouteSetupError(RouteStatus.SETUP_FAILED, repr(error), self.length, self.fields) from error
        try:
            self.specs = self.agent.sensors()
            track = SensorTrack(job.sensor_rules) if job.sensor_rules else _track(job.route.version)
            self.sensors = SensorSuite.from_specs(self.specs, self.network, track=track, dt=self.world.config.dt)
        except Exception as error:
            _destroy(self.agent, job.route_id)
            self._environment.close()
            raise RouteSetupError(RouteStatus.INVALID_SENSORS, repr(error), self.length, self.fields) from error
        # 3. The judges, the watchers and the first snapshot
        self.criteria = RouteCriteria(self.network, self.route, job.rules)
        self.heartbeat.route_planned(self.route.length, self.criteria.route_timeout)
        self.motion = MotionLog()
        self.observers = (self.motion, ScenarioReporter(self.criteria), *observers)
        self.snapshot = self.world.snapshot()
        self.scene = RouteScene(job.route_id, self.network, self.route, job.seed, tuple(self.sensors.cameras))
        for recorder in list(self.recorders):
            self._tell(recorder, "start", self.scene)

    @property
    def ended(self) -> bool:
        """The route is over: completed, terminated by a criterion, out of ticks, or the agent failed."""
        return self.failure is not None or self.criteria.finished or self._out_of_time

    def step(self) -> TickRecord | None:
        """Run one tick; ``None`` when the route had already ended or the agent failed on this tick."""
        if self.ended:
            return None
        world, snapshot = self.world, self.snapshot
        # 1. What the agent senses
        input_data = self.sensors.read(snapshot, snapshot.frame)
        # 2. The agent acts; a crash or a non-finite control ends the route
        self.heartbeat.step_started()
        try:
            control = self.agent.run_step(input_data, snapshot.time)
        except MemoryError as error:
            logger.error("agent ran out of memory at t=%.2f s", snapshot.time)
            self.failure, self.fault = RouteStatus.AGENT_CRASHED, Failure.OUT_OF_MEMORY
            self.error = f"agent ran out of memory at t={snapshot.time:.2f} s ({error!r})"
            return None
        except Exception as error:
            logger.exception("agent crashed at t=%.2f s", snapshot.time)
            self.failure, self.error = RouteStatus.AGENT_CRASHED, repr(error)
            return None
        self.heartbeat.step_finished(snapshot.time, self.criteria.route_timeout)
        bad = _non_finite_fields(control)
        if bad:
            self.failure = RouteStatus.AGENT_CRASHED
            self.error = f"agent returned non-finite control fields {bad} at t={snapshot.time:.2f} s"
            return None
        # 3. The world advances and is judged (the judged snapshot is what the agent senses next)
        world.apply(control)
        world.tick()
        self.snapshot = world.snapshot()
        self.facade.update(self.snapshot)  # what the agent reads through CARLA's API next tick
        self.environment.tick()
        before = len(self.criteria.events)
        self.criteria.update(self.snapshot)
        for observer in self.observers:
            observer.after_tick(world, self.snapshot)
        self._out_of_time = world.time >= MAX_SIMULATED_SECONDS
        # 4. The recorders look
        tick = TickRecord(snapshot, input_data, control, self.snapshot, self.criteria.events[before:], self.agent)
        for recorder in list(self.recorders):
            self._tell(recorder, "add", tick)
        return tick

    def close(self) -> RouteRecord:
        """Destroy the agent, finish the criteria and return the route's record (recorders are closed)."""
        try:
            _destroy(self.agent, self.job.route_id)
        finally:
            self._environment.close()
            self.heartbeat.route_finished()
        criteria, job = self.criteria, self.job
        events = criteria.finish()
        status = final_status(criteria.completed, events, job.rules, self.failure)
        if criteria.tick_cap_reached and not criteria.completed and self.failure is None:
            status = RouteStatus.TICK_RUNTIME
        samples = self.motion.samples() if job.route.version is LeaderboardVersion.LB2 else None
        if samples is not None:
            self.fields.update(
                smoothness=route_smoothness(samples), junction_completion=junction_threshold(self.network, self.route)
            )
        record = RouteRecord(
            index=job.index,
            route_id=job.route_id,
            town=job.route.town,
            status=status,
            route_completion=criteria.route_completion,
            infractions=events,
            route_length=self.length,
            duration_game=self.world.time,
            duration_system=time.perf_counter() - self.started,
            scenario_types=tuple(s.type for s in job.route.scenarios),
            error=self.error,
            extra={**self.fields, **({"failure": self.fault.value} if self.fault else {})},
            sensors=tuple(str(spec.get("type")) for spec in self.specs),
            motion=samples,
        )
        close_recorders(self.recorders, record)
        return record

    def _tell(self, recorder: RouteRecorder, method: str, argument) -> None:
        try:
            getattr(recorder, method)(argument)
        except Exception:
            logger.exception("recorder %s.%s failed; it records nothing more", type(recorder).__name__, method)
            self.recorders.remove(recorder)


def close_recorders(recorders, record: RouteRecord) -> None:
    """Close every recorder with the route's record; a failing one is logged, the others still close."""
    for recorder in recorders:
        try:
            recorder.close(record)
        except Exception:
            logger.exception("recorder %s failed to close", type(recorder).__name__)


def _track(version: LeaderboardVersion) -> SensorTrack:
    return SensorTrack.LB1 if version is LeaderboardVersion.LB1 else SensorTrack.LB2


def _non_finite_fields(control) -> list[str]:
    fields = ("throttle", "steer", "brake")
    return [name for name in fields if not math.isfinite(float(getattr(control, name, float("nan"))))]


def _destroy(agent, route_id: str) -> None:
    try:
        agent.destroy()
    except Exception:
        logger.exception("agent.destroy() raised after %s", route_id)
