"""Drive one route in the embedded world with a leaderboard agent and judge it.

The tick is the leaderboard's: sensors -> ``agent.run_step(input_data, time)`` -> apply the
control -> advance the world 1/20 s -> criteria -> observers. An agent that cannot be set up,
declares invalid sensors, raises, runs out of memory or returns a non-finite control ends its route
with a recorded failure status; ``destroy`` is called after every route, also after an exception.
Each ``run_step`` is stamped on a :class:`~sim.run.watchdog.Heartbeat`, which a supervising
process reads to stop an agent that hangs (see :mod:`sim.run.worker_pool`).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass, field

import numpy as np

from routes.route_types import LeaderboardVersion, RouteDescription, ScenarioSpec
from sim.eval.bench2drive_metric import route_smoothness
from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteRecord, RouteStatus, final_status
from sim.maps.global_plan import global_plan
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.run.agent_loading import AgentSpec, LeaderboardAgent, build_agent
from sim.run.carla_env.finder import carla_road_option
from sim.run.carla_env.install import CarlaEnvironment, leaderboard_environment
from sim.run.failures import Failure, failed_record
from sim.run.observers import MotionLog, Recorder, ScenarioReporter, TickObserver
from sim.run.record_fields import junction_threshold, record_fields, reported_length
from sim.run.watchdog import Heartbeat
from sim.world.config import WorldConfig
from sim.world.facade import FacadeWorld
from sim.world.sensors import SensorSuite, SensorTrack
from sim.world.world import World

logger = logging.getLogger(__name__)

MAX_SIMULATED_SECONDS = 3600.0  # [s] a guard far beyond every route timeout


@dataclass(frozen=True)
class RouteJob:
    """One route of a benchmark run (picklable, for worker processes).

    Attributes:
        index: position in the run (routes x repetitions).
        route: the route description.
        rules: scoring rules.
        seed: the world's seed.
        repetition: repetition number (0 first).
        lb1_scenarios: LB1 scenario triggers of the route's town (empty for LB2 routes).
        data_dir: the data directory.
        sensor_rules: whose sensor rules apply (a :class:`SensorTrack` value, e.g. ``"lmdrive"`` for LMDrive's
            data-collection fork), or None for the route's leaderboard.
    """

    index: int
    route: RouteDescription
    rules: LeaderboardRules
    seed: int
    repetition: int = 0
    lb1_scenarios: tuple[ScenarioSpec, ...] = ()
    data_dir: str | None = None
    sensor_rules: str | None = None

    @property
    def route_id(self) -> str:
        """The record's route id: 2.0 always appends ``_rep<k>``; 1.0 names every repetition
        ``RouteScenario_<id>`` (here repetitions after the first keep a ``_rep<k>``, so ids stay unique)."""
        if self.route.version is LeaderboardVersion.LB1 and self.repetition == 0:
            return self.route.name
        return f"{self.route.name}_rep{self.repetition}"


def run_route(
    job: RouteJob,
    agent_spec: AgentSpec,
    world_config: WorldConfig | None = None,
    recorder: Recorder | None = None,
    heartbeat: Heartbeat | None = None,
    observers: tuple[TickObserver, ...] = (),
) -> RouteRecord:
    """Drive ``job``'s route with the agent; never raises for agent or route failures.

    Args:
        recorder: keeps what the agent saw each tick (the video), or None.
        heartbeat: stamped around every ``run_step`` for a watchdog (a private one when None).
        observers: told about every tick after the criteria, besides the runner's own.
    """
    started = time.perf_counter()
    fields = record_fields(job.route, job.route_id, job.data_dir)
    heartbeat = heartbeat or Heartbeat()
    heartbeat.route_started()
    # 1. The town, the dense route and the world
    try:
        network = load_town(job.route.town, job.data_dir)
        keypoints = np.column_stack([job.route.keypoints, job.route.keypoints_carla[:, 2]])  # z picks the level
        route = plan_route(network, keypoints, source=job.route.source)
        world = World.from_route_description(
            network, job.route, route, world_config, job.seed, list(job.lb1_scenarios) or None
        )
    except Exception as error:  # a route that cannot be simulated is a simulation failure, not a crash of the run
        logger.exception("route %s could not be prepared", job.route_id)
        return failed_record(job, RouteStatus.SIMULATION_CRASHED, repr(error), started, reported_length(job.route),
                             fields=fields)  # fmt: skip
    length = reported_length(job.route, route)
    # 2. The world as agents read it through CARLA's API, and the agent in the lifecycle its class asks for
    facade = FacadeWorld(world, job.route.version, job.data_dir)
    with leaderboard_environment(facade, job.rules) as environment:
        options = carla_road_option()
        plan = global_plan(route, network.geo, sample_factor=None)
        try:
            agent = build_agent(agent_spec, job.route.version, (plan.gps_route(options), plan.world_route(options)),
                                save_name=job.route_id if job.rules is LeaderboardRules.BENCH2DRIVE else "",
                                route_index=job.route_id,
                                traffic_manager=environment.client.get_trafficmanager())  # fmt: skip
        except Exception as error:
            logger.exception("agent for %s could not be set up", job.route_id)
            return failed_record(job, RouteStatus.SETUP_FAILED, repr(error), started, length, fields=fields)
        try:
            try:
                specs = agent.sensors()
                track = SensorTrack(job.sensor_rules) if job.sensor_rules else _sensor_track(job.route.version)
                suite = SensorSuite.from_specs(specs, network, track=track, dt=world.config.dt)
            except Exception as error:
                return failed_record(job, RouteStatus.INVALID_SENSORS, repr(error), started, length, fields=fields)
            # 3. The closed loop
            criteria = RouteCriteria(network, route, job.rules)
            heartbeat.route_planned(route.length, criteria.route_timeout)
            motion = MotionLog()
            watchers = (motion, ScenarioReporter(criteria), *observers)
            loop = RouteLoop(world, agent, suite, environment, criteria, watchers, recorder, heartbeat)
            failure, error_text, kind = _drive(loop)
        finally:
            _destroy(agent, job.route_id)
            heartbeat.route_finished()
    # 4. The record
    events = criteria.finish()
    status = final_status(criteria.completed, events, job.rules, failure)
    if criteria.tick_cap_reached and not criteria.completed and failure is None:
        status = RouteStatus.TICK_RUNTIME
    samples = motion.samples() if job.route.version is LeaderboardVersion.LB2 else None
    if samples is not None:
        fields.update(smoothness=route_smoothness(samples), junction_completion=junction_threshold(network, route))
    return RouteRecord(
        index=job.index,
        route_id=job.route_id,
        town=job.route.town,
        status=status,
        route_completion=criteria.route_completion,
        infractions=events,
        route_length=length,
        duration_game=world.time,
        duration_system=time.perf_counter() - started,
        scenario_types=tuple(s.type for s in job.route.scenarios),
        error=error_text,
        extra={**fields, **({"failure": kind.value} if kind else {})},
        sensors=tuple(str(spec.get("type")) for spec in specs),
        motion=samples,
    )


@dataclass(frozen=True)
class RouteLoop:
    """The parts of one route's closed loop.

    Attributes:
        world: the embedded world.
        agent: the leaderboard agent driving it.
        sensors: renders the agent's sensors from each snapshot.
        environment: the world as the agent reads it through CARLA's API (told every new tick).
        criteria: judges every tick.
        observers: told about every tick after the criteria (Bench2Drive's motion log, scenario outcomes).
        recorder: keeps what the agent saw (the video), or None.
        heartbeat: stamped around every ``run_step`` for the watchdog.
    """

    world: World
    agent: LeaderboardAgent
    sensors: SensorSuite
    environment: CarlaEnvironment
    criteria: RouteCriteria
    observers: tuple[TickObserver, ...] = ()
    recorder: Recorder | None = None
    heartbeat: Heartbeat = field(default_factory=Heartbeat)


def _drive(loop: RouteLoop) -> tuple[RouteStatus | None, str, Failure | None]:
    """Tick until the route ends; returns (failure status or None, error text, fault kind or None)."""
    world, criteria = loop.world, loop.criteria
    snapshot = world.snapshot()
    while world.time < MAX_SIMULATED_SECONDS:
        input_data = loop.sensors.read(snapshot, snapshot.frame)
        loop.heartbeat.step_started()
        try:
            control = loop.agent.run_step(input_data, snapshot.time)
        except MemoryError as error:
            logger.error("agent ran out of memory at t=%.2f s", snapshot.time)
            text = f"agent ran out of memory at t={snapshot.time:.2f} s ({error!r})"
            return RouteStatus.AGENT_CRASHED, text, Failure.OUT_OF_MEMORY
        except Exception as error:
            logger.exception("agent crashed at t=%.2f s", snapshot.time)
            return RouteStatus.AGENT_CRASHED, repr(error), None
        loop.heartbeat.step_finished(snapshot.time, criteria.route_timeout)
        bad = _non_finite_fields(control)
        if bad:
            text = f"agent returned non-finite control fields {bad} at t={snapshot.time:.2f} s"
            return RouteStatus.AGENT_CRASHED, text, None
        if loop.recorder is not None:
            loop.recorder.add(snapshot, input_data)
        world.apply(control)
        world.tick()
        snapshot = world.snapshot()  # judged now, and what the agent senses next tick
        loop.environment.facade.update(snapshot)
        loop.environment.tick()
        criteria.update(snapshot)
        for observer in loop.observers:
            observer.after_tick(world, snapshot)
        if criteria.completed or criteria.terminated is not None or criteria.tick_cap_reached:
            return None, "", None
    return None, "", None


def _sensor_track(version: LeaderboardVersion) -> SensorTrack:
    return SensorTrack.LB1 if version is LeaderboardVersion.LB1 else SensorTrack.LB2


def _non_finite_fields(control) -> list[str]:
    fields = ("throttle", "steer", "brake")
    return [name for name in fields if not math.isfinite(float(getattr(control, name, float("nan"))))]


def _destroy(agent, route_id: str) -> None:
    try:
        agent.destroy()
    except Exception:
        logger.exception("agent.destroy() raised after %s", route_id)
