"""Leaderboard criteria on hand-made world snapshots over Town01 and a planned route through a lit junction."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from sim.eval.criteria import CriteriaConfig, RouteCriteria
from sim.eval.infractions import Infraction, LeaderboardRules
from sim.maps.route_planner import plan_route
from sim.maps.signals import SignalGroups
from sim.maps.town import load_town
from sim.world.snapshot import ACTOR_COLUMNS, ActorKind, EgoSnapshot, LightState, WorldSnapshot

LB1, LB2, B2D = LeaderboardRules.LB1, LeaderboardRules.LB2, LeaderboardRules.BENCH2DRIVE
DT = 0.05  # [s] 20 Hz
LIGHT = 6  # Town01 light controlling the straight junction lane 116 (approach lane 81 -> lane 83)
JUNCTION_LANE = 116
EGO_DIMS = np.array([4.9, 2.1, 1.5])


@pytest.fixture(scope="module")
def network(data_dir):
    return load_town("Town01", data_dir)


@pytest.fixture(scope="module")
def route(network):
    keypoints = np.array([network.lane_points(81)[5, :2], network.lane_points(83)[60, :2]])
    planned = plan_route(network, keypoints, source="test")
    assert JUNCTION_LANE in set(planned.lanes.tolist())
    return planned


def pose_at(route, s: float, lateral: float = 0.0) -> tuple[np.ndarray, float]:
    """Centre ``(2,)`` and heading at arc length ``s`` [m] of the route, shifted ``lateral`` [m] to the left."""
    s = float(np.clip(s, 0.0, route.length))
    k = int(np.clip(np.searchsorted(route.s, s, side="right") - 1, 0, len(route.s) - 2))
    t = (s - route.s[k]) / max(route.s[k + 1] - route.s[k], 1e-9)
    xy = route.points[k, :2] + t * (route.points[k + 1, :2] - route.points[k, :2])
    heading = float(route.points[k, 2])
    return xy + lateral * np.array([-math.sin(heading), math.cos(heading)]), heading


def snapshot(network, frame, centre, heading, speed, actors=None, ids=None, lights=LightState.GREEN):
    forward = np.array([math.cos(heading), math.sin(heading)])
    ego = EgoSnapshot(
        pose=np.array([*(centre - 1.4 * forward), heading]),
        center=np.asarray(centre, dtype=np.float64),
        z=0.0,
        speed=float(speed),
        acceleration=np.zeros(2),
        yaw_rate=0.0,
        dimensions=EGO_DIMS,
    )
    states = np.full(network.traffic_lights.count, int(LightState.GREEN), dtype=np.int64)
    states[LIGHT] = int(lights)
    return WorldSnapshot(
        frame=frame,
        time=frame * DT,
        town="Town01",
        ego=ego,
        actor_ids=np.zeros(0, dtype=np.int64) if ids is None else np.asarray(ids, dtype=np.int64),
        actors=np.zeros((0, ACTOR_COLUMNS)) if actors is None else np.asarray(actors, dtype=np.float64),
        light_states=states,
    )


def infractions(events) -> tuple:
    """The events other than the minimum-speed reports (2.0 rules report every checkpoint)."""
    return tuple(e for e in events if e.kind is not Infraction.MIN_SPEED)


def drive(
    criteria, network, route, speed, s_from=0.0, s_to=None, frame=0, lateral=None, lights=LightState.GREEN, actors=None
):
    """Drive the route at ``speed`` [m/s] from ``s_from`` to ``s_to``; returns the next frame and RC history."""
    s_to = route.length if s_to is None else s_to
    history, s = [], s_from
    while s <= s_to and not criteria.finished:
        centre, heading = pose_at(route, s, lateral(s) if lateral else 0.0)
        ids = None if actors is None else np.arange(len(actors))
        criteria.update(snapshot(network, frame, centre, heading, speed, actors, ids, lights=lights))
        history.append(criteria.route_completion)
        s, frame = s + speed * DT, frame + 1
    return frame, history


def stand(criteria, network, route, s, ticks, frame, speed=0.0, lights=LightState.GREEN):
    centre, heading = pose_at(route, s)
    for _ in range(ticks):
        if criteria.finished:
            break
        criteria.update(snapshot(network, frame, centre, heading, speed, lights=lights))
        frame += 1
    return frame


@pytest.mark.parametrize("speed", [8.0, 30.0])
def test_driving_the_centreline_completes_the_route_without_infractions(network, route, speed) -> None:
    criteria = RouteCriteria(network, route, LB2)
    _, history = drive(criteria, network, route, speed, s_to=route.length + 3.0)
    assert criteria.completed and criteria.route_completion == 100.0
    assert np.all(np.diff(history) >= 0.0) and history[len(history) // 2] == pytest.approx(50.0, abs=5.0)
    assert criteria.terminated is None and infractions(criteria.finish()) == ()


@pytest.mark.parametrize("rules,blocked", [(LB2, 180.0), (B2D, 60.0)])  # LB1 times out first here
def test_stopping_halfway_gives_half_completion_then_blocked(network, route, rules, blocked) -> None:
    criteria = RouteCriteria(network, route, rules)
    frame, _ = drive(criteria, network, route, 8.0, s_to=route.length / 2)
    stopped_at = frame * DT
    frame = stand(criteria, network, route, route.length / 2, int((blocked - 1.0) / DT), frame)
    assert criteria.terminated is None
    frame = stand(criteria, network, route, route.length / 2, int(2.0 / DT), frame)
    assert criteria.terminated is not None and criteria.terminated.kind is Infraction.AGENT_BLOCKED
    assert criteria.terminated.time - stopped_at == pytest.approx(blocked, abs=0.2)
    assert criteria.route_completion == pytest.approx(50.0, abs=2.0)
    count = len(criteria.events)
    stand(criteria, network, route, route.length / 2, 10, frame, speed=5.0)
    assert len(criteria.events) == count  # the route has ended


def test_driving_35_m_off_the_route_is_a_deviation(network, route) -> None:
    criteria = RouteCriteria(network, route, LB1)
    frame, _ = drive(criteria, network, route, 8.0, s_to=20.0)
    assert criteria.terminated is None
    drive(criteria, network, route, 8.0, s_from=20.5, s_to=25.0, frame=frame, lateral=lambda s: 35.0)
    assert criteria.terminated is not None and criteria.terminated.kind is Infraction.ROUTE_DEVIATION
    assert [e.kind for e in infractions(criteria.events)] == [Infraction.ROUTE_DEVIATION]


def pushed_actor(kind: ActorKind, centre: np.ndarray, heading: float) -> np.ndarray:
    """An actor box overlapping the ego's front."""
    front = centre + 2.6 * np.array([math.cos(heading), math.sin(heading)])
    return np.array([[front[0], front[1], heading, 0.0, 1.0, 1.0, 1.7, float(kind)]])


