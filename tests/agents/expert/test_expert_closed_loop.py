"""The expert drives LangAuto-Tiny routes end to end in the embedded world through the PID controller.

The loop is the runner's tick done by hand: world snapshot -> Observation(world=...) ->
plan -> WaypointController -> world.apply -> world.tick, judged by the leaderboard criteria.
"""

from __future__ import annotations

import pytest

from agents.base import Observation
from agents.control.pid import LMDRIVE_CONTROL, WaypointController
from agents.expert.planner import ExpertPlanner
from routes.benchmarks import load_benchmark
from sim.eval.criteria import RouteCriteria
from sim.eval.infractions import Infraction, LeaderboardRules
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.world.world import World

MAX_SECONDS = 120.0  # [s] simulated; the LB1 timeout of these routes is about 100 s


@pytest.mark.parametrize("route_id", ["0", "10"])  # Town01: a straight road; a right turn at a light
def test_expert_completes_a_tiny_route_without_infractions(data_dir, route_id):
    benchmark = load_benchmark("langauto-tiny", data_dir, route_id)
    description = benchmark.routes[0]
    network = load_town(description.town, data_dir)
    route = plan_route(network, description.keypoints)
    world = World.from_route_description(
        network, description, route, seed=0, lb1_scenarios=benchmark.lb1_scenarios.get(description.town)
    )
    criteria = RouteCriteria(network, route, LeaderboardRules.LB1)
    planner, controller = ExpertPlanner(), WaypointController(LMDRIVE_CONTROL)
    speeds = []
    while world.time < MAX_SECONDS and not (criteria.completed or criteria.terminated is not None):
        snap = world.snapshot()
        plan = planner.plan(Observation(timestamp=snap.time, speed=snap.ego.speed, world=world.privileged(snap)))
        world.apply(controller.compute(plan.trajectory, plan.sampling, snap.ego.speed))
        world.tick()
        criteria.update(world.snapshot())
        speeds.append(world.snapshot().ego.speed)
    events = criteria.finish()
    kinds = [event.kind for event in events]
    assert criteria.completed, f"route {route_id} not completed (RC {criteria.route_completion:.1f}), events {kinds}"
    assert not [k for k in kinds if k is not Infraction.OUTSIDE_ROUTE_LANES], kinds
    outside = [event.value for event in events if event.kind is Infraction.OUTSIDE_ROUTE_LANES]
    assert not outside or max(outside) < 1.0  # [%] of the route driven outside its lanes
    assert max(speeds) < 9.0  # the expert's 8 m/s target, with the controller's overshoot
