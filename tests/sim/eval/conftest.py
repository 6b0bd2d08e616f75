"""Fixtures of the criteria tests: Town01 and a planned route through a lit junction."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.maps.route_planner import plan_route
from sim.maps.signals import SignalGroups
from sim.maps.town import load_town
from tests.sim.eval.criteria_drive import JUNCTION_LANE


@pytest.fixture(scope="module")
def network(data_dir):
    return load_town("Town01", data_dir)


@pytest.fixture(scope="module")
def route(network):
    keypoints = np.array([network.lane_points(81)[5, :2], network.lane_points(83)[60, :2]])
    planned = plan_route(network, keypoints, source="test")
    assert JUNCTION_LANE in set(planned.lanes.tolist())
    return planned


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
