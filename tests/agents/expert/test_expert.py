"""The privileged expert on real towns with hand-made snapshots.

Most tests close the loop with *perfect tracking*: every 0.1 s the ego jumps to the first pose of
its own plan at the plan's speed. That isolates the planner's decisions (stop here, follow there)
from the PID controller, which the world test in ``test_expert_closed_loop.py`` exercises.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from agents.base import Observation
from agents.config_loader import load_config
from agents.expert.planner import ExpertConfig, ExpertPlanner
from routes.benchmarks import load_benchmark
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.types import ActorIndex, ActorKind, LightState
from sim.world.privileged import PrivilegedWorld
from sim.world.snapshot import ACTOR_COLUMNS, EgoSnapshot, WorldSnapshot

EGO_DIMENSIONS = np.array([4.89, 2.12, 1.49])  # [m] the leaderboard's Lincoln MKZ
AXLE_TO_CENTER = 1.345  # [m]
FRONT = AXLE_TO_CENTER + EGO_DIMENSIONS[0] / 2  # [m] rear axle to front bumper
DT = 0.1  # [s] perfect-tracking step


@pytest.fixture(scope="module")
def tiny(data_dir):
    """``tiny(route_id) -> (network, DenseRoute)`` for LangAuto-Tiny routes."""
    benchmark = load_benchmark("langauto-tiny", data_dir)
    cache = {}

    def get(route_id: str):
        if route_id not in cache:
            route = next(r for r in benchmark.routes if r.route_id == route_id)
            network = load_town(route.town, data_dir)
            cache[route_id] = (network, plan_route(network, route.keypoints))
        return cache[route_id]

    return get


def snapshot(network, pose, speed, actors=None, lights=None, time=0.0, ids=None) -> WorldSnapshot:
    pose = np.asarray(pose, dtype=np.float64)
    center = pose[:2] + AXLE_TO_CENTER * np.array([np.cos(pose[2]), np.sin(pose[2])])
    ego = EgoSnapshot(pose, center, 0.0, float(speed), np.zeros(2), 0.0, EGO_DIMENSIONS)
    actors = np.zeros((0, ACTOR_COLUMNS)) if actors is None else np.atleast_2d(actors)
    ids = np.arange(1, actors.shape[0] + 1) if ids is None else np.asarray(ids)
    if lights is None:
        lights = np.full(network.traffic_lights.count, LightState.GREEN)
    return WorldSnapshot(0, float(time), network.name, ego, ids.astype(np.int64), actors, np.asarray(lights))


def observe(network, route, snap) -> Observation:
    world = PrivilegedWorld.from_snapshot(snap, network, route)
    return Observation(timestamp=snap.time, speed=snap.ego.speed, world=world)


def actor(x, y, heading, speed, kind=ActorKind.VEHICLE, length=4.6, width=1.9) -> np.ndarray:
    row = np.zeros(ACTOR_COLUMNS)
    row[[ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING, ActorIndex.SPEED]] = x, y, heading, speed
    row[[ActorIndex.LENGTH, ActorIndex.WIDTH, ActorIndex.HEIGHT, ActorIndex.KIND]] = length, width, 1.5, kind
    return row


def route_pose(route, s: float) -> np.ndarray:
    """Route pose ``s`` metres along the route (x, y, heading)."""
    k = int(np.clip(np.searchsorted(route.s, s) - 1, 0, len(route.s) - 2))
    t = (s - route.s[k]) / max(route.s[k + 1] - route.s[k], 1e-9)
    xy = route.points[k, :2] + t * (route.points[k + 1, :2] - route.points[k, :2])
    return np.array([*xy, route.points[k, 2]])


def to_global(pose, local):
    c, s = np.cos(pose[2]), np.sin(pose[2])
    return np.column_stack([pose[0] + c * local[:, 0] - s * local[:, 1], pose[1] + s * local[:, 0] + c * local[:, 1]])


def progress_of(route, xy) -> float:
    """Route arc length of the route point nearest to ``xy``."""
    return float(route.s[int(np.argmin(np.hypot(*(route.points[:, :2] - xy).T)))])


def drive(planner, network, route, s0, speed, seconds, world=None):
    """Perfect tracking from ``s0`` along the route; ``world(time) -> (actors, lights)``.

    Yields ``(time, pose, speed, plan)`` every step.
    """
    pose, time = route_pose(route, s0), 0.0
    for _ in range(int(round(seconds / DT))):
        actors, lights = world(time) if world else (None, None)
        plan = planner.plan(observe(network, route, snapshot(network, pose, speed, actors, lights, time)))
        yield time, pose, speed, plan
        first = plan.trajectory[0]
        xy = to_global(pose, first[None, :2])[0]
        pose, speed, time = np.array([*xy, pose[2] + first[2]]), float(plan.info["velocity"][0]), time + DT


def light_line(planner, network, route) -> tuple[int, float]:
    """(light row, route arc length of its stop line) of the route's first light."""
    planner.plan(observe(network, route, snapshot(network, route.points[0], 0.0)))
    signal = next(s for s in planner._view.signals if s.kind == "light")
    return signal.row, signal.s