@pytest.mark.parametrize(
    "kind,expected",
    [
        (ActorKind.WALKER, Infraction.COLLISION_PEDESTRIAN),
        (ActorKind.VEHICLE, Infraction.COLLISION_VEHICLE),
        (ActorKind.BICYCLE, Infraction.COLLISION_VEHICLE),
        (ActorKind.STATIC, Infraction.COLLISION_STATIC),
    ],
)
def test_a_long_contact_is_one_collision_until_5_s_and_5_m_have_passed(network, route, kind, expected) -> None:
    criteria = RouteCriteria(network, route, LB2)
    speed, s, frame = 2.0, 10.0, 0
    while frame * DT < 7.0:
        centre, heading = pose_at(route, s)
        actors = pushed_actor(kind, centre, heading)
        criteria.update(snapshot(network, frame, centre, heading, speed, actors=actors, ids=[7]))
        if frame * DT < 4.9:
            assert len(criteria.events) == 1
        s, frame = s + speed * DT, frame + 1
    events = criteria.events
    assert [e.kind for e in events] == [expected, expected]
    assert events[1].time - events[0].time > 5.0
    assert np.hypot(*(events[1].location[:2] - events[0].location[:2])) > 5.0
    assert events[0].location[1] == pytest.approx(-pose_at(route, 10.0)[0][1])  # CARLA frame: y flipped
    assert events[0].penalty(LB2) < 1.0


def test_a_standing_ego_is_not_at_fault_under_2_0_but_is_under_1_0(network, route) -> None:
    counts = {}
    for rules in (LB1, LB2):
        criteria = RouteCriteria(network, route, rules)
        centre, heading = pose_at(route, 10.0)
        for frame in range(20):
            actors = pushed_actor(ActorKind.VEHICLE, centre, heading)
            criteria.update(snapshot(network, frame, centre, heading, 0.0, actors=actors, ids=[3]))
        counts[rules] = len(criteria.events)
    assert counts == {LB1: 1, LB2: 0}


def test_a_distant_actor_is_no_collision(network, route) -> None:
    criteria = RouteCriteria(network, route, LB1)
    centre, heading = pose_at(route, 10.0)
    actors = pushed_actor(ActorKind.VEHICLE, centre + np.array([0.0, 6.0]), heading)
    criteria.update(snapshot(network, 0, centre, heading, 5.0, actors=actors, ids=[3]))
    assert infractions(criteria.events) == ()


