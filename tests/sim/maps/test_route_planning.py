"""Route planning on the real towns, the leaderboard's downsampling, the global plan and the CLI."""

from __future__ import annotations

import numpy as np
import pytest

from sim.frames import carla_to_internal_xy
from sim.geometry import wrap_angle
from sim.maps import RoadOption, RoutePlanningError, downsample_route, global_plan, plan_route
from sim.maps.check_routes import main as check_routes_main
from sim.maps.check_routes import read_keypoints

O = RoadOption


def _route(town, data_dir, route_id: str):
    """Plan route ``route_id`` of LangAuto-Tiny from its (CARLA) keypoints."""
    for rid, name, keypoints in read_keypoints(data_dir / "routes" / "langauto" / "benchmark_tiny.xml"):
        if rid == route_id:
            return town(name), plan_route(town(name), carla_to_internal_xy(keypoints[:, :2]))
    raise KeyError(route_id)


def test_tiny_route_is_connected_and_turns_right_where_it_turns(town, data_dir):
    network, route = _route(town, data_dir, "10")  # Town01
    assert 79.0 <= route.length <= 151.0
    assert route.max_follow_gap < 1.6
    options = route.road_options
    assert options[0] == O.LANEFOLLOW and options[-1] == O.LANEFOLLOW
    turning = np.flatnonzero(options == O.RIGHT)
    assert turning.size > 5 and np.all(network.lane_is_junction[route.lanes[turning]])
    # A right turn in the right-handed internal frame turns clockwise by about 90 degrees.
    swing = wrap_angle(route.points[turning[-1], 2] - route.points[turning[0] - 1, 2])
    assert swing == pytest.approx(-np.pi / 2, abs=np.radians(20))
    follow = options == O.LANEFOLLOW
    assert not np.any(network.lane_is_junction[route.lanes[follow]])
    assert route.keypoint_indices.tolist() == [0, route.points.shape[0] - 1]


def test_left_turns_and_straight_crossings(town, data_dir):
    network, route = _route(town, data_dir, "12")  # Town02: a left and a right turn
    left = np.flatnonzero(route.road_options == O.LEFT)
    assert left.size > 5
    assert wrap_angle(route.points[left[-1], 2] - route.points[left[0] - 1, 2]) > np.radians(60)
    _, straight = _route(town, data_dir, "48")  # Town05: straight through junctions
    crossing = np.flatnonzero(straight.road_options == O.STRAIGHT)
    assert crossing.size > 5
    assert abs(wrap_angle(straight.points[crossing[-1], 2] - straight.points[crossing[0], 2])) < np.radians(35)


def test_lane_change_is_marked_on_both_points_and_lands_on_the_neighbour(town, data_dir):
    network, route = _route(town, data_dir, "70")  # Town06: lane changes to both sides
    options = route.road_options
    for option, neighbours in ((O.CHANGELANELEFT, network.lane_left), (O.CHANGELANERIGHT, network.lane_right)):
        marked = np.flatnonzero(options == option)
        assert marked.size >= 2
        start = marked[0]
        assert options[start + 1] == option  # the change starts and lands with the same option
        assert neighbours[route.lanes[start]] == route.lanes[start + 1]
    assert route.max_follow_gap < 1.6


def test_keypoint_far_from_every_road_is_an_error(town):
    network = town("Town01")
    start = network.points[10, :2]
    with pytest.raises(RoutePlanningError, match=r"my_routes.xml route 7: keypoint 1 .* m from the nearest"):
        plan_route(network, np.array([start, start + [5000.0, 0.0]]), source="my_routes.xml route 7")
    with pytest.raises(RoutePlanningError, match="at least two"):
        plan_route(network, start[None, :])


def test_same_lane_route_and_goal_behind_do_not_loop(town):
    network = town("Town01")
    lane = int(np.argmax(network.lane_lengths))
    points = network.lane_points(lane)
    ahead = plan_route(network, points[[2, 20], :2])
    assert ahead.points.shape[0] == 19 and np.all(ahead.lanes == lane)
    behind = plan_route(network, points[[20, 2], :2])  # like CARLA: no loop around the block
    assert behind.points.shape[0] == 1