def test_empty_road_follows_the_route_at_the_target_speed_inside_the_lane(tiny):
    network, route = tiny("0")  # Town01, a straight 127 m without junctions
    plan = ExpertPlanner().plan(observe(network, route, snapshot(network, route_pose(route, 10.0), 8.0)))
    assert plan.is_valid and plan.trajectory.shape == (40, 3)
    assert plan.info["reason"] == "free"
    assert plan.info["velocity"] == pytest.approx(np.full(40, 8.0), abs=0.3)
    spacing = np.hypot(*np.diff(plan.trajectory[:, :2], axis=0).T) / 0.1
    assert spacing == pytest.approx(np.full(39, 8.0), abs=0.3)
    xy = to_global(route_pose(route, 10.0), plan.trajectory[:, :2])
    off_centre = [network.locate(p).distance for p in xy]
    assert max(off_centre) < 0.2


def test_trajectory_returns_to_the_lane_centre_and_stays_in_lane_through_a_turn(tiny):
    network, route = tiny("10")  # Town01, right turn at a light (kept green)
    planner = ExpertPlanner()
    pose = route_pose(route, 2.0)
    shifted = pose + np.array([-np.sin(pose[2]), np.cos(pose[2]), 0.0]) * 0.8  # 0.8 m left of the centre
    lateral = []
    for _, pose, _, _ in drive(planner, network, route, 2.0, 0.0, 25.0):
        lateral.append(network.locate(pose[:2], pose[2]).distance)
    assert max(lateral) < 0.5  # perfect tracking of its own plan keeps it on the centreline, turn included
    plan = ExpertPlanner().plan(observe(network, route, snapshot(network, shifted, 5.0)))
    assert plan.trajectory[10, 1] < -0.6  # the plan leads back to the lane centre (right of the ego)


def test_stops_before_a_red_light_and_goes_on_green(tiny):
    network, route = tiny("10")
    planner = ExpertPlanner()
    row, line = light_line(planner, network, route)
    green_at = 20.0

    def world(time):
        lights = np.full(network.traffic_lights.count, LightState.GREEN)
        lights[row] = LightState.RED if time < green_at else LightState.GREEN
        return None, lights

    fronts, speeds = [], []
    for time, pose, speed, _ in drive(planner, network, route, 0.0, 6.0, 30.0, world):
        front = progress_of(route, pose[:2] + FRONT * np.array([np.cos(pose[2]), np.sin(pose[2])]))
        if time < green_at:
            fronts.append(front)
            speeds.append(speed)
    assert max(fronts) < line  # never across the line while red
    assert max(fronts) > line - 4.0  # ...but close to it
    assert speeds[-1] < 0.05
    assert front > line + 10.0  # and through the junction once green


def test_does_not_brake_for_a_green_light(tiny):
    network, route = tiny("10")
    planner = ExpertPlanner()
    _, line = light_line(planner, network, route)
    plan = planner.plan(observe(network, route, snapshot(network, route_pose(route, line - 20.0), 5.0)))
    assert "red_light" not in [c[0] for c in plan.info["constraints"]]
    assert plan.info["velocity"].min() > 3.0  # slows for the junction turn, never stops


def test_runs_a_yellow_it_cannot_stop_for_but_stops_for_one_it_can(tiny):
    network, route = tiny("10")
    row, line = light_line(ExpertPlanner(), network, route)
    lights = np.full(network.traffic_lights.count, LightState.GREEN)
    lights[row] = LightState.YELLOW
    near = ExpertPlanner().plan(
        observe(network, route, snapshot(network, route_pose(route, line - FRONT - 3), 8, None, lights))
    )
    far = ExpertPlanner().plan(
        observe(network, route, snapshot(network, route_pose(route, line - FRONT - 25), 8, None, lights))
    )
    assert "yellow" not in [c[0] for c in near.info["constraints"]]
    assert "yellow" in [c[0] for c in far.info["constraints"]]


