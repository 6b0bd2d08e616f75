"""PDM-Closed scored by our own EPDMS scorer: in a NAVSIM parity scene and in the embedded world."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from agents.adapters import navsim_agent
from agents.privileged import lead_on_route
from agents.registry import make_planner
from sim.scoring.scene_io import load_scoring_scene
from sim.scoring.scorer import score_batch
from sim.types import ActorKind, LightState
from tests.data_guard import missing_data


def test_pdm_closed_in_a_navsim_scene_picks_its_best_epdms_proposal(data_dir: Path) -> None:
    scene_files = sorted((data_dir / "navsim_parity").glob("*/scene_v2.json"))
    if not scene_files:
        missing_data("no parity scenes")
    scene = load_scoring_scene(scene_files[0])
    planner = make_planner("pdm_closed")
    plan = planner.plan(navsim_agent.observation_from_scoring_scene(scene))
    assert plan.scores.shape == (15,) and np.all((plan.scores >= 0) & (plan.scores <= 1))
    assert plan.chosen == int(np.argmax(plan.scores))
    rescored = score_batch(scene, plan.proposals, planner.config.sampling).score
    assert np.allclose(rescored, plan.scores)


@pytest.fixture
def world(tiny_route_world):
    return tiny_route_world


def test_a_stopped_vehicle_on_the_route_is_the_lead(world) -> None:
    route = world.route
    ahead = route.points[int(np.searchsorted(route.s, 30.0))]
    blocker = np.array([[ahead[0], ahead[1], ahead[2], 0.0, 4.5, 2.0, 1.5, ActorKind.VEHICLE]])
    only_blocker = dataclasses.replace(
        world, actor_ids=np.array([99]), actors=blocker, light_states=np.full_like(world.light_states, LightState.GREEN)
    )
    gap, speed = lead_on_route(only_blocker)
    assert speed == 0.0 and 20.0 < gap < 30.0
    plan = make_planner("pdm_closed").plan(_world_observation(only_blocker))
    assert np.all(np.isfinite(plan.trajectory)) and plan.trajectory[-1, 0] < gap + 3.0  # it does not drive through


def test_pdm_closed_prepares_the_map_once_per_route(world) -> None:
    planner = make_planner("pdm_closed")
    planner.plan(_world_observation(world))
    prepared = planner._world_map
    planner.plan(_world_observation(dataclasses.replace(world, time=world.time + 0.05)))
    assert planner._world_map is prepared and prepared.serves(world)
    planner.reset()
    assert planner._world_map is None


def test_pdm_closed_without_a_scene_or_a_world_says_what_it_needs() -> None:
    from agents.base import Observation

    straight = np.column_stack([np.arange(50.0), np.zeros(50)])
    with pytest.raises(ValueError, match="NAVSIM scene or the embedded world"):
        make_planner("pdm_closed").plan(Observation(timestamp=0.0, speed=3.0, route=straight))


def _world_observation(world):
    from agents.base import Observation
    from sim.geometry import to_local

    local = to_local(world.route.points[:, :2], world.ego.pose)
    return Observation(timestamp=world.time, speed=float(world.ego.speed), route=local, world=world)
