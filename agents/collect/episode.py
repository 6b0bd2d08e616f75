"""One episode: drive one training route with one seed in the embedded world and write its samples.

The tick is the benchmark runner's (sensors -> agent -> control -> world tick -> criteria) with
three additions: the executed control may carry a perturbation burst, the dataset cameras are
rendered on sampled ticks only (every ``sample.every_ticks`` ticks), and each sampled tick becomes
a sample. The episode ends when the leaderboard criteria end the route (completed, blocked,
deviated, timed out) or after ``max_episode_seconds``; it is committed atomically at the end.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from agents.adapters import leaderboard_io as io
from agents.collect.agent import EXPERT, CollectingAgent
from agents.collect.material import ScoringMaterial
from agents.collect.perturbation import Perturber
from agents.collect.sample import ego_state_row, object_boxes, sample_fields
from agents.collect.sample_buffer import SampleBuffer
from agents.collect.settings import CollectSettings
from agents.collect.training_routes import TrainingRoute
from agents.instructions import InstructionConfig, InstructionManager
from models.common.driving_data import DatasetWriter, EpisodeInfo
from routes.lb1_scenarios import match_triggers
from routes.route_types import LeaderboardVersion, ScenarioSpec
from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import LeaderboardRules
from sim.eval.route_record import RouteStatus, final_status
from sim.maps.global_plan import global_plan
from sim.maps.town import load_town
from sim.run.carla_env.install import CarlaEnvironment, leaderboard_environment
from sim.world.bev_raster import bev_raster
from sim.world.config import TrafficConfig, WorldConfig
from sim.world.ego import Control
from sim.world.facade import FacadeWorld
from sim.world.sensors import SensorSuite, SensorTrack
from sim.world.world import World

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 20  # [samples] between progress reports
STANDSTILL_SPEED = 0.1  # [m/s] slower than this counts as standing still


@dataclass(frozen=True)
class EpisodeSpec:
    """One planned episode: its id (the shard name), route, seed and split."""

    episode_id: str
    route: TrainingRoute
    seed: int
    split: str

    def info(self) -> EpisodeInfo:
        route = self.route
        return EpisodeInfo(self.episode_id, route.town, route.route_id, route.source, self.seed, self.split)


@dataclass
class EpisodeContext:
    """What a worker keeps between episodes: settings, the dataset writer, scenario triggers, texts."""

    settings: CollectSettings
    writer: DatasetWriter
    lb1_scenarios: dict[str, list[ScenarioSpec]]
    instruction_texts: dict[int, list[str]]
    data_dir: str | None = None
    report: Callable[[int], None] = field(default=lambda samples: None)


@dataclass
class _Loop:
    """The parts of one episode's closed loop."""

    world: World
    agent: CollectingAgent
    agent_sensors: SensorSuite
    cameras: SensorSuite
    facade: FacadeWorld
    environment: CarlaEnvironment
    criteria: RouteCriteria
    perturber: Perturber


def run_episode(spec: EpisodeSpec, ctx: EpisodeContext) -> EpisodeInfo:
    """Drive ``spec`` and commit its samples; raises (nothing is committed) when the episode fails."""
    # 1. the town, the world (also as CARLA's API, which the expert reads) and the agent on this route
    with contextlib.ExitStack() as stack:
        loop = _build_loop(spec, ctx, stack)
        return _collect(spec, ctx, loop)


def _collect(spec: EpisodeSpec, ctx: EpisodeContext, loop: _Loop) -> EpisodeInfo:
    settings = ctx.settings
    horizon = (settings.sample.horizon_steps, settings.sample.horizon_interval)
    # 2. drive, buffering samples until their future is known
    with ctx.writer.episode(spec.info()) as writer:
        buffer = SampleBuffer(writer, settings.sample.horizon_steps)
        material = ScoringMaterial(loop.world.network, loop.world.route, settings.sample.track_radius)
        cut_short = _drive(loop, settings, horizon, buffer, material, ctx.report)
        # 3. the last samples, the scoring material, the status
        buffer.finish(loop.criteria.completed)
        material.store(writer)
        status = final_status(loop.criteria.completed, loop.criteria.finish(), LeaderboardRules.LB1, cut_short)
        return writer.commit(status.value)