def test_stops_at_a_stop_sign_then_proceeds(tiny):
    network, route = tiny("74")  # Town07, a stop sign at the first junction
    planner = ExpertPlanner()
    planner.plan(observe(network, route, snapshot(network, route.points[0], 0.0)))
    line = next(s for s in planner._view.signals if s.kind == "stop").s
    stopped_near_line, fronts = False, []
    for _, pose, speed, _ in drive(planner, network, route, 0.0, 6.0, 25.0):
        front = progress_of(route, pose[:2] + FRONT * np.array([np.cos(pose[2]), np.sin(pose[2])]))
        fronts.append(front)
        stopped_near_line |= speed < 0.05 and line - 2.5 < front < line + 0.5
    assert stopped_near_line
    assert fronts[-1] > line + 10.0


def _lead_world(route, s0: float, speed: float):
    def world(time):
        x, y, heading = route_pose(route, s0 + speed * time)
        return actor(x, y, heading, speed), None

    return world


def test_keeps_distance_behind_a_slower_lead_vehicle(tiny):
    network, route = tiny("0")
    world = _lead_world(route, 40.0, 4.0)
    gaps, speeds = [], []
    for time, pose, speed, _ in drive(ExpertPlanner(), network, route, 5.0, 8.0, 20.0, world):
        lead_s = 40.0 + 4.0 * time
        gaps.append(lead_s - 2.3 - progress_of(route, pose[:2]) - FRONT)  # bumper to bumper
        speeds.append(speed)
    assert min(gaps) > 3.0
    assert speeds[-1] == pytest.approx(4.0, abs=0.5)
    assert gaps[-1] < 15.0  # follows, does not fall back


def test_stops_behind_a_stopped_vehicle(tiny):
    network, route = tiny("0")
    world = _lead_world(route, 45.0, 0.0)
    *_, (_, pose, speed, plan) = drive(ExpertPlanner(), network, route, 5.0, 8.0, 15.0, world)
    gap = 45.0 - 2.3 - progress_of(route, pose[:2]) - FRONT
    assert speed < 0.05
    assert 2.0 < gap < 7.0
    assert plan.info["reason"] == "vehicle"


def test_stops_for_a_walker_crossing_the_path(tiny):
    network, route = tiny("0")
    cross_s, start_lateral, walk = 35.0, -5.0, 1.4
    x0, y0, heading = route_pose(route, cross_s)
    left = np.array([-np.sin(heading), np.cos(heading)])

    def world(time):
        xy = np.array([x0, y0]) + (start_lateral + walk * time) * left
        return actor(*xy, heading + np.pi / 2, walk, ActorKind.WALKER, 0.5, 0.5), None

    closest = np.inf
    for time, pose, _, _ in drive(ExpertPlanner(), network, route, 5.0, 8.0, 15.0, world):
        walker_xy = world(time)[0][:2]
        ego_center = pose[:2] + AXLE_TO_CENTER * np.array([np.cos(pose[2]), np.sin(pose[2])])
        closest = min(closest, float(np.hypot(*(walker_xy - ego_center))))
    assert closest > EGO_DIMENSIONS[0] / 2 + 1.0  # never closer than a metre to the bumper
    assert progress_of(route, pose[:2]) > cross_s + 5.0  # and on its way once the walker has crossed


def test_yields_to_a_vehicle_about_to_cross_but_not_to_one_driving_alongside(tiny):
    network, route = tiny("0")
    x, y, heading = route_pose(route, 40.0)
    left = np.array([-np.sin(heading), np.cos(heading)])
    crossing = actor(*(np.array([x, y]) + 20.0 * left), heading - np.pi / 2, 8.0)
    alongside = actor(*(np.array([x, y]) + 3.8 * left), heading + np.pi, 8.0)  # oncoming lane
    start = snapshot(network, route_pose(route, 20.0), 8.0, np.stack([crossing, alongside]))
    plan = ExpertPlanner().plan(observe(network, route, start))
    reasons = [c[0] for c in plan.info["constraints"]]
    assert reasons.count("yield_vehicle") == 1 and "vehicle" not in reasons


def test_config_yaml_sensors_and_bad_input(tiny):
    config = load_config(ExpertConfig(), "planner_expert")
    assert dataclasses.asdict(config) == dataclasses.asdict(ExpertConfig())  # the YAML mirrors the defaults
    planner = ExpertPlanner(config)
    assert planner.reads_world and planner.sensors() == []  # ground truth through CarlaDataProvider, no sensor
    network, route = tiny("0")
    assert planner.plan(observe(network, route, snapshot(network, route.points[0], 0.0))).is_valid
    with pytest.raises(ValueError, match="PrivilegedWorld.*reads_world"):
        planner.plan(Observation(timestamp=0.0, speed=0.0))
