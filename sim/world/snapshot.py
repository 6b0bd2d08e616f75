"""What the embedded world looks like at one tick: the contract between the world and its readers.

The world (``sim/world``) produces a :class:`WorldSnapshot` every tick; sensors render from it,
criteria judge it, privileged planners read it. Everything is in the internal frame
(right-handed, x east, y north, heading counter-clockwise [rad]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.types import ActorIndex, ActorKind

ACTOR_COLUMNS = len(ActorIndex)


@dataclass(frozen=True)
class EgoSnapshot:
    """The ego vehicle.

    Attributes:
        pose: ``(3,)`` rear-axle x [m], y [m], heading [rad].
        center: ``(2,)`` box centre x, y [m].
        z: [m] ground height under the ego.
        speed: [m/s] signed forward speed (negative when reversing).
        acceleration: ``(2,)`` body-frame longitudinal, lateral [m/s^2].
        yaw_rate: [rad/s].
        dimensions: ``(3,)`` length, width, height [m].
        steer: last applied steer in [-1, 1] (CARLA's sign: positive is right).
    """

    pose: np.ndarray
    center: np.ndarray
    z: float
    speed: float
    acceleration: np.ndarray
    yaw_rate: float
    dimensions: np.ndarray
    steer: float = 0.0


@dataclass(frozen=True)
class WorldSnapshot:
    """Everything dynamic at one tick; the static road network is ``town``.

    Attributes:
        frame: tick index since the route started.
        time: [s] simulated time.
        town: name of the town whose :class:`sim.maps.road_network.RoadNetwork` this runs on.
        ego: the ego vehicle.
        actor_ids: ``(A,)`` int64 stable ids of the other actors.
        actors: ``(A, 8)`` float64, :class:`ActorIndex` columns.
        light_states: ``(S,)`` int64 :class:`LightState` per row of the network's
            ``traffic_lights`` (one row per physical light).
    """

    frame: int
    time: float
    town: str
    ego: EgoSnapshot
    actor_ids: np.ndarray
    actors: np.ndarray
    light_states: np.ndarray

    def actors_of_kind(self, kind: ActorKind) -> np.ndarray:
        """Rows of :attr:`actors` of one kind."""
        return self.actors[self.actors[:, ActorIndex.KIND] == kind]