def _xy(n: int) -> np.ndarray:
    return np.column_stack([np.arange(n, dtype=float), np.zeros(n)])


def test_downsampling_keeps_changes_lane_changes_distance_and_the_end():
    options = np.full(130, int(O.LANEFOLLOW))
    options[40:45] = O.LEFT
    options[70:72] = O.CHANGELANELEFT
    kept = downsample_route(_xy(130), options, 50.0).tolist()
    # first point, entering / leaving the turn, both lane-change points, >50 m, last point.
    assert kept == [0, 40, 45, 70, 71, 123, 129]  # 72..122 add 51 m; 123 is the first past 50
    assert downsample_route(_xy(3), np.full(3, int(O.LANEFOLLOW)), 50.0).tolist() == [0, 2]
    # The point after a lane change is not kept for the change of option alone.
    assert 72 not in kept


def test_global_plan_in_world_and_gps(town, data_dir):
    network, route = _route(town, data_dir, "10")
    plan = global_plan(route, network.geo, 50.0)
    assert plan.indices[0] == 0 and plan.indices[-1] == route.points.shape[0] - 1
    np.testing.assert_allclose(plan.carla_poses[:, 1], -plan.points[:, 1])  # CARLA's y is flipped
    np.testing.assert_allclose(network.geo.gps_to_internal(plan.gps), plan.points[:, :2], atol=1e-6)
    gps_route = plan.gps_route()
    assert set(gps_route[0][0]) == {"lat", "lon", "z"} and gps_route[-1][1] == O.LANEFOLLOW
    world = plan.world_route()
    assert world[0][0].location.x == pytest.approx(plan.carla_poses[0, 0], abs=1e-3)
    assert world[0][0].rotation.yaw == pytest.approx(plan.carla_poses[0, 3], abs=1e-3)
    dense = global_plan(route, network.geo, None)
    assert dense.indices.size == route.points.shape[0]


def test_check_routes_cli(data_dir, tmp_path, caplog):
    caplog.set_level("INFO")
    assert (
        check_routes_main([str(data_dir / "routes" / "langauto" / "benchmark_tiny.xml"), "--data-dir", str(data_dir)])
        == 0
    )
    assert "16/16 routes connected" in caplog.text
    lb2 = tmp_path / "lb2.xml"
    lb2.write_text(
        '<routes><route id="1" town="Town02"><waypoints><position x="-3.4" y="123.0" z="0"/>'
        '<position x="65.0" y="109.6" z="0"/></waypoints></route>'
        '<route id="2" town="Town13"><waypoints><position x="0" y="0" z="0"/></waypoints></route></routes>'
    )
    caplog.clear()
    assert check_routes_main([str(lb2), "--data-dir", str(data_dir)]) == 0
    assert "1/1 routes connected (1 skipped" in caplog.text
    broken = tmp_path / "broken.xml"
    broken.write_text('<routes><route id="3" town="Town01"><waypoint x="abc" y="1"/></route></routes>')
    assert check_routes_main([str(broken), "--data-dir", str(data_dir)]) == 2
    assert "route 3 keypoint 0" in caplog.text


def test_keypoint_height_picks_the_road_level_at_an_overpass(town, data_dir):
    routes = read_keypoints(data_dir / "routes" / "bench2drive" / "bench2drive_0.0.4_val.xml")
    keypoints = next(kps for rid, name, kps in routes if rid == "28008")  # Town05, under the overpass
    internal = np.column_stack([carla_to_internal_xy(keypoints[:, :2]), keypoints[:, 2]])
    route = plan_route(town("Town05"), internal)
    assert route.length < 200.0 and route.max_follow_gap < 1.6
    assert plan_route(town("Town05"), internal[:, :2]).length > 1000.0  # without z it snaps to the wrong level
