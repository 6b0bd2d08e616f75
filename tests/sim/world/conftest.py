"""Fixtures of the embedded-world tests: small towns and routes made by following lanes."""

from __future__ import annotations

import numpy as np
import pytest

from sim.maps.dense_route import lane_walk_route
from sim.maps.town import load_town


@pytest.fixture(scope="session")
def town01(data_dir):
    return load_town("Town01", data_dir)


@pytest.fixture(scope="session")
def town05(data_dir):
    return load_town("Town05", data_dir)


@pytest.fixture(scope="session")
def town01_route(town01):
    """About 600 m of Town01 lanes from a non-junction lane."""
    lane = int(np.flatnonzero((town01.lane_junction_ids < 0) & (town01.lane_lengths > 50))[0])
    return lane_walk_route(town01, lane, 600.0, np.random.default_rng(3))


def follow_route(world, ticks: int, speed: float = 6.0) -> None:
    """Drive the ego along its route with a small pure-pursuit + P speed controller (CARLA signs)."""
    for _ in range(ticks):
        ego = world.ego
        k = min(world.cursor.index + 6, world.route.points.shape[0] - 1)
        target = world.route.points[k, :2]
        bearing = np.arctan2(target[1] - ego.y, target[0] - ego.x)
        error = (bearing - ego.heading + np.pi) % (2 * np.pi) - np.pi
        throttle = float(np.clip(0.3 + 0.5 * (speed - ego.speed), 0.0, 1.0))
        brake = 1.0 if ego.speed > speed + 2.0 else 0.0
        world.apply(_Control(throttle=throttle, steer=float(np.clip(-1.5 * error, -1, 1)), brake=brake))
        world.tick()


class _Control:
    def __init__(self, throttle=0.0, steer=0.0, brake=0.0, hand_brake=False, reverse=False):
        self.throttle, self.steer, self.brake, self.hand_brake, self.reverse = (
            throttle,
            steer,
            brake,
            hand_brake,
            reverse,
        )


@pytest.fixture(scope="session")
def drive():
    """:func:`follow_route`, as a fixture (test modules cannot import conftest under importlib mode)."""
    return follow_route
