"""Collisions of the ego box with other actors' boxes, counted the way the leaderboard's ``CollisionTest`` does.

CARLA's collision sensor fires on every tick of contact; the leaderboard turns that stream into
events by forgetting nothing for a while: a hit of the actor hit last, within a few seconds, is the
same collision, and so is any hit close to where a previous collision happened (until the ego has
moved away from it). Leaderboard 2.0 also ignores hits while the ego stands still (not its fault).
"""

from __future__ import annotations

import numpy as np

from sim.eval.criteria_common import CriteriaConfig, carla_location
from sim.eval.infractions import Infraction, InfractionEvent
from sim.kernels.boxes import convex_quads_intersect, oriented_box_corners
from sim.types import ActorIndex, ActorKind
from sim.world.snapshot import WorldSnapshot

# Collision class and CARLA-like type id per actor kind (the leaderboard classifies by type_id).
_CLASS = {
    ActorKind.VEHICLE: (Infraction.COLLISION_VEHICLE, "vehicle.embedded.car"),
    ActorKind.BICYCLE: (Infraction.COLLISION_VEHICLE, "vehicle.embedded.bicycle"),
    ActorKind.EMERGENCY: (Infraction.COLLISION_VEHICLE, "vehicle.embedded.emergency"),
    ActorKind.WALKER: (Infraction.COLLISION_PEDESTRIAN, "walker.pedestrian.embedded"),
    ActorKind.STATIC: (Infraction.COLLISION_STATIC, "static.prop.embedded"),
}


def overlapping_actors(snapshot: WorldSnapshot) -> np.ndarray:
    """Row indices of the actors whose box touches or overlaps the ego box."""
    actors = snapshot.actors
    if actors.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    ego = snapshot.ego
    length, width = float(ego.dimensions[0]), float(ego.dimensions[1])
    # Broad phase: bounding circles; only the few actors that may touch get the exact quad test.
    reach = 0.5 * np.hypot(length, width) + 0.5 * np.hypot(actors[:, ActorIndex.LENGTH], actors[:, ActorIndex.WIDTH])
    near = np.flatnonzero(
        np.hypot(actors[:, ActorIndex.X] - ego.center[0], actors[:, ActorIndex.Y] - ego.center[1]) <= reach + 1e-6
    )
    if near.size == 0:
        return near.astype(np.int64)
    ego_pose = np.array([[ego.center[0], ego.center[1], ego.pose[2]]])
    ego_quad = oriented_box_corners(ego_pose, np.array([length / 2.0]), np.array([width / 2.0]))[0]
    poses = np.ascontiguousarray(actors[near][:, [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING]])
    quads = oriented_box_corners(
        poses,
        np.ascontiguousarray(actors[near, ActorIndex.LENGTH] / 2.0),
        np.ascontiguousarray(actors[near, ActorIndex.WIDTH] / 2.0),
    )
    hits = [int(row) for row, quad in zip(near, quads, strict=True) if convex_quads_intersect(ego_quad, quad)]
    return np.array(hits, dtype=np.int64)


class CollisionCriterion:
    """Collision events with the leaderboard's de-duplication.

    Args:
        config: memory time, radius, forget distance and minimum ego speed.
    """

    def __init__(self, config: CriteriaConfig) -> None:
        self._config = config
        self._last_id: int | None = None
        self._last_time = -np.inf
        self._locations: list[np.ndarray] = []  # internal-frame ego locations of counted collisions

    def update(self, snapshot: WorldSnapshot) -> list[InfractionEvent]:
        """The new collision events of this tick."""
        ego_xy = np.asarray(snapshot.ego.center, dtype=np.float64)
        self._forget(snapshot.time, ego_xy)
        events = []
        for row in overlapping_actors(snapshot):
            actor_id = int(snapshot.actor_ids[row])
            if self._is_same_collision(actor_id, ego_xy) or abs(snapshot.ego.speed) < self._config.collision_min_speed:
                continue
            kind, type_id = _CLASS[ActorKind(int(snapshot.actors[row, ActorIndex.KIND]))]
            events.append(
                InfractionEvent(
                    kind=kind,
                    time=float(snapshot.time),
                    location=carla_location(ego_xy, snapshot.ego.z),
                    detail=f"{type_id} and id={actor_id}",
                )
            )
            self._last_id, self._last_time = actor_id, float(snapshot.time)
            self._locations.append(ego_xy.copy())
        return events

    def _forget(self, time: float, ego_xy: np.ndarray) -> None:
        """Drop the last id after the memory time and collision places the ego has moved away from."""
        if self._last_id is not None and time - self._last_time > self._config.collision_memory_time:
            self._last_id = None
        keep = self._config.collision_forget_distance
        self._locations = [xy for xy in self._locations if float(np.hypot(*(ego_xy - xy))) <= keep]

    def _is_same_collision(self, actor_id: int, ego_xy: np.ndarray) -> bool:
        if actor_id == self._last_id:
            return True
        radius = self._config.collision_radius
        return any(float(np.hypot(*(ego_xy - xy))) <= radius for xy in self._locations)
