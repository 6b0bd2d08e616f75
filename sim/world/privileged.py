"""What a privileged planner may know about the world at one tick: :class:`PrivilegedWorld`.

It is the ground truth a rule-based expert, a data collector or a debugger reads: the ego, every
other actor, the lights and stop signs, the route and the town's road network. The embedded world
builds it from its snapshot (:meth:`sim.world.world.World.privileged`); a CARLA adapter can build the
same object from CARLA's actor list, the map's OpenDRIVE and the global plan, since every field is
plain data of the internal frame (right-handed, x east, y north, heading counter-clockwise [rad]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.maps.signals import SignalGroups
from sim.world.snapshot import ACTOR_COLUMNS, EgoSnapshot, WorldSnapshot


@dataclass(frozen=True)
class PrivilegedWorld:
    """The world at one tick, for planners that may read ground truth.

    Attributes:
        frame: tick index since the route started.
        time: [s] simulated time.
        town: the town's name.
        ego: the ego vehicle (rear-axle pose, box centre, speed, accelerations, size).
        actor_ids: ``(A,)`` int64 stable ids of the other actors.
        actors: ``(A, 8)`` float64 box centre x, y [m], heading [rad], signed speed [m/s], length,
            width, height [m] and kind, :class:`sim.world.snapshot.ActorIndex` columns.
        light_states: ``(S,)`` int64 :class:`sim.world.snapshot.LightState` of each row of ``traffic_lights``.
        traffic_lights: ``S`` physical lights, the lanes each controls and the stop point on each lane.
        stop_signs: stop signs, the lanes each controls and the stop point on each lane.
        route: the ego's dense route.
        network: the town's road network: lanes, speed limits, map polygons. It is the map index a
            reader prepares once per route (e.g. :func:`sim.scoring.world_scene.prepare_world_map`).
    """

    frame: int
    time: float
    town: str
    ego: EgoSnapshot
    actor_ids: np.ndarray
    actors: np.ndarray
    light_states: np.ndarray
    traffic_lights: SignalGroups
    stop_signs: SignalGroups
    route: DenseRoute
    network: RoadNetwork

    def __post_init__(self) -> None:
        actors = np.asarray(self.actors)
        if actors.ndim != 2 or actors.shape[1] != ACTOR_COLUMNS or actors.shape[0] != np.shape(self.actor_ids)[0]:
            raise ValueError(
                f"PrivilegedWorld: actors must be (A, {ACTOR_COLUMNS}) with A actor_ids, "
                f"got {actors.shape} and {np.shape(self.actor_ids)}"
            )
        if np.shape(self.light_states) != (self.traffic_lights.count,):
            raise ValueError(
                f"PrivilegedWorld: light_states must hold one state per traffic light "
                f"({self.traffic_lights.count}), got shape {np.shape(self.light_states)}"
            )

    @classmethod
    def from_snapshot(cls, snapshot: WorldSnapshot, network: RoadNetwork, route: DenseRoute) -> PrivilegedWorld:
        """The snapshot with its town's network (whose lights and stop signs it uses) and the route."""
        return cls(snapshot.frame, snapshot.time, snapshot.town, snapshot.ego, snapshot.actor_ids, snapshot.actors,
                   snapshot.light_states, network.traffic_lights, network.stop_signs, route, network)  # fmt: skip

    @property
    def snapshot(self) -> WorldSnapshot:
        """The dynamic part alone (what sensors render and criteria judge)."""
        return WorldSnapshot(self.frame, self.time, self.town, self.ego, self.actor_ids, self.actors,
                             self.light_states)  # fmt: skip
