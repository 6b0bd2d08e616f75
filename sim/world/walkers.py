"""Walkers: each walks a straight segment back and forth, pausing at its ends.

Segments are the long axes of the town's crosswalks (so walkers cross the road where CARLA's
do); towns without crosswalks get kerb segments beside the outermost lanes. Walkers do not look
at traffic, as CARLA's AI walkers mostly do not: yielding is the drivers' job.
"""

from __future__ import annotations

import numpy as np
import shapely

from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, ActorKind
from sim.world.config import TrafficConfig
from sim.world.snapshot import ACTOR_COLUMNS

WALKER_SIZE = (0.5, 0.5, 1.8)  # [m] length, width, height of a walker box
KERB_OFFSET = 1.5  # [m] beyond the lane edge
KERB_LENGTH = 12  # [samples ~ m] length of a kerb segment
_END_MARGIN = 0.3  # [m] crossings stop short of the crosswalk's ends


def crosswalk_segments(network: RoadNetwork) -> np.ndarray:
    """``(C, 4)`` x0, y0, x1, y1 [m]: the long axis of each crosswalk's minimum rotated rectangle."""
    rows = []
    for k in range(network.crosswalk_offsets.shape[0] - 1):
        ring = network.crosswalk(k)
        box = np.asarray(shapely.minimum_rotated_rectangle(shapely.Polygon(ring)).exterior.coords)[:4]
        edges = np.roll(box, -1, axis=0) - box
        longest = int(np.argmax(np.hypot(*edges.T)))
        short = (longest + 1) % 4
        mid_a = box[short] + 0.5 * edges[short]  # middles of the two short edges
        mid_b = box[(short + 2) % 4] + 0.5 * edges[(short + 2) % 4]
        axis = mid_b - mid_a
        length = float(np.hypot(*axis))
        if length > 2 * _END_MARGIN:
            unit = axis / length
            rows.append([*(mid_a + _END_MARGIN * unit), *(mid_b - _END_MARGIN * unit)])
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


def kerb_segments(network: RoadNetwork) -> np.ndarray:
    """``(K, 4)`` straight kerb segments beside outermost non-junction lanes."""
    rows = []
    outer = np.flatnonzero((network.lane_right < 0) & (network.lane_junction_ids < 0))
    for lane in outer.tolist():
        lo, hi = network.lane_offsets[lane], network.lane_offsets[lane + 1]
        for start in range(lo, hi - KERB_LENGTH, KERB_LENGTH):
            a, b = network.points[start], network.points[start + KERB_LENGTH]
            if abs((b[2] - a[2] + np.pi) % (2 * np.pi) - np.pi) > 0.15:  # keep straight stretches only
                continue
            off = [0.5 * network.widths[start] + KERB_OFFSET, 0.5 * network.widths[start + KERB_LENGTH] + KERB_OFFSET]
            right_a = a[:2] + off[0] * np.array([np.sin(a[2]), -np.cos(a[2])])
            right_b = b[:2] + off[1] * np.array([np.sin(b[2]), -np.cos(b[2])])
            rows.append([*right_a, *right_b])
    return np.array(rows, dtype=np.float64).reshape(-1, 4)


class Walkers:
    """``W`` walkers on segments, updated in bulk with numpy."""

    def __init__(self, network: RoadNetwork, config: TrafficConfig, rng: np.random.Generator):
        self.config, self.rng = config, rng
        segments = crosswalk_segments(network)
        self.segments = segments if segments.shape[0] else kerb_segments(network)
        self.mid = 0.5 * (self.segments[:, :2] + self.segments[:, 2:])
        self.seg_len = np.hypot(*(self.segments[:, 2:] - self.segments[:, :2]).T)
        self.segment = np.zeros(0, dtype=np.int64)
        self.ids = np.zeros(0, dtype=np.int64)
        self.phase, self.direction, self.speed, self.pause = (np.zeros(0) for _ in range(4))

    def spawn(self, ego_xy: np.ndarray, count: int, next_id) -> None:
        """Place ``count`` walkers on segments within the active radius (fewer if there are none)."""
        near = np.flatnonzero(np.hypot(*(self.mid - ego_xy).T) < self.config.active_radius)
        if near.size == 0 or count <= 0:
            return
        self.segment = near[self.rng.integers(near.size, size=count)]
        self.ids = np.array([next_id() for _ in range(count)], dtype=np.int64)
        self.phase = self.rng.uniform(0.0, 1.0, size=count) * self.seg_len[self.segment]
        self.direction = self.rng.choice(np.array([-1.0, 1.0]), size=count)
        self.speed = self.rng.uniform(*self.config.walker_speed, size=count)
        self.pause = np.zeros(count)

    def step(self, dt: float) -> None:
        """Walk; at an end, turn around and wait a random pause."""
        if self.segment.size == 0:
            return
        walking = self.pause <= 0.0
        self.pause = np.maximum(self.pause - dt, 0.0)
        self.phase = self.phase + np.where(walking, self.direction * self.speed * dt, 0.0)
        length = self.seg_len[self.segment]
        ended = walking & ((self.phase <= 0.0) | (self.phase >= length))
        self.phase = np.clip(self.phase, 0.0, length)
        self.direction = np.where(ended, -self.direction, self.direction)
        self.pause = np.where(ended, self.rng.uniform(*self.config.walker_pause, size=self.phase.size), self.pause)

    def recycle(self, ego_xy: np.ndarray, next_id) -> None:
        """Move walkers whose segment is beyond the despawn radius to a segment near the ego."""
        if self.segment.size == 0:
            return
        far = np.hypot(*(self.mid[self.segment] - ego_xy).T) > self.config.despawn_radius
        if not far.any():
            return
        d = np.hypot(*(self.mid - ego_xy).T)
        ok = np.flatnonzero((d < self.config.active_radius) & (d > self.config.respawn_min_distance))
        if ok.size == 0:
            return
        rows = np.flatnonzero(far)
        self.segment[rows] = ok[self.rng.integers(ok.size, size=rows.size)]
        self.phase[rows] = 0.0
        self.ids[rows] = [next_id() for _ in rows]

    def moving_speed(self) -> np.ndarray:
        return np.where(self.pause > 0.0, 0.0, self.speed)

    def actor_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """``(ids (W,), actors (W, 8))`` for the snapshot."""
        seg = self.segments[self.segment]
        t = (self.phase / np.maximum(self.seg_len[self.segment], 1e-9))[:, None]
        xy = seg[:, :2] + t * (seg[:, 2:] - seg[:, :2])
        axis = seg[:, 2:] - seg[:, :2]
        heading = np.arctan2(axis[:, 1] * self.direction, axis[:, 0] * self.direction)
        actors = np.empty((self.segment.size, ACTOR_COLUMNS))
        actors[:, ActorIndex.X : ActorIndex.Y + 1] = xy
        actors[:, ActorIndex.HEADING] = heading
        actors[:, ActorIndex.SPEED] = self.moving_speed()
        actors[:, ActorIndex.LENGTH : ActorIndex.HEIGHT + 1] = WALKER_SIZE
        actors[:, ActorIndex.KIND] = ActorKind.WALKER
        return self.ids.copy(), actors
