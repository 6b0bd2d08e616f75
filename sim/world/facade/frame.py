"""One tick of the embedded world as the facade serves it: rows by actor id and derived motion.

CARLA reports velocities, accelerations and angular velocities of every actor; the embedded snapshot
holds each actor's signed speed along its heading. Velocities follow from the heading; accelerations
and yaw rates of other actors are finite differences against the previous tick (zero for an actor's
first tick). The ego's come from its dynamics. Internal frame: x east, y north, heading
counter-clockwise [rad].
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from sim.geometry import wrap_angle
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex
from sim.world.facade.convert import carla_rows
from sim.world.snapshot import WorldSnapshot

HERO_ID = 0  # the embedded world's ego id


class FrameState:
    """The facade's view of one :class:`WorldSnapshot` (values computed on first use).

    Args:
        snapshot: this tick's snapshot.
        previous: the previous tick's state (for accelerations and yaw rates), or None.
        network: the town (ground heights).
    """

    def __init__(self, snapshot: WorldSnapshot, previous: FrameState | None, network: RoadNetwork) -> None:
        self.snapshot, self.network = snapshot, network
        self._previous = previous
        self.rows = {int(actor_id): row for row, actor_id in enumerate(np.asarray(snapshot.actor_ids).tolist())}

    @property
    def actors(self) -> np.ndarray:
        """``(A, 8)`` :class:`ActorIndex` rows."""
        return self.snapshot.actors

    @cached_property
    def velocities(self) -> np.ndarray:
        """``(A, 2)`` [m/s] internal velocity of every actor."""
        heading, speed = self.actors[:, ActorIndex.HEADING], self.actors[:, ActorIndex.SPEED]
        return np.column_stack([speed * np.cos(heading), speed * np.sin(heading)])

    @cached_property
    def _rates(self) -> tuple[np.ndarray, np.ndarray]:
        count = self.actors.shape[0]
        accelerations, yaw_rates = np.zeros((count, 2)), np.zeros(count)
        previous = self._previous
        dt = self.snapshot.time - previous.snapshot.time if previous is not None else 0.0
        if previous is None or dt <= 0.0:
            return accelerations, yaw_rates
        for actor_id, row in self.rows.items():
            before = previous.rows.get(actor_id)
            if before is None:
                continue
            accelerations[row] = (self.velocities[row] - previous.velocities[before]) / dt
            turn = wrap_angle(self.actors[row, ActorIndex.HEADING] - previous.actors[before, ActorIndex.HEADING])
            yaw_rates[row] = float(turn) / dt
        return accelerations, yaw_rates

    @property
    def accelerations(self) -> np.ndarray:
        """``(A, 2)`` [m/s^2] internal acceleration of every actor (finite difference)."""
        return self._rates[0]

    @property
    def yaw_rates(self) -> np.ndarray:
        """``(A,)`` [rad/s] (finite difference)."""
        return self._rates[1]

    @cached_property
    def ground_z(self) -> np.ndarray:
        """``(A,)`` [m] road height under every actor (the level nearest the ego's where roads cross)."""
        return self.network.ground_z(self.actors[:, :2], float(self.snapshot.ego.z))

    @cached_property
    def ego_acceleration(self) -> np.ndarray:
        """``(2,)`` [m/s^2] the ego's acceleration in the internal world frame."""
        ego = self.snapshot.ego
        heading = float(ego.pose[2])
        along, left = float(ego.acceleration[0]), float(ego.acceleration[1])
        c, s = np.cos(heading), np.sin(heading)
        return np.array([c * along - s * left, s * along + c * left])

    @cached_property
    def carla_table(self) -> dict[int, list[float]]:
        """Actor id (the hero's :data:`HERO_ID` included) -> its :class:`sim.world.facade.convert.Column` row."""
        ego, actors = self.snapshot.ego, self.actors
        heading, speed = float(ego.pose[2]), float(ego.speed)
        ego_pose = [float(ego.center[0]), float(ego.center[1]), float(ego.z), heading]
        poses = np.column_stack([actors[:, ActorIndex.X], actors[:, ActorIndex.Y], self.ground_z,
                                 actors[:, ActorIndex.HEADING]])  # fmt: skip
        rows = carla_rows(
            np.vstack([ego_pose, poses]),
            np.vstack([[speed * np.cos(heading), speed * np.sin(heading)], self.velocities]),
            np.vstack([self.ego_acceleration, self.accelerations]),
            np.concatenate([[float(ego.yaw_rate)], self.yaw_rates]),
            np.vstack([np.asarray(ego.dimensions, dtype=np.float64), actors[:, ActorIndex.LENGTH : ActorIndex.KIND]]),
        )
        return dict(zip([HERO_ID, *self.rows], rows.tolist(), strict=True))
