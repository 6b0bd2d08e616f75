"""The scoring material of an episode: what :func:`agents.collect.scene.scene_for_sample` rebuilds a scene from.

Per sample: the ego state, every actor within ``track_radius`` [m] (box, speed, kind; global
frame) and the state of every light controlling a lane near the route. Per episode: the dense
route (points and lane indices). Stored as the layout's episode arrays (``EPISODE_ARRAYS``).
"""

from __future__ import annotations

import numpy as np

from models.common.driving_data import EpisodeWriter
from models.common.driving_data.layout import TrackColumn
from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex
from sim.world.snapshot import WorldSnapshot

LIGHT_REACH = 60.0  # [m] lights whose stop line lies this close to a route point are recorded
_TRACK_FROM_ACTOR = [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING, ActorIndex.SPEED, ActorIndex.LENGTH,
                     ActorIndex.WIDTH, ActorIndex.HEIGHT, ActorIndex.KIND]  # fmt: skip


def route_light_lanes(network: RoadNetwork, route: DenseRoute, reach: float = LIGHT_REACH) -> tuple[np.ndarray, ...]:
    """``(lanes (L,), owning light row (L,))`` of the light-controlled lanes within ``reach`` [m] of the route."""
    lights = network.traffic_lights
    owners = np.repeat(np.arange(lights.count), np.diff(lights.lane_offsets))
    if lights.lanes.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    step = max(1, route.points.shape[0] // 400)  # every few metres is enough for a 60 m reach
    points = route.points[::step, :2]
    near = np.zeros(lights.lanes.shape[0], dtype=bool)
    for start in range(0, points.shape[0], 256):
        chunk = points[start : start + 256]
        distance = np.hypot(*(lights.stop_points[:, None, :] - chunk[None]).transpose(2, 0, 1))
        near |= distance.min(axis=1) <= reach
    return lights.lanes[near].astype(np.int64), owners[near].astype(np.int64)


class ScoringMaterial:
    """Accumulates the per-sample rows; :meth:`store` writes the episode arrays."""

    def __init__(self, network: RoadNetwork, route: DenseRoute, track_radius: float) -> None:
        self.route, self.track_radius = route, track_radius
        self.light_lanes, self._light_owner = route_light_lanes(network, route)
        self._ego: list[np.ndarray] = []
        self._tracks: list[tuple[np.ndarray, np.ndarray]] = []
        self._lights: list[np.ndarray] = []

    def add(self, snapshot: WorldSnapshot, ego_state: np.ndarray) -> None:
        actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
        near = np.hypot(*(actors[:, :2] - np.asarray(snapshot.ego.center)).T) <= self.track_radius
        self._ego.append(ego_state)
        self._tracks.append((np.asarray(snapshot.actor_ids)[near].astype(np.int64), actors[near][:, _TRACK_FROM_ACTOR]))
        self._lights.append(np.asarray(snapshot.light_states, dtype=np.int64)[self._light_owner])

    def arrays(self) -> dict[str, np.ndarray]:
        """The episode arrays: ego_state, track_ids, tracks, track_valid, light_lane_ids, light_states, route_*."""
        n = len(self._ego)
        ids = np.unique(np.concatenate([i for i, _ in self._tracks])) if self._tracks else np.zeros(0, np.int64)
        tracks = np.zeros((n, ids.size, len(TrackColumn)))
        valid = np.zeros((n, ids.size), dtype=bool)
        for k, (row_ids, rows) in enumerate(self._tracks):
            columns = np.searchsorted(ids, row_ids)
            tracks[k, columns], valid[k, columns] = rows, True
        lights = np.stack(self._lights) if n else np.zeros((0, self.light_lanes.size), np.int64)
        return {
            "ego_state": np.stack(self._ego) if n else np.zeros((0, 11)),
            "track_ids": ids.astype(np.int64),
            "tracks": tracks,
            "track_valid": valid,
            "light_lane_ids": self.light_lanes,
            "light_states": lights.reshape(n, self.light_lanes.size),
            "route_points": np.asarray(self.route.points, dtype=np.float64),
            "route_lane_ids": np.asarray(self.route.lanes, dtype=np.int64),
        }

    def store(self, writer: EpisodeWriter) -> None:
        for name, array in self.arrays().items():
            writer.set_array(name, array)
