"""Scenario types the embedded world can play, placing them on a route, and running them each tick.

LB1 scenarios are ``ScenarioN`` (triggers matched from the public JSON); LB2 / Bench2Drive ones
carry their class name. Types not in :data:`SCENARIO_FACTORIES` are logged once and skipped; see
:func:`supported_scenarios` and :data:`UNSUPPORTED_SCENARIOS` (with the reason).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np

from routes.route_types import ScenarioSpec
from sim.frames import carla_yaw_to_internal
from sim.geometry import wrap_angle
from sim.maps.dense_route import DenseRoute
from sim.types import LightState
from sim.world.scenario_base import Scenario, ScenarioContext, ScenarioState, ScenarioStatus
from sim.world.scenario_dynamic import ActorFlow, Crossing, CutIn, EmergencyBehind, JunctionCrosser, LeadingVehicle
from sim.world.scenario_static import BlockedIntersection, ControlLoss, LightOverride, NoActors, StaticObstacle
from sim.world.snapshot import ACTOR_COLUMNS

logger = logging.getLogger(__name__)

Factory = Callable[[ScenarioSpec, int, float], Scenario]
TRIGGER_DISTANCE = 2.0  # [m] the leaderboard keeps a scenario whose trigger is this close to the route...
TRIGGER_ANGLE = math.radians(10.0)  # [rad] ...and this well aligned with it


def _static(layout: str) -> Factory:
    return lambda spec, i, s: StaticObstacle(spec, i, s, layout)


SCENARIO_FACTORIES: dict[str, Factory] = {
    # leaderboard 1.0 (LangAuto)
    "Scenario1": ControlLoss,
    "Scenario2": LeadingVehicle,
    "Scenario3": lambda spec, i, s: Crossing(spec, i, s, "walker", after_junction=False),
    "Scenario4": lambda spec, i, s: Crossing(spec, i, s, "bicycle", after_junction=True),
    "Scenario5": LeadingVehicle,
    "Scenario7": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=True),
    "Scenario8": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=True),
    "Scenario9": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=True),
    "Scenario10": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    # leaderboard 2.0 / Bench2Drive
    "ControlLoss": ControlLoss,
    "HardBreakRoute": LeadingVehicle,
    "ParkedObstacle": _static("parked"),
    "ParkedObstacleTwoWays": _static("parked"),
    "Accident": _static("accident"),
    "AccidentTwoWays": _static("accident"),
    "ConstructionObstacle": _static("construction"),
    "ConstructionObstacleTwoWays": _static("construction"),
    "HazardAtSideLane": _static("side_lane"),
    "HazardAtSideLaneTwoWays": _static("side_lane"),
    "VehicleOpensDoorTwoWays": _static("door"),
    "SequentialLaneChange": _static("sequential"),
    "BlockedIntersection": BlockedIntersection,
    "DynamicObjectCrossing": lambda spec, i, s: Crossing(spec, i, s, "walker", after_junction=False),
    "PedestrianCrossing": lambda spec, i, s: Crossing(spec, i, s, "walker", after_junction=False),
    "ParkingCrossingPedestrian": lambda spec, i, s: Crossing(spec, i, s, "walker", after_junction=False),
    "VehicleTurningRoute": lambda spec, i, s: Crossing(spec, i, s, "bicycle", after_junction=True),
    "VehicleTurningRoutePedestrian": lambda spec, i, s: Crossing(spec, i, s, "walker", after_junction=True),
    "ParkingCutIn": lambda spec, i, s: CutIn(spec, i, s, parked=True),
    "StaticCutIn": lambda spec, i, s: CutIn(spec, i, s, parked=False),
    "HighwayCutIn": lambda spec, i, s: CutIn(spec, i, s, parked=False),
    "OppositeVehicleRunningRedLight": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=True),
    "OppositeVehicleTakingPriority": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "NonSignalizedJunctionLeftTurn": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "NonSignalizedJunctionRightTurn": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "SignalizedJunctionLeftTurn": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "SignalizedJunctionRightTurn": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "T_Junction": lambda spec, i, s: JunctionCrosser(spec, i, s, run_red=False),
    "EnterActorFlow": ActorFlow,
    "EnterActorFlowV2": ActorFlow,
    "InterurbanActorFlow": ActorFlow,
    "InterurbanAdvancedActorFlow": ActorFlow,
    "MergerIntoSlowTraffic": ActorFlow,
    "MergerIntoSlowTrafficV2": ActorFlow,
    "HighwayExit": ActorFlow,
    "CrossingBicycleFlow": ActorFlow,
    "SignalizedJunctionLeftTurnEnterFlow": ActorFlow,
    "NonSignalizedJunctionLeftTurnEnterFlow": ActorFlow,
    "YieldToEmergencyVehicle": EmergencyBehind,
    "VanillaSignalizedTurnEncounterGreenLight": lambda spec, i, s: LightOverride(spec, i, s, LightState.GREEN),
    "VanillaSignalizedTurnEncounterRedLight": lambda spec, i, s: LightOverride(spec, i, s, LightState.RED),
    "VanillaNonSignalizedTurn": NoActors,
    "VanillaNonSignalizedTurnEncounterStopsign": NoActors,
}

UNSUPPORTED_SCENARIOS: dict[str, str] = {
    "Scenario6": "ManeuverOppositeDirection needs oncoming overtaking traffic (not modelled)",
    "InvadingTurn": "oncoming vehicles cutting the corner of a curve are not modelled",
    "ParkingExit": "the ego would start in a parking spot beside the lane, which the route start does not give",
}


def supported_scenarios() -> list[str]:
    """Scenario type names the world plays, sorted."""
    return sorted(SCENARIO_FACTORIES)


def trigger_on_route(spec: ScenarioSpec, route: DenseRoute) -> int | None:
    """Index of the route point matching the trigger (within 2 m and 10 deg, as the leaderboard), else None."""
    trigger = spec.trigger
    distance = np.hypot(*(route.points[:, :2] - trigger).T)
    angle = np.abs(wrap_angle(route.points[:, 2] - carla_yaw_to_internal(float(spec.trigger_carla[3]))))
    hits = np.flatnonzero((distance < TRIGGER_DISTANCE) & (angle < TRIGGER_ANGLE))
    return int(hits[np.argmin(distance[hits])]) if hits.size else None


def build_scenarios(specs, route: DenseRoute, matched: list[tuple[int, ScenarioSpec]] | None = None) -> list[Scenario]:
    """Scenarios of a route: ``specs`` (LB2, matched here) plus ``matched`` ``(route index, spec)`` (LB1)."""
    placed = list(matched or [])
    for spec in specs:
        index = trigger_on_route(spec, route)
        if index is None:
            logger.warning(
                "scenario %s (%s): trigger %s is not on the route; skipped", spec.name, spec.type, spec.trigger
            )
            continue
        placed.append((index, spec))
    scenarios = []
    for index, spec in sorted(placed, key=lambda pair: pair[0]):
        factory = SCENARIO_FACTORIES.get(spec.type)
        if factory is None:
            reason = UNSUPPORTED_SCENARIOS.get(spec.type, "unknown scenario type")
            logger.warning("scenario %s: type %r unsupported (%s); skipped", spec.name, spec.type, reason)
            continue
        scenarios.append(factory(spec, index, float(route.s[index])))
    return scenarios


class ScenarioRunner:
    """Advances every scenario of a route through its life cycle."""

    def __init__(self, scenarios: list[Scenario], spawn_distance: float, timeout: float):
        self.scenarios, self.spawn_distance, self.timeout = scenarios, spawn_distance, timeout

    def tick(self, ctx: ScenarioContext) -> None:
        for scenario in self.scenarios:
            if scenario.status is ScenarioStatus.PENDING and scenario.trigger_s - ctx.ego_s < self.spawn_distance:
                scenario.prepare(ctx)
                scenario.status = ScenarioStatus.PREPARED
            if scenario.status is ScenarioStatus.PREPARED and ctx.ego_s >= scenario.trigger_s - scenario.trigger_ahead:
                scenario.status = ScenarioStatus.ACTIVE
                scenario.activated_at = ctx.time
                scenario.start(ctx)
            if scenario.status is ScenarioStatus.ACTIVE:
                timed_out = ctx.time - scenario.activated_at > self.timeout
                if scenario.update(ctx) or timed_out:
                    scenario.status = ScenarioStatus.TIMED_OUT if timed_out else ScenarioStatus.DONE
                    scenario.ended_at = ctx.time
                    scenario.finish(ctx)
                    scenario.actors.clear()

    def steer_offset(self, ctx: ScenarioContext) -> float:
        return sum(s.steer_offset(ctx) for s in self.scenarios if s.status is ScenarioStatus.ACTIVE)

    def actor_rows(self) -> tuple[np.ndarray, np.ndarray]:
        actors = [a for s in self.scenarios for a in s.actors]
        ids = np.array([a.id for a in actors], dtype=np.int64)
        rows = np.array([a.row() for a in actors], dtype=np.float64).reshape(len(actors), ACTOR_COLUMNS)
        return ids, rows

    def states(self) -> tuple[ScenarioState, ...]:
        return tuple(s.state() for s in self.scenarios)
