"""The road network of one town: driving lanes, lane graph, polygons and signals, internal frame.

Everything is a packed array, so a town round-trips through an ``.npz`` cache and the world can
hand slices to kernels. Lanes are OpenDRIVE lanes inside one lane section, keyed by
``(road_id, section_id, lane_id)``; their centrelines are sampled about every 1 m in driving
direction. Frames and units: right-handed internal frame (x east, y north), metres, radians.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from sim.frames import GeoReference
from sim.geometry import wrap_angle
from sim.maps.signals import SignalGroups
from sim.types import MapPolygons

LANE_CHANGE_RIGHT = 1  # carla.LaneChange.Right bit of ``RoadNetwork.lane_change``
LANE_CHANGE_LEFT = 2  # carla.LaneChange.Left bit
_QUERY_NEIGHBOURS = 16  # nearest samples examined by ``locate``
_LEVEL_TOLERANCE = 2.0  # [m] height difference ``locate`` ignores (keypoint z is not always exact)


_GROUND_SEARCH = 4  # nearest centreline samples examined for a ground height
_GROUND_MAX_DISTANCE = 6.0  # [m] farther than this from every sample, a point keeps the reference height


def ground_heights(tree, heights: np.ndarray, xy: np.ndarray, reference_z: float) -> np.ndarray:
    """``(A,)`` [m] road height under points ``(A, 2)``: of the nearby samples, the one nearest ``reference_z``.

    Args:
        tree: ``scipy.spatial.cKDTree`` over the samples' x, y [m].
        heights: ``(N,)`` [m] height of each sample.
        xy: query points [m]; ``reference_z`` [m] picks the level where roads cross and is kept
            for points farther than 6 m from every sample.
    """
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    if xy.shape[0] == 0:
        return np.zeros(0)
    k = min(_GROUND_SEARCH, heights.shape[0])
    dist, idx = tree.query(xy, k=k)
    dist, idx = dist.reshape(xy.shape[0], k), idx.reshape(xy.shape[0], k)
    z = heights[idx]
    score = np.where(dist <= _GROUND_MAX_DISTANCE, np.abs(z - reference_z), np.inf)
    picked = z[np.arange(xy.shape[0]), np.argmin(score, axis=1)]
    return np.where(np.isfinite(score.min(axis=1)), picked, reference_z)


class LaneMatch(NamedTuple):
    """Where a point projects onto the lane network."""

    lane: int  # lane index
    s: float  # [m] arc length along the lane's centreline
    distance: float  # [m] from the point to the centreline
    point: int  # index of the sample at or before the projection


@dataclass(frozen=True)
class RoadNetwork:
    """Driving lanes and everything attached to them (``L`` lanes, ``N`` centreline samples).

    Attributes:
        name: town name, e.g. ``"Town01"``.
        source_sha256: sha256 of the OpenDRIVE text it was built from.
        geo: the town's GPS reference (``<geoReference>``).
        lane_keys: ``(L, 3)`` int64 OpenDRIVE road_id, section_id, lane_id.
        lane_junction_ids: ``(L,)`` int64 OpenDRIVE junction id, -1 outside junctions.
        lane_speed_limits: ``(L,)`` float64 [m/s] from the road's ``<type><speed>``, NaN if none.
        lane_left: ``(L,)`` int64 same-direction driving lane to the left (lane-change target), -1 if none.
        lane_right: ``(L,)`` int64 same-direction driving lane to the right, -1 if none.
        lane_oncoming: ``(L,)`` int64 opposite-direction driving lane to the left, -1 if none.
        successor_offsets: ``(L + 1,)`` int64 CSR into ``successors``.
        successors: ``(E,)`` int64 lanes that start where each lane ends.
        lane_offsets: ``(L + 1,)`` int64; lane ``i`` owns samples ``lane_offsets[i]:lane_offsets[i+1]``.
        points: ``(N, 3)`` float64 centreline x [m], y [m], heading [rad] in driving direction.
        z: ``(N,)`` float64 [m] height of each sample.
        widths: ``(N,)`` float64 [m] lane width at each sample.
        s: ``(N,)`` float64 [m] arc length from the lane's start.
        lane_change: ``(N,)`` int8 permitted lane changes (``LANE_CHANGE_LEFT`` / ``_RIGHT`` bits).
        map_polygons: LANE / LANE_CONNECTOR (polygon ``i`` is lane ``i``), ROADBLOCK, INTERSECTION.
        traffic_lights: one row per physical light, with the junction lanes it controls.
        stop_signs: one row per stop sign, with the junction lanes it controls.
        crosswalk_offsets: ``(C + 1,)`` int64 CSR into ``crosswalk_vertices``.
        crosswalk_vertices: ``(V, 2)`` float64 [m] open rings.
    """

    name: str
    source_sha256: str
    geo: GeoReference
    lane_keys: np.ndarray
    lane_junction_ids: np.ndarray
    lane_speed_limits: np.ndarray
    lane_left: np.ndarray
    lane_right: np.ndarray
    lane_oncoming: np.ndarray
    successor_offsets: np.ndarray
    successors: np.ndarray
    lane_offsets: np.ndarray
    points: np.ndarray
    z: np.ndarray
    widths: np.ndarray
    s: np.ndarray
    lane_change: np.ndarray
    map_polygons: MapPolygons
    traffic_lights: SignalGroups
    stop_signs: SignalGroups
    crosswalk_offsets: np.ndarray
    crosswalk_vertices: np.ndarray

    @property
    def num_lanes(self) -> int:
        return int(self.lane_keys.shape[0])

    @property
    def lane_lengths(self) -> np.ndarray:
        """``(L,)`` float64 [m] centreline length of each lane."""
        return self.s[self.lane_offsets[1:] - 1]

    @property
    def lane_is_junction(self) -> np.ndarray:
        """``(L,)`` bool: the lane lies inside a junction (a LANE_CONNECTOR)."""
        return self.lane_junction_ids >= 0

    def lane_points(self, lane: int) -> np.ndarray:
        """``(n, 3)`` centreline x, y, heading of ``lane``."""
        return self.points[self.lane_offsets[lane] : self.lane_offsets[lane + 1]]

    def lane_successors(self, lane: int) -> np.ndarray:
        """Lane indices that continue ``lane``."""
        return self.successors[self.successor_offsets[lane] : self.successor_offsets[lane + 1]]

    def lane_predecessors(self, lane: int) -> np.ndarray:
        """Lane indices that ``lane`` continues."""
        offsets, sources = self._predecessor_csr
        return sources[offsets[lane] : offsets[lane + 1]]

    def lane_token(self, lane: int) -> str:
        """The polygon token of ``lane`` in ``map_polygons``."""
        return str(self.map_polygons.tokens[lane])

    @cached_property
    def point_lanes(self) -> np.ndarray:
        """``(N,)`` int64 lane index of every centreline sample."""
        return np.repeat(np.arange(self.num_lanes, dtype=np.int64), np.diff(self.lane_offsets))

    def locate(self, point: np.ndarray, heading: float | None = None, z: float | None = None) -> LaneMatch:
        """Project ``point`` ``(2,)`` [m] onto the nearest lane centreline.

        With ``heading`` [rad], lanes running more than 90 degrees against it are skipped (unless
        no candidate is left), which picks the right direction on two-way roads. With ``z`` [m],
        lanes more than 2 m above or below are penalised by the excess, which picks the right
        level where roads cross over each other (Town05's overpasses, Town12/13).
        """
        xy = np.asarray(point, dtype=np.float64).reshape(2)
        # The world (ground height) and the criteria (lanes) both locate the ego each tick: the second
        # asks the same question, bit for bit, and gets the remembered answer.
        key = (xy.tobytes(), None if heading is None else float(heading).hex(), None if z is None else float(z).hex())
        if self._last_locate[0] == key:
            return self._last_locate[1]
        match = self._locate(xy, heading, z)
        self._last_locate[:] = [key, match]
        return match

    @cached_property
    def _last_locate(self) -> list:
        return [None, None]

    def _locate(self, xy: np.ndarray, heading: float | None, z: float | None) -> LaneMatch:
        k = min(_QUERY_NEIGHBOURS, self.points.shape[0])
        _, nearest = self._tree.query(xy, k=k)
        candidates = np.unique(np.atleast_1d(nearest))
        starts = np.concatenate([candidates - 1, candidates])
        lanes = self.point_lanes
        valid = (starts >= 0) & (starts + 1 < self.points.shape[0])
        starts = starts[valid]
        starts = starts[lanes[starts] == lanes[starts + 1]]
        a, b = self.points[starts, :2], self.points[starts + 1, :2]
        seg = b - a
        t = np.clip(np.einsum("ij,ij->i", xy - a, seg) / np.maximum(np.einsum("ij,ij->i", seg, seg), 1e-12), 0, 1)
        dist = np.hypot(*(a + t[:, None] * seg - xy).T)
        score = dist
        if z is not None:
            height = self.z[starts] + t * (self.z[starts + 1] - self.z[starts])
            score = dist + np.maximum(np.abs(height - z) - _LEVEL_TOLERANCE, 0.0)
        if heading is not None:
            against = np.abs(wrap_angle(self.points[starts, 2] - heading)) > np.pi / 2
            score = np.where(against & ~np.all(against), np.inf, score)
        best = int(np.argmin(score))
        p = int(starts[best])
        s = self.s[p] + t[best] * (self.s[p + 1] - self.s[p])
        return LaneMatch(lane=int(lanes[p]), s=float(s), distance=float(dist[best]), point=p)

    def ground_z(self, xy: np.ndarray, reference_z: float) -> np.ndarray:
        """``(A,)`` [m] road height under points ``(A, 2)`` (see :func:`ground_heights`)."""
        return ground_heights(self._tree, self.z, xy, reference_z)

    def lane_at(self, point: np.ndarray, heading: float | None = None) -> tuple[int, float]:
        """``(lane index, s [m])`` of the lane nearest to ``point`` ``(2,)``; see :meth:`locate`."""
        match = self.locate(point, heading)
        return match.lane, match.s

    def crosswalk(self, index: int) -> np.ndarray:
        """Vertices ``(n, 2)`` of crosswalk ``index``."""
        return self.crosswalk_vertices[self.crosswalk_offsets[index] : self.crosswalk_offsets[index + 1]]

    @cached_property
    def _tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.points[:, :2])

    @cached_property
    def _predecessor_csr(self) -> tuple[np.ndarray, np.ndarray]:
        sources = np.repeat(np.arange(self.num_lanes), np.diff(self.successor_offsets))
        order = np.argsort(self.successors, kind="stable")
        counts = np.bincount(self.successors, minlength=self.num_lanes)
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), sources[order]
