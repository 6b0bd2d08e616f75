"""Leaderboard criteria on hand-made snapshots: completion, blocking, deviation, collisions, lanes, timeouts."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.eval.criteria import CriteriaConfig, RouteCriteria
from sim.eval.infractions import Infraction
from sim.types import ActorKind
from tests.sim.eval.criteria_drive import (
    B2D,
    DT,
    LB1,
    LB2,
    drive,
    infractions,
    pose_at,
    snapshot,
    stand,
    stop_line_s,
)


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
