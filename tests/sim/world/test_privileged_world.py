"""The embedded world hands privileged planners one typed PrivilegedWorld per tick."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.types import ActorKind
from sim.world.config import TrafficConfig, WorldConfig
from sim.world.privileged import PrivilegedWorld
from sim.world.snapshot import WorldSnapshot
from sim.world.world import World

CONFIG = WorldConfig(traffic=TrafficConfig(num_vehicles=8, num_walkers=2))


def test_the_world_builds_it_from_its_snapshot(town01, town01_route, drive) -> None:
    world = World(town01, town01_route, CONFIG, seed=1)
    drive(world, 10)
    snapshot = world.snapshot()
    privileged = world.privileged(snapshot)
    assert privileged.route is town01_route and privileged.network is town01
    assert privileged.traffic_lights is town01.traffic_lights and privileged.stop_signs is town01.stop_signs
    assert isinstance(privileged, WorldSnapshot) and privileged.actors is snapshot.actors and privileged.frame == 10
    assert privileged.actors.shape == (privileged.actor_ids.shape[0], 8) and privileged.actor_ids.shape[0] > 0
    fresh = world.privileged()  # the world takes its own snapshot when none is given
    np.testing.assert_array_equal(fresh.actors, privileged.actors)


def test_mismatched_arrays_are_refused_with_their_shapes(town01, town01_route) -> None:
    privileged = World(town01, town01_route, CONFIG, seed=1).privileged()
    with pytest.raises(ValueError, match=r"actors must be \(A, 8\)"):
        dataclasses.replace(privileged, actor_ids=np.zeros(privileged.actor_ids.shape[0] + 1, dtype=np.int64))
    with pytest.raises(ValueError, match="one state per traffic light"):
        dataclasses.replace(privileged, light_states=np.zeros(1, dtype=np.int64))


def test_it_holds_plain_data_that_another_simulator_can_fill(town01, town01_route) -> None:
    """Built from arrays alone (as a CARLA adapter would), nothing of the embedded world needed."""
    snapshot = World(town01, town01_route, CONFIG, seed=1).snapshot()
    built = PrivilegedWorld(
        frame=3, time=0.15, town="Town01", ego=snapshot.ego, actor_ids=np.zeros(0, dtype=np.int64),
        actors=np.zeros((0, 8)), light_states=np.zeros(town01.traffic_lights.count, dtype=np.int64),
        traffic_lights=town01.traffic_lights, stop_signs=town01.stop_signs, route=town01_route, network=town01,
    )  # fmt: skip
    assert built.frame == 3 and built.actors_of_kind(ActorKind.VEHICLE).shape == (0, 8)
