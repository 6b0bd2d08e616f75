"""The one DenseRoute: built from points (with or without a network), walked along lanes, followed by a cursor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.maps.dense_route import NO_LANE, DenseRoute, RouteCursor, RouteInputError, lane_walk_route
from sim.maps.route_planner import plan_route


def test_points_without_a_network_are_measured_and_know_no_lane() -> None:
    route = DenseRoute.from_points(np.array([[0.0, 0.0], [3.0, 4.0], [3.0, 10.0]]))
    np.testing.assert_allclose(route.s, [0.0, 5.0, 11.0])
    np.testing.assert_allclose(route.points[:, 2], [np.arctan2(4.0, 3.0), np.pi / 2, np.pi / 2])
    assert route.length == 11.0 and not route.has_lanes and np.all(route.lanes == NO_LANE)
    assert route.index_at(5.5) == 1 and route.index_at(-3.0) == 0 and route.index_at(99.0) == 2


@pytest.mark.parametrize(
    "points,message",
    [(np.zeros((1, 3)), r"\(1, 3\)"), (np.zeros((4, 5)), r"\(4, 5\)"), (np.array([[0.0, 0.0], [np.nan, 1.0]]), "NaN")],
)
def test_bad_points_are_refused_with_the_reason(points: np.ndarray, message: str) -> None:
    with pytest.raises(RouteInputError, match=message):
        DenseRoute.from_points(points)


def test_a_planned_route_and_its_points_located_on_the_network_agree(town) -> None:
    network = town("Town01")
    keypoints = np.array([network.lane_points(81)[5, :2], network.lane_points(83)[60, :2]])
    planned = plan_route(network, keypoints, source="test")
    located = DenseRoute.from_points(planned.points, network)
    assert located.town == planned.town == "Town01" and located.has_lanes
    np.testing.assert_array_equal(located.s, planned.s)
    assert np.mean(located.lanes == planned.lanes) > 0.95  # junction overlaps may pick a sibling lane
    np.testing.assert_allclose(located.z, planned.z, atol=0.5)


def test_a_lane_walk_carries_its_lanes_and_heights(town) -> None:
    network = town("Town01")
    route = lane_walk_route(network, 81, 300.0, np.random.default_rng(0))
    assert route.length > 250.0 and route.has_lanes
    np.testing.assert_array_equal(route.lanes[:3], [81, 81, 81])
    assert np.all(np.diff(route.s) > 0.05) and route.max_follow_gap < 2.0


def straight(count: int) -> DenseRoute:
    return DenseRoute.from_points(np.column_stack([np.arange(count, dtype=float), np.zeros(count)]))


@given(st.lists(st.floats(0.0, 199.0), min_size=1, max_size=30))
def test_the_cursor_moves_at_most_its_window(positions: list[float]) -> None:
    cursor = RouteCursor(straight(200), behind=5, ahead=60)
    for x in positions:
        before = cursor.index
        after = cursor.advance(np.array([x, 0.5]))
        assert before - 5 <= after < before + 60
        if before - 5 <= round(x) < before + 60:  # reachable: the nearest point
            assert abs(x - after) <= 0.5
    assert cursor.s == float(cursor.index)


def test_the_cursor_does_not_jump_to_a_later_pass_of_the_same_place() -> None:
    loop = np.array([[np.cos(a) * 20.0, np.sin(a) * 20.0] for a in np.linspace(0.0, 4 * np.pi, 250)])
    cursor = RouteCursor(DenseRoute.from_points(loop))
    for k in range(0, 60, 3):
        cursor.advance(loop[k])
    assert cursor.index < 70  # the second lap (points 125+) lies at the same place