def stop_line_s(network, route) -> float:
    """Route arc length [m] of the first point on the junction lane."""
    return float(route.s[int(np.flatnonzero(route.lanes == JUNCTION_LANE)[0])])


@pytest.mark.parametrize("state,count", [(LightState.RED, 1), (LightState.GREEN, 0), (LightState.YELLOW, 0)])
def test_crossing_the_stop_line_on_red_is_a_red_light(network, route, state, count) -> None:
    criteria = RouteCriteria(network, route, LB1)
    drive(criteria, network, route, 8.0, s_to=stop_line_s(network, route) + 20.0, lights=state)
    events = [e for e in criteria.events if e.kind is Infraction.RED_LIGHT]
    assert len(events) == count
    if count:
        position = network.traffic_lights.positions[LIGHT]
        assert events[0].location[:2] == pytest.approx([position[0], -position[1]])


def test_waiting_at_a_red_light_is_no_infraction(network, route) -> None:
    criteria = RouteCriteria(network, route, LB2)
    line = stop_line_s(network, route)
    frame, _ = drive(criteria, network, route, 8.0, s_to=line - 3.0, lights=LightState.RED)
    frame = stand(criteria, network, route, line - 3.0, 100, frame, lights=LightState.RED)
    drive(criteria, network, route, 8.0, s_from=line - 3.0, s_to=line + 20, frame=frame)
    assert infractions(criteria.events) == ()


@pytest.fixture(scope="module")
def stop_network(network, route):
    """Town01 with a stop sign (it has none) on the route's junction lane instead of relying on the light."""
    start = network.lane_points(JUNCTION_LANE)[0]
    stops = SignalGroups(
        ids=np.array(["900"]),
        positions=np.array([[start[0] + 2.0, start[1] + 2.0, 1.0]]),
        lane_offsets=np.array([0, 1]),
        lanes=np.array([JUNCTION_LANE]),
        stop_points=start[None, :2].copy(),
    )
    return dataclasses.replace(network, stop_signs=stops)


def test_rolling_through_a_stop_sign_is_an_infraction(stop_network, route) -> None:
    criteria = RouteCriteria(stop_network, route, LB2)
    drive(criteria, stop_network, route, 5.0, s_to=stop_line_s(stop_network, route) + 15.0)
    assert [e.kind for e in infractions(criteria.events)] == [Infraction.STOP_SIGN]


def test_stopping_at_a_stop_sign_first_is_no_infraction(stop_network, route) -> None:
    criteria = RouteCriteria(stop_network, route, LB2)
    line = stop_line_s(stop_network, route)
    frame, _ = drive(criteria, stop_network, route, 5.0, s_to=line - 2.5)
    frame = stand(criteria, stop_network, route, line - 2.5, 20, frame)
    drive(criteria, stop_network, route, 5.0, s_from=line - 2.5, s_to=line + 15.0, frame=frame)
    assert infractions(criteria.events) == ()


@pytest.mark.parametrize("lateral,rules", [(3.8, LB2), (-5.5, LB1)])
def test_driving_outside_the_route_lanes_gives_its_share_of_the_route(network, route, lateral, rules) -> None:
    """3.8 m left is the oncoming lane of Town01's two-lane roads; 5.5 m right is off the road."""
    criteria = RouteCriteria(network, route, rules)
    a, b = 20.0, 40.0  # [m] on the approach lane, before the junction
    assert stop_line_s(network, route) > b + 5.0
    drive(criteria, network, route, 5.0, s_to=route.length + 3.0, lateral=lambda s: lateral if a <= s < b else 0.0)
    assert criteria.completed
    events = infractions(criteria.finish())
    assert [e.kind for e in events] == [Infraction.OUTSIDE_ROUTE_LANES]
    assert events[0].value == pytest.approx(100.0 * (b - a) / route.length, abs=2.5)
    assert events[0].penalty(rules) == pytest.approx(1.0 - events[0].value / 100.0)
    assert infractions(criteria.finish()) == events  # finishing twice adds nothing


def test_lb1_route_timeout_is_fixed_by_the_route_length(network, route) -> None:
    criteria = RouteCriteria(network, route, LB1)
    timeout = int(0.8 * route.length + 5.0)
    assert criteria.route_timeout == timeout
    # Creep (above the blocked speed) without getting anywhere.
    stand(criteria, network, route, 5.0, int((timeout + 1.0) / DT), 0, speed=0.2)
    assert criteria.terminated is not None and criteria.terminated.kind is Infraction.ROUTE_TIMEOUT
    assert criteria.terminated.time == pytest.approx(timeout, abs=0.1)


