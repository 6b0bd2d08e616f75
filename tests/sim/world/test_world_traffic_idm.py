"""Background vehicles: IDM queues, red lights, stop signs (kernel driven through BackgroundTraffic)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernels.traffic_rules import LaneRule
from sim.world.config import IdmConfig, TrafficConfig
from sim.world.lanes import build_lane_graph
from sim.world.traffic import BackgroundTraffic

DT = 0.05


def make_traffic(network, capacity=10, seed=0):
    graph = build_lane_graph(network, IdmConfig())
    return BackgroundTraffic(graph, TrafficConfig(), IdmConfig(), DT, capacity, np.random.default_rng(seed))


def straight_lane(network, min_length=120.0):
    lanes = np.flatnonzero((network.lane_junction_ids < 0) & (network.lane_lengths > min_length))
    return int(lanes[0])


def bumper_gaps(traffic, rows):
    order = sorted(rows, key=lambda r: traffic.s[r])
    pairs = zip(order[:-1], order[1:], strict=True)
    return [traffic.s[b] - traffic.s[a] - 0.5 * (traffic.length[a] + traffic.length[b]) for a, b in pairs]


def test_queue_behind_a_stopped_obstacle_never_collides(town01):
    traffic = make_traffic(town01)
    lane = straight_lane(town01)
    plan = np.full(traffic.plan.shape[1], -1)
    plan[0] = lane
    rows = [traffic.add(i, lane, 5.0 + 11.0 * i, 10.0, plan=plan.copy()) for i in range(5)]
    stop_xy = town01.lane_points(lane)[110, :2]  # a stopped car ~110 m along the lane
    obstacle = np.array([[*stop_xy, town01.lane_points(lane)[110, 2], 0.0, 4.5, 2.0]])
    rules = np.full(town01.num_lanes, LaneRule.FREE, dtype=np.int64)
    for _ in range(600):
        traffic.step(rules, obstacle)
        assert min(bumper_gaps(traffic, rows)) > 0.5
    assert np.all(traffic.speed[rows] < 0.05)
    front = max(rows, key=lambda r: traffic.s[r])
    gap_to_obstacle = np.hypot(*(traffic.pose[front, :2] - stop_xy)) - 0.5 * (traffic.length[front] + 4.5)
    assert 0.5 < gap_to_obstacle < 6.0


def light_approach(network):
    """(approach lane, controlled junction lane) of the first traffic light with a long approach."""
    lights = network.traffic_lights
    for lane in lights.lanes.tolist():
        before = network.lane_predecessors(lane)
        if before.size and network.lane_lengths[before[0]] > 40.0:
            return int(before[0]), int(lane)
    pytest.skip("no light with a 40 m approach")


def test_stops_at_red_and_resumes_on_green(town01):
    traffic = make_traffic(town01)
    approach, junction_lane = light_approach(town01)
    plan = np.full(traffic.plan.shape[1], -1)
    plan[:2] = approach, junction_lane
    row = traffic.add(1, approach, town01.lane_lengths[approach] - 40.0, 8.0, plan=plan)
    rules = np.full(town01.num_lanes, LaneRule.FREE, dtype=np.int64)
    rules[junction_lane] = LaneRule.RED
    none = np.zeros((0, 6))
    for _ in range(300):
        traffic.step(rules, none)
    front_to_line = town01.lane_lengths[approach] - traffic.s[row] - 0.5 * traffic.length[row]
    assert traffic.plan[row, 0] == approach and traffic.speed[row] < 0.05
    assert 0.0 < front_to_line < 3.0
    rules[junction_lane] = LaneRule.GREEN
    for _ in range(100):
        traffic.step(rules, none)
    assert traffic.plan[row, 0] != approach and traffic.speed[row] > 1.0


def test_stop_sign_means_a_full_stop_then_go(town05):
    traffic = make_traffic(town05)
    lane = int(town05.stop_signs.lanes[0])
    approach = int(town05.lane_predecessors(lane)[0])
    plan = np.full(traffic.plan.shape[1], -1)
    plan[:2] = approach, lane
    start = max(town05.lane_lengths[approach] - 30.0, 0.0)
    row = traffic.add(1, approach, start, 8.0, plan=plan)
    rules = np.full(town05.num_lanes, LaneRule.FREE, dtype=np.int64)
    rules[lane] = LaneRule.STOP_SIGN
    speeds, lanes = [], []
    for _ in range(300):
        traffic.step(rules, np.zeros((0, 6)))
        speeds.append(traffic.speed[row])
        lanes.append(traffic.plan[row, 0])
    entered = lanes.index(lane) if lane in lanes else None
    assert entered is not None, "never went on after the stop"
    assert min(speeds[:entered]) < 0.2  # came to a stop before the junction


def test_a_vehicle_stuck_inside_a_junction_stops_waiting_for_traffic_until_it_leaves(town01):
    traffic = make_traffic(town01)
    junction_lane = int(np.flatnonzero(traffic.graph.junction >= 0)[0])
    outside_lane = int(np.flatnonzero(traffic.graph.junction < 0)[0])
    inside = traffic.add(1, junction_lane, 2.0, 0.0)
    outside = traffic.add(2, outside_lane, 2.0, 0.0)
    traffic.stuck[[inside, outside]] = traffic.unjam_time - 1.0
    assert not traffic._unjam_flags()[[inside, outside]].any()
    traffic.stuck[[inside, outside]] = traffic.unjam_time + 1.0
    assert traffic._unjam_flags()[inside] and not traffic.unjam[outside]  # only inside a junction
    traffic.stuck[inside] = 0.0  # it creeps: the flag holds while it is still in the junction
    assert traffic._unjam_flags()[inside]
    traffic.plan[inside, 0] = outside_lane  # out of the junction: waits for traffic again
    assert not traffic._unjam_flags()[inside]