def _build_loop(spec: EpisodeSpec, ctx: EpisodeContext, stack: contextlib.ExitStack) -> _Loop:
    settings, route = ctx.settings, spec.route.route
    network = load_town(spec.route.town, ctx.data_dir)
    matched = match_triggers(route.points[:, :2], route.points[:, 2], ctx.lb1_scenarios.get(route.town, []))
    config = WorldConfig(traffic=TrafficConfig(density_scale=settings.density_scale))
    world = World(network, route, config, spec.seed, spec.route.scenarios, matched)
    facade = FacadeWorld(world, LeaderboardVersion.LB1, ctx.data_dir)
    environment = stack.enter_context(leaderboard_environment(facade, LeaderboardRules.LB1))
    agent = CollectingAgent(settings.driver_config or settings.driver, settings.sample.signal_range)
    plan = global_plan(route, network.geo, sample_factor=None)
    agent.set_global_plan(plan.gps_route(), plan.world_route())
    instructions = InstructionManager(
        *io.plan_points(network.geo, plan.gps_route()), seed=spec.seed, config=InstructionConfig(notices=True),
        texts=ctx.instruction_texts, scenario_triggers=_notice_triggers(world),
    )  # fmt: skip
    agent.labelling.start(instructions)
    specs = agent.sensors()
    perturbation = settings.perturbation
    if settings.driver != EXPERT or settings.driver_config:  # a learned driver drives as it would (DAgger)
        perturbation = type(perturbation)(**{**perturbation.__dict__, "enabled": False})
    return _Loop(
        world=world,
        agent=agent,
        agent_sensors=SensorSuite.from_specs(specs, network),
        cameras=SensorSuite.from_specs(list(settings.cameras), network, track=SensorTrack.LB2),
        facade=facade,
        environment=environment,
        criteria=RouteCriteria(network, route, LeaderboardRules.LB1),
        perturber=Perturber(perturbation, route, network, spec.seed),
    )


def _notice_triggers(world: World) -> list[tuple[np.ndarray, int]]:
    """(trigger position, LB1 scenario number) of the route's LB1 scenarios (LangAuto's notices)."""
    out = []
    for scenario in world.scenarios.scenarios:
        kind = scenario.spec.type
        if kind.startswith("Scenario") and kind[len("Scenario") :].isdigit():
            out.append((scenario.spec.trigger, int(kind[len("Scenario") :])))
    return out


def _drive(loop: _Loop, settings: CollectSettings, horizon, buffer, material, report) -> RouteStatus | None:
    """Tick until the route ends; returns why the collection cut it short (None: the criteria ended it)."""
    world, criteria, every = loop.world, loop.criteria, settings.sample.every_ticks
    wheelbase, dt = world.config.ego.wheelbase, world.config.dt
    snapshot, reported, moving_at = world.snapshot(), 0, 0.0
    cut_short: RouteStatus | None = RouteStatus.TIMED_OUT
    while world.time < settings.max_episode_seconds:
        # 1. the agent's sensors and its control (the expert's, or the learned driver's)
        sampled = snapshot.frame % every == 0
        input_data = loop.agent_sensors.read(snapshot, snapshot.frame)
        loop.agent.labelling.sampling_now = sampled
        command = loop.agent.step(input_data, snapshot.time)
        # 2. the executed control: a perturbation burst may bias its steer
        steer = loop.perturber.steer(snapshot, command.steer, dt)
        executed = Control(throttle=float(command.throttle), steer=steer, brake=float(command.brake))
        # 3. a sample on sampled ticks (skipped while a learned driver has not planned this tick)
        record = loop.agent.labelling.last
        if sampled and record is not None and record.obs.timestamp == snapshot.time:
            fields = sample_fields(record, snapshot, input_data, executed, command, loop.perturber.active, horizon)
            images = {k: io.bgra_to_rgb(v[1]) for k, v in loop.cameras.read(snapshot, snapshot.frame).items()}
            sample = settings.sample
            bev = bev_raster(snapshot, world.network, sample.bev_size_px, sample.bev_metres_per_px)
            buffer.push(fields, images, object_boxes(snapshot, sample.box_radius), bev, record.instruction)
            material.add(snapshot, ego_state_row(snapshot, wheelbase))
            if buffer.pushed - reported >= PROGRESS_EVERY:
                report(PROGRESS_EVERY)
                reported += PROGRESS_EVERY
        # 4. the world moves on and is judged
        world.apply(executed)
        world.tick()
        snapshot = world.snapshot()
        loop.facade.update(snapshot)  # what the expert reads through CarlaDataProvider next tick
        loop.environment.tick()
        criteria.update(snapshot)
        moving_at = snapshot.time if abs(snapshot.ego.speed) >= STANDSTILL_SPEED else moving_at
        if criteria.finished:
            cut_short = None
            break
        if snapshot.time - moving_at > settings.max_standstill_seconds:
            cut_short = RouteStatus.BLOCKED
            break
    report(buffer.pushed - reported)
    return cut_short