def test_lb2_route_timeout_grows_with_progress(network, route) -> None:
    criteria = RouteCriteria(network, route, LB2)
    assert criteria.route_timeout == 300.0
    drive(criteria, network, route, 8.0, s_to=50.0)
    passed = criteria.route_completion / 100.0 * route.length
    limit = float(network.lane_speed_limits[route.lanes[0]])
    assert criteria.route_timeout == pytest.approx(300.0 + passed / (0.1 * limit))


def test_bench2drive_stops_after_4000_ticks(network, route) -> None:
    criteria = RouteCriteria(network, route, B2D)
    stand(criteria, network, route, 5.0, 4000, 0, speed=0.2)
    assert not criteria.finished
    stand(criteria, network, route, 5.0, 1, 4000, speed=0.2)
    assert criteria.tick_cap_reached and criteria.terminated is None


def test_scenario_reports_are_2_0_only(network, route) -> None:
    for rules, expected in ((LB2, 2), (LB1, 0)):
        criteria = RouteCriteria(network, route, rules)
        criteria.scenario_timeout("Accident_1", 12.0, np.array([1.0, 2.0, 0.0]))
        criteria.failed_to_yield(20.0, np.array([1.0, 2.0]))
        assert len(criteria.events) == expected
    kinds = [e.kind for e in RouteCriteria(network, route, LB2).events]
    assert kinds == []


def test_config_defaults_follow_the_rules() -> None:
    lb1, lb2, b2d = (CriteriaConfig.for_rules(r) for r in (LB1, LB2, B2D))
    assert (lb1.outside_lane_margin, lb2.outside_lane_margin) == (1.3, 0.5)
    assert (lb1.collision_radius, lb2.collision_radius, lb2.collision_min_speed) == (3.0, 5.0, 0.1)
    assert (lb1.blocked_time, lb2.blocked_time, b2d.blocked_time) == (180.0, 180.0, 60.0)
    assert (lb1.tick_cap, lb2.tick_cap, b2d.tick_cap) == (None, None, 4000)


def test_one_stop_serves_every_lane_zone_of_a_sign(network, route) -> None:
    """A sign controlling two lanes whose zones follow each other along the route asks for one stop."""
    lane = network.lane_points(JUNCTION_LANE)
    stops = SignalGroups(
        ids=np.array(["901"]),
        positions=np.array([[lane[0, 0] + 2.0, lane[0, 1] + 2.0, 1.0]]),
        lane_offsets=np.array([0, 2]),
        lanes=np.array([JUNCTION_LANE, JUNCTION_LANE]),
        stop_points=np.array([lane[0, :2], lane[min(3, lane.shape[0] - 1), :2]]),
    )
    two_zones = dataclasses.replace(network, stop_signs=stops)
    criteria = RouteCriteria(two_zones, route, LB2)
    line = stop_line_s(two_zones, route)
    frame, _ = drive(criteria, two_zones, route, 5.0, s_to=line - 2.5)
    frame = stand(criteria, two_zones, route, line - 2.5, 20, frame)
    drive(criteria, two_zones, route, 5.0, s_from=line - 2.5, s_to=line + 15.0, frame=frame)
    assert infractions(criteria.events) == ()
    rolling = RouteCriteria(two_zones, route, LB2)
    drive(rolling, two_zones, route, 5.0, s_to=line + 15.0)
    assert [e.kind for e in infractions(rolling.events)] == [Infraction.STOP_SIGN], "rolling through still counts once"


@pytest.mark.parametrize("rules,checkpoints", [(LB1, 0), (LB2, 4), (B2D, 20)])
def test_minimum_speed_checkpoints_compare_the_ego_with_traffic(network, route, rules, checkpoints) -> None:
    """The ego at 4 m/s among vehicles at 8 m/s drives at 50 % of the traffic's speed at every checkpoint."""
    criteria = RouteCriteria(network, route, rules)
    traffic = np.array([[500.0, 500.0, 0.0, 8.0, 4.5, 2.0, 1.5, ActorKind.VEHICLE]])  # far away, never hit
    drive(criteria, network, route, 4.0, s_to=route.length + 3.0, actors=traffic)
    events = [e for e in criteria.finish() if e.kind is Infraction.MIN_SPEED]
    assert len(events) == checkpoints
    assert all(abs(e.value - 50.0) < 1.0 for e in events)
