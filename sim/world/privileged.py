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
from sim.world.snapshot import ACTOR_COLUMNS, WorldSnapshot


@dataclass(frozen=True)
class PrivilegedWorld(WorldSnapshot):
    """The world at one tick, for planners that may read ground truth: a snapshot and its static context.

    Attributes (besides :class:`WorldSnapshot`'s frame, time [s], town, ego, ``(A,)`` actor_ids,
    ``(A, 8)`` actors in :class:`sim.world.snapshot.ActorIndex` columns, and ``(S,)`` light_states
    of the rows of ``traffic_lights``):
        traffic_lights: ``S`` physical lights, the lanes each controls and the stop point on each lane.
        stop_signs: stop signs, the lanes each controls and the stop point on each lane.
        route: the ego's dense route.
        network: the town's road network: lanes, speed limits, map polygons. It is the map index a
            reader prepares once per route (e.g. :func:`sim.scoring.world_scene.prepare_world_map`).
    """

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
