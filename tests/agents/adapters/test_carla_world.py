"""One adapter from CARLA's API to PrivilegedWorld: the generic path over CARLA objects equals the fast path."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from agents.adapters.carla_world import CarlaWorldReader
from routes.benchmarks import load_benchmark
from routes.route_types import LeaderboardVersion
from sim.maps.global_plan import global_plan
from sim.maps.route_planner import plan_route
from sim.maps.town import load_town
from sim.run.carla_env.road_option import RoadOption
from sim.world.facade import FacadeWorld
from sim.world.world import World

FLOAT32_POSITION = 1e-4  # [m] CARLA's objects hold float32: ~1e-5 m at a few hundred metres from the origin


@pytest.fixture(scope="module")
def moving_world(data_dir):
    """LangAuto-Tiny route 10 (Town01, traffic around) after two seconds of driving ahead."""
    description = load_benchmark("langauto-tiny", data_dir, "10").routes[0]
    network = load_town(description.town, data_dir)
    keypoints = np.column_stack([description.keypoints, description.keypoints_carla[:, 2]])
    route = plan_route(network, keypoints, source=description.source)
    world = World.from_route_description(network, description, route, None, 0)
    facade = FacadeWorld(world, LeaderboardVersion.LB1, str(data_dir))
    control = SimpleNamespace(throttle=0.4, steer=0.0, brake=0.0, hand_brake=False, reverse=False)
    for _ in range(40):
        world.apply(control)
        world.tick()
        facade.update(world.snapshot())
    return facade, global_plan(route, network.geo, None).world_route(RoadOption)


def test_the_generic_path_reads_the_facade_s_carla_objects_as_the_fast_path_does(moving_world):
    facade, plan = moving_world
    fast = facade.privileged()
    generic = CarlaWorldReader(plan).read_carla(facade, facade.hero, facade.get_map())
    assert generic.network.source_sha256 == fast.network.source_sha256  # the town rebuilt from to_opendrive()
    assert (generic.frame, generic.town) == (fast.frame, fast.town) and generic.time == pytest.approx(fast.time)
    np.testing.assert_array_equal(generic.actor_ids, fast.actor_ids)
    assert fast.actor_ids.size > 0
    np.testing.assert_allclose(generic.actors, fast.actors, atol=FLOAT32_POSITION)
    np.testing.assert_array_equal(generic.light_states, fast.light_states)
    for name in ("pose", "center", "acceleration", "dimensions"):
        np.testing.assert_allclose(getattr(generic.ego, name), getattr(fast.ego, name), atol=FLOAT32_POSITION)
    for name in ("z", "speed", "yaw_rate", "steer"):
        assert getattr(generic.ego, name) == pytest.approx(getattr(fast.ego, name), abs=FLOAT32_POSITION)
    np.testing.assert_allclose(generic.route.points, fast.route.points, atol=FLOAT32_POSITION)
    np.testing.assert_array_equal(generic.route.road_options, fast.route.road_options)
    np.testing.assert_array_equal(generic.route.lanes, fast.route.lanes)


def test_without_a_world_the_reader_says_it_runs_inside_an_evaluator(monkeypatch):
    provider = SimpleNamespace(get_world=lambda: None)
    monkeypatch.setattr("agents.adapters.carla_world.carla_data_provider", lambda: provider)
    with pytest.raises(RuntimeError, match="no world"):
        CarlaWorldReader([]).read()
