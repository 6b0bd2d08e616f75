"""PDM-Closed scored by our own EPDMS scorer: in a NAVSIM parity scene and in the embedded world."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from agents.adapters import navsim_agent
from agents.registry import make_planner
from agents.world_scene import lead_on_route, scene_from_world
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_batch
from sim.world.snapshot import ActorIndex, ActorKind, LightState


def test_pdm_closed_in_a_navsim_scene_picks_its_best_epdms_proposal(data_dir: Path) -> None:
    scene_files = sorted((data_dir / "navsim_parity").glob("*/scene_v2.json"))
    if not scene_files:
        pytest.skip("no parity scenes")
    scene = load_scoring_scene(scene_files[0])
    planner = make_planner("pdm_closed")
    plan = planner.plan(navsim_agent.observation_from_scoring_scene(scene))
    assert plan.scores.shape == (15,) and np.all((plan.scores >= 0) & (plan.scores <= 1))
    assert plan.chosen == int(np.argmax(plan.scores))
    rescored = score_batch(scene, plan.proposals, planner.config.sampling).score
    assert np.allclose(rescored, plan.scores)


@pytest.fixture(scope="module")
def world(data_dir: Path):
    from routes.benchmarks import load_benchmark
    from sim.maps.route_planner import plan_route
    from sim.maps.town import load_town
    from sim.world.world import World

    description = load_benchmark("langauto-tiny", data_dir, "0").routes[0]
    network = load_town(description.town, data_dir)
    route = plan_route(network, description.keypoints)
    return World(network, route, seed=0), network, route


def test_world_scene_holds_the_route_the_actors_and_the_lights(world) -> None:
    simulation, network, route = world
    snapshot = simulation.snapshot()
    scene = scene_from_world(snapshot, network, route)
    assert scene.agents.states.shape[1] == 41 and scene.map_polygons.num_polygons > 0
    assert set(network.lane_token(int(lane)) for lane in route.lanes[:5]) <= set(scene.route_lane_ids)
    assert np.min(np.hypot(*(scene.centerline - snapshot.ego.pose[:2]).T)) < 3.0
    moving = scene.agents.states[:, -1, :2] - scene.agents.states[:, 0, :2]
    speeds = snapshot.actors[np.hypot(*(snapshot.actors[:, :2] - snapshot.ego.center).T) <= 80, ActorIndex.SPEED]
    assert np.allclose(np.hypot(*moving.T), np.abs(speeds) * 4.0)  # constant velocity over 4 s
    red = [i for i, s in enumerate(snapshot.light_states) if s in (LightState.RED, LightState.YELLOW)]
    controlled = {network.lane_token(int(lane)) for i in red for lane in network.traffic_lights.controlled_lanes(i)}
    assert set(scene.red_light_tokens) == controlled & set(scene.map_polygons.tokens)


def test_red_lights_beyond_the_map_radius_are_left_out(world) -> None:
    from agents.world_scene import WorldSceneConfig

    simulation, network, route = world
    snapshot = simulation.snapshot()
    all_red = type(snapshot)(
        frame=0, time=0.0, town=snapshot.town, ego=snapshot.ego, actor_ids=snapshot.actor_ids,
        actors=snapshot.actors, light_states=np.full_like(snapshot.light_states, LightState.RED),
    )  # fmt: skip
    near = scene_from_world(all_red, network, route, WorldSceneConfig(map_radius=30.0))
    town = scene_from_world(all_red, network, route, WorldSceneConfig(map_radius=5000.0))
    assert near.red_light_tokens.shape[0] < town.red_light_tokens.shape[0]
    assert set(near.red_light_tokens) <= set(near.map_polygons.tokens)
    score_batch(near, np.zeros((1, 8, 3)))  # the scorer accepts it


def test_a_stopped_vehicle_on_the_route_is_the_lead(world) -> None:
    simulation, network, route = world
    snapshot = simulation.snapshot()
    ahead = route.points[int(np.searchsorted(route.s, 30.0))]
    blocker = np.array([[ahead[0], ahead[1], ahead[2], 0.0, 4.5, 2.0, 1.5, ActorKind.VEHICLE]])
    only_blocker = type(snapshot)(
        frame=0, time=0.0, town=snapshot.town, ego=snapshot.ego, actor_ids=np.array([99]), actors=blocker,
        light_states=np.full_like(snapshot.light_states, LightState.GREEN),
    )  # fmt: skip
    gap, speed = lead_on_route(only_blocker, network, route)
    assert speed == 0.0 and 20.0 < gap < 30.0
    plan = make_planner("pdm_closed").plan(_world_observation(only_blocker, network, route))
    assert np.all(np.isfinite(plan.trajectory)) and plan.trajectory[-1, 0] < gap + 3.0  # it does not drive through


def _world_observation(snapshot, network, route):
    from agents.base import Observation
    from sim.geometry import to_local

    local = to_local(route.points, snapshot.ego.pose)
    privileged = {"snapshot": snapshot, "network": network, "route": route}
    return Observation(timestamp=0.0, speed=float(snapshot.ego.speed), route=local[:, :2], privileged=privileged)
