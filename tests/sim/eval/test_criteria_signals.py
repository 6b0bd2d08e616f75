"""Leaderboard criteria at the route's lit junction: red lights, stop signs, and the minimum-speed checkpoints."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import Infraction
from sim.maps.signals import SignalGroups
from sim.types import ActorKind, LightState
from tests.sim.eval.criteria_drive import (
    B2D,
    JUNCTION_LANE,
    LB1,
    LB2,
    LIGHT,
    drive,
    infractions,
    stand,
    stop_line_s,
    stop_then_cross,
)


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


def test_rolling_through_a_stop_sign_is_an_infraction(stop_network, route) -> None:
    criteria = RouteCriteria(stop_network, route, LB2)
    drive(criteria, stop_network, route, 5.0, s_to=stop_line_s(stop_network, route) + 15.0)
    assert [e.kind for e in infractions(criteria.events)] == [Infraction.STOP_SIGN]


def test_stopping_at_a_stop_sign_first_is_no_infraction(stop_network, route) -> None:
    criteria = RouteCriteria(stop_network, route, LB2)
    stop_then_cross(criteria, stop_network, route)
    assert infractions(criteria.events) == ()


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
    stop_then_cross(criteria, two_zones, route)
    assert infractions(criteria.events) == ()
    rolling = RouteCriteria(two_zones, route, LB2)
    drive(rolling, two_zones, route, 5.0, s_to=stop_line_s(two_zones, route) + 15.0)
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
