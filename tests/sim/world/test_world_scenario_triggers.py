"""Scenarios fire where the route places them; unknown types are skipped and listed."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from routes.route_types import ScenarioSpec
from sim.frames import internal_heading_to_carla, internal_to_carla_xy
from sim.maps.dense_route import RouteCursor
from sim.types import ActorKind, LightState
from sim.world.config import TrafficConfig, WorldConfig
from sim.world.scenario_base import ScenarioStatus
from sim.world.scenarios import UNSUPPORTED_SCENARIOS, supported_scenarios
from sim.world.world import World

QUIET = WorldConfig(traffic=TrafficConfig(num_vehicles=0, num_walkers=0))


def spec_at(route, index, kind, **parameters):
    x, y, heading = route.points[index]
    cx, cy = internal_to_carla_xy(np.array([x, y]))
    trigger = np.array([cx, cy, 0.0, internal_heading_to_carla(heading)])
    params = {k: {"value": str(v)} for k, v in parameters.items()}
    return ScenarioSpec(name=f"{kind}_1", type=kind, trigger_carla=trigger, parameters=params)


def test_supported_list_covers_langauto_and_bench2drive_types():
    names = supported_scenarios()
    for kind in ("Scenario1", "Scenario3", "Scenario4", "Scenario7", "Scenario10", "ParkedObstacle", "Accident",
                 "ConstructionObstacle", "HardBreakRoute", "DynamicObjectCrossing", "ParkingCutIn",
                 "OppositeVehicleRunningRedLight", "YieldToEmergencyVehicle"):  # fmt: skip
        assert kind in names
    assert not set(names) & set(UNSUPPORTED_SCENARIOS)


def test_unknown_type_is_logged_and_skipped(town01, town01_route, caplog):
    with caplog.at_level(logging.WARNING):
        world = World(town01, town01_route, QUIET, scenarios=[spec_at(town01_route, 100, "TeleportingCow")])
    assert world.scenario_states() == ()
    assert "TeleportingCow" in caplog.text and "unsupported" in caplog.text


def test_parked_obstacle_triggers_at_its_point_and_sits_ahead(town01, town01_route, drive):
    world = World(town01, town01_route, QUIET, scenarios=[spec_at(town01_route, 120, "ParkedObstacle", distance=30)])
    (state,) = world.scenario_states()
    assert state.trigger_index == 120 and state.status == ScenarioStatus.PENDING
    while world.cursor.index < 110:
        drive(world, 1)
    assert world.scenario_states()[0].status == ScenarioStatus.PREPARED
    obstacle = world.snapshot().actors_of_kind(ActorKind.VEHICLE)[0]
    target = town01_route.points[town01_route.index_at(town01_route.s[120] + 30.0), :2]
    assert np.hypot(*(obstacle[:2] - target)) < 2.5
    while world.cursor.index < 120:
        drive(world, 1)
    state = world.scenario_states()[0]
    assert state.status == ScenarioStatus.ACTIVE and state.activated_at == pytest.approx(world.time, abs=0.5)


def test_crossing_walker_enters_the_ego_lane(town01, town01_route, drive):
    world = World(town01, town01_route, QUIET, scenarios=[spec_at(town01_route, 60, "DynamicObjectCrossing")])
    lateral = []
    while world.cursor.index < 85 and world.time < 60:
        drive(world, 1, speed=4.0)
        walkers = world.snapshot().actors_of_kind(ActorKind.WALKER)
        if walkers.size:
            k = RouteCursor(world.route, index=70).advance(walkers[0, :2])
            x, y, h = world.route.points[k]
            lateral.append(-(walkers[0, 0] - x) * np.sin(h) + (walkers[0, 1] - y) * np.cos(h))
    assert lateral and lateral[0] < -2.5  # waits on the right kerb
    assert min(np.abs(lateral)) < 0.7  # walks through the ego's lane


def test_control_loss_perturbs_steering_only_while_active(town01, town01_route, drive):
    world = World(town01, town01_route, QUIET, scenarios=[spec_at(town01_route, 30, "ControlLoss")])
    offsets = []
    while world.time < 20:
        drive(world, 1)
        active = world.scenario_states()[0].status == ScenarioStatus.ACTIVE
        offsets.append((active, world.scenarios.steer_offset(world.context) if active else 0.0))
    assert any(a for a, _ in offsets) and world.scenario_states()[0].status == ScenarioStatus.DONE
    assert all(o != 0.0 for a, o in offsets if a)


def junction_route(town):
    """A route through a signalised junction lane that crosses another path, with a long approach."""
    from sim.maps.dense_route import DenseRoute
    from sim.world.lanes import junction_conflicts

    offsets, conflicts = junction_conflicts(town)
    for lane in town.traffic_lights.lanes.tolist():
        before, after = town.lane_predecessors(lane), town.lane_successors(lane)
        others = conflicts[offsets[lane] : offsets[lane + 1]]
        crossing = [c for c in others if not set(town.lane_successors(c).tolist()) & set(after.tolist())]
        if crossing and before.size and after.size and town.lane_lengths[before[0]] > 70.0:
            parts = [town.lane_points(int(before[0])), town.lane_points(lane), town.lane_points(int(after[0]))]
            points = np.concatenate(parts)
            keep = np.concatenate([[True], np.hypot(*np.diff(points[:, :2], axis=0).T) > 0.05])
            return DenseRoute.from_points(points[keep]), lane, float(town.lane_lengths[before[0]])
    pytest.skip("no crossing movement at a light")


def test_red_light_runner_forces_ego_green_and_crosses(town01, drive):
    route, ego_lane, approach = junction_route(town01)
    trigger = route.index_at(approach - 50.0)
    world = World(town01, route, QUIET, scenarios=[spec_at(route, trigger, "Scenario7")])
    light = int(world.lights.lane_light[ego_lane])
    seen = []
    while world.time < 45 and world.scenario_states()[0].status <= ScenarioStatus.ACTIVE:
        drive(world, 1, speed=7.0)
        state = world.scenario_states()[0]
        if state.status == ScenarioStatus.ACTIVE:
            assert world.lights.states[light] == LightState.GREEN
            seen.extend(world.snapshot().actors_of_kind(ActorKind.VEHICLE)[:, 3].tolist())
    assert seen and max(seen) > 4.0  # a crossing vehicle was driving during the scenario
