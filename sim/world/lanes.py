"""Lane-graph arrays the traffic kernel reads, derived once per world from a :class:`RoadNetwork`.

Besides what the network has, background vehicles need: a cruise speed per lane (speed limit
capped by the lane's curvature), which stop sign guards a lane, and which junction lanes conflict
(their centrelines cross, or they merge into the same lane), for yielding at junctions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from sim.maps.road_network import RoadNetwork
from sim.world.config import IdmConfig

TURN_LATERAL_ACCELERATION = 2.5  # [m/s^2] comfortable lateral acceleration when cornering
_CURVATURE_WINDOW = 3  # samples over which heading change is measured [~m]


@dataclass(frozen=True)
class LaneGraph:
    """Kernel-ready lane arrays (``L`` lanes, ``N`` samples); see :class:`RoadNetwork` for the rest.

    Attributes:
        offsets: ``(L + 1,)`` int64 CSR into the samples.
        points: ``(N, 3)`` float64 centreline x [m], y [m], heading [rad].
        s: ``(N,)`` float64 [m] arc length from the lane start.
        lengths: ``(L,)`` float64 [m].
        successor_offsets, successors: CSR lane graph.
        junction: ``(L,)`` int64 junction id, -1 outside.
        cruise_speed: ``(L,)`` float64 [m/s] what background vehicles aim for on the lane.
        stop_sign: ``(L,)`` bool the lane starts at a stop line of a stop sign.
        conflict_offsets, conflicts: CSR, junction lanes whose paths cross or merge with each lane.
    """

    offsets: np.ndarray
    points: np.ndarray
    s: np.ndarray
    lengths: np.ndarray
    successor_offsets: np.ndarray
    successors: np.ndarray
    junction: np.ndarray
    cruise_speed: np.ndarray
    stop_sign: np.ndarray
    conflict_offsets: np.ndarray
    conflicts: np.ndarray

    @property
    def num_lanes(self) -> int:
        return int(self.lengths.shape[0])


def max_curvatures(network: RoadNetwork) -> np.ndarray:
    """``(L,)`` [1/m] largest heading change per metre along each lane."""
    out = np.zeros(network.num_lanes)
    for lane in range(network.num_lanes):
        lo, hi = network.lane_offsets[lane], network.lane_offsets[lane + 1]
        if hi - lo <= _CURVATURE_WINDOW:
            continue
        heading = np.unwrap(network.points[lo:hi, 2])
        ds = network.s[lo + _CURVATURE_WINDOW : hi] - network.s[lo : hi - _CURVATURE_WINDOW]
        dh = np.abs(heading[_CURVATURE_WINDOW:] - heading[:-_CURVATURE_WINDOW])
        out[lane] = float(np.max(dh / np.maximum(ds, 1e-3)))
    return out


def cruise_speeds(network: RoadNetwork, idm: IdmConfig) -> np.ndarray:
    """``(L,)`` [m/s] speed limit x ``speed_factor``, capped by ``max_speed`` and by the lane's bends."""
    limit = np.where(np.isfinite(network.lane_speed_limits), network.lane_speed_limits, idm.default_speed)
    bend = np.sqrt(TURN_LATERAL_ACCELERATION / np.maximum(max_curvatures(network), 1e-6))
    return np.minimum(np.minimum(limit * idm.speed_factor, idm.max_speed), bend)


def junction_conflicts(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray]:
    """CSR of conflicting junction lanes: centrelines crossing (not at a shared start) or merging."""
    lanes = np.flatnonzero(network.lane_junction_ids >= 0)
    lines = [shapely.LineString(network.lane_points(int(i))[:, :2]) for i in lanes]
    starts = {int(i): tuple(network.lane_predecessors(int(i)).tolist()) for i in lanes}
    ends = {int(i): set(network.lane_successors(int(i)).tolist()) for i in lanes}
    tree = shapely.STRtree(lines)
    pairs: set[tuple[int, int]] = set()
    left, right = tree.query(lines, predicate="intersects")
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        i, j = int(lanes[a]), int(lanes[b])
        if i == j or network.lane_junction_ids[i] != network.lane_junction_ids[j]:
            continue
        same_origin = bool(set(starts[i]) & set(starts[j]))
        merging = bool(ends[i] & ends[j])
        if merging or not same_origin:
            pairs.add((i, j))
            pairs.add((j, i))
    edges = np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)
    counts = np.bincount(edges[:, 0], minlength=network.num_lanes)
    return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), edges[:, 1].copy()


def build_lane_graph(network: RoadNetwork, idm: IdmConfig) -> LaneGraph:
    """The kernel arrays of ``network``."""
    stop_sign = np.zeros(network.num_lanes, dtype=np.bool_)
    stop_sign[network.stop_signs.lanes] = True
    conflict_offsets, conflicts = junction_conflicts(network)
    return LaneGraph(
        offsets=np.ascontiguousarray(network.lane_offsets, dtype=np.int64),
        points=np.ascontiguousarray(network.points, dtype=np.float64),
        s=np.ascontiguousarray(network.s, dtype=np.float64),
        lengths=np.ascontiguousarray(network.lane_lengths, dtype=np.float64),
        successor_offsets=np.ascontiguousarray(network.successor_offsets, dtype=np.int64),
        successors=np.ascontiguousarray(network.successors, dtype=np.int64),
        junction=np.ascontiguousarray(network.lane_junction_ids, dtype=np.int64),
        cruise_speed=cruise_speeds(network, idm),
        stop_sign=stop_sign,
        conflict_offsets=conflict_offsets,
        conflicts=conflicts,
    )
