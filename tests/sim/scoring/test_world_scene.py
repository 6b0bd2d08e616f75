"""A privileged world as a scoring scene: the route, the actors, the lights, and the map prepared once per route."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.scoring.config import EPDMS_CONFIG
from sim.scoring.evaluation import prepare_scene
from sim.scoring.scorer import score_batch
from sim.scoring.world_scene import (
    WorldSceneConfig,
    prepare_world_map,
    scene_from_world,
    score_in_world,
)
from sim.types import NAVSIM_SAMPLING, ActorIndex, LightState


@pytest.fixture
def world(tiny_route_world):
    return tiny_route_world


def test_world_scene_holds_the_route_the_actors_and_the_lights(world) -> None:
    scene = scene_from_world(world)
    network, route = world.network, world.route
    assert scene.agents.states.shape[1] == 41 and scene.map_polygons.num_polygons > 0
    assert set(network.lane_token(int(lane)) for lane in route.lanes[:5]) <= set(scene.route_lane_ids)
    assert np.min(np.hypot(*(scene.centerline - world.ego.pose[:2]).T)) < 3.0
    moving = scene.agents.states[:, -1, :2] - scene.agents.states[:, 0, :2]
    speeds = world.actors[np.hypot(*(world.actors[:, :2] - world.ego.center).T) <= 80, ActorIndex.SPEED]
    assert np.allclose(np.hypot(*moving.T), np.abs(speeds) * 4.0)  # constant velocity over 4 s
    red = [i for i, s in enumerate(world.light_states) if s in (LightState.RED, LightState.YELLOW)]
    controlled = {network.lane_token(int(lane)) for i in red for lane in world.traffic_lights.controlled_lanes(i)}
    assert set(scene.red_light_tokens) == controlled & set(scene.map_polygons.tokens)


def test_red_lights_beyond_the_map_radius_are_left_out(world) -> None:
    all_red = dataclasses.replace(world, light_states=np.full_like(world.light_states, LightState.RED))
    near = scene_from_world(all_red, WorldSceneConfig(map_radius=30.0))
    town = scene_from_world(all_red, WorldSceneConfig(map_radius=5000.0))
    assert near.red_light_tokens.shape[0] < town.red_light_tokens.shape[0]
    assert set(near.red_light_tokens) <= set(near.map_polygons.tokens)
    score_batch(near, np.zeros((1, 8, 3)))  # the scorer accepts it


def test_the_prepared_map_scores_like_a_scene_indexed_from_scratch(world) -> None:
    world_map = prepare_world_map(world.network, world.route)
    proposals = np.zeros((3, 8, 3))
    proposals[:, :, 0] = np.arange(1, 9) * np.array([[1.0], [2.0], [3.0]])  # 2, 4 and 6 m/s straight on
    scene = scene_from_world(world, WorldSceneConfig(map_radius=None))
    assert world_map.route_lane_ids == scene.route_lane_ids
    fresh = score_batch(scene, proposals, NAVSIM_SAMPLING).score
    np.testing.assert_array_equal(score_in_world(world, proposals, NAVSIM_SAMPLING, world_map), fresh)
    reused = prepare_scene(scene, EPDMS_CONFIG, map_index=world_map.index)
    assert reused.map_index is world_map.index


def test_a_map_prepared_for_another_route_is_refused(world) -> None:
    other = dataclasses.replace(world.route, points=world.route.points.copy())
    world_map = prepare_world_map(world.network, other)
    assert not world_map.serves(world)
    with pytest.raises(ValueError, match="another route"):
        score_in_world(world, np.zeros((1, 8, 3)), NAVSIM_SAMPLING, world_map)
