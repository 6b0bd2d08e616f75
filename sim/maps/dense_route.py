"""The ego's route at the map's 1 m sampling, and a cursor that follows the ego along it.

:func:`sim.maps.route_planner.plan_route` makes a :class:`DenseRoute` from a route file's keypoints;
:meth:`DenseRoute.from_points` wraps a polyline (with a network, its lanes are located);
:func:`lane_walk_route` follows lanes, for tests and benchmarks that need no route file. All in
the internal frame (x east, y north, heading counter-clockwise [rad]).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.maps.road_network import RoadNetwork
from sim.types import RoadOption

NO_LANE = -1  # DenseRoute.lanes value of a point whose lane is unknown (a route built without a network)


class RouteInputError(ValueError):
    """A dense route that cannot be driven (wrong shape, too short, not finite)."""


@dataclass(frozen=True)
class DenseRoute:
    """``K`` route points about 1 m apart, internal frame.

    Attributes:
        town: the town's name ("" when built without a network).
        points: ``(K, 3)`` float64 x [m], y [m], heading [rad].
        z: ``(K,)`` float64 [m] road height (0 when built without a network).
        road_options: ``(K,)`` int64 :class:`RoadOption` values.
        lanes: ``(K,)`` int64 lane index of each point in the town's network, :data:`NO_LANE` when unknown.
        s: ``(K,)`` float64 [m] arc length from the first point.
        keypoint_indices: ``(M,)`` int64 index of the route point where each keypoint was matched.
    """

    town: str
    points: np.ndarray
    z: np.ndarray
    road_options: np.ndarray
    lanes: np.ndarray
    s: np.ndarray
    keypoint_indices: np.ndarray

    @classmethod
    def from_points(cls, points: np.ndarray, network: RoadNetwork | None = None) -> DenseRoute:
        """Validate ``(K, 3)`` (or ``(K, 2)``: headings from the polyline) and measure it.

        With ``network``, each point's lane is located (heading-aware) and its height read.

        Raises:
            RouteInputError: naming the shape or the problem.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] not in (2, 3) or points.shape[0] < 2:
            raise RouteInputError(f"dense route must be (K >= 2, 3) x, y, heading; got shape {points.shape}")
        if not np.all(np.isfinite(points)):
            raise RouteInputError("dense route holds NaN or inf")
        if points.shape[1] == 2:
            step = np.diff(points, axis=0)
            heading = np.arctan2(step[:, 1], step[:, 0])
            points = np.column_stack([points, np.append(heading, heading[-1])])
        count = points.shape[0]
        lanes, z, town = np.full(count, NO_LANE, dtype=np.int64), np.zeros(count), ""
        if network is not None:
            matches = [network.locate(p[:2], p[2]) for p in points]
            lanes = np.array([m.lane for m in matches], dtype=np.int64)
            z, town = network.z[[m.point for m in matches]], network.name
        options = np.full(count, int(RoadOption.LANEFOLLOW), dtype=np.int64)
        return cls(town, np.ascontiguousarray(points), z, options, lanes, arc_length(points), np.array([0, count - 1]))

    @property
    def length(self) -> float:
        """[m] total length."""
        return float(self.s[-1]) if self.s.size else 0.0

    @property
    def has_lanes(self) -> bool:
        """Every point knows its lane (planned routes, or polylines given with a network)."""
        return bool(np.all(self.lanes != NO_LANE))

    @property
    def max_follow_gap(self) -> float:
        """[m] largest distance between consecutive points that are not a lane-change jump.

        About the map's 1 m sampling (up to ~1.5 m on the outside of curves) when connected.
        """
        if self.s.size < 2:
            return 0.0
        changing = np.isin(self.road_options, (RoadOption.CHANGELANELEFT, RoadOption.CHANGELANERIGHT))
        follow = ~(changing[1:] & changing[:-1])
        gaps = np.diff(self.s)[follow]
        return float(gaps.max()) if gaps.size else 0.0

    def index_at(self, s: float) -> int:
        """Index of the last route point at or before arc length ``s`` [m] (clipped to the route)."""
        return int(np.clip(np.searchsorted(self.s, s, side="right") - 1, 0, self.s.size - 1))


def arc_length(points: np.ndarray) -> np.ndarray:
    """``(K,)`` [m] cumulative distance along ``(K, >= 2)`` points, 0 at the first."""
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(points[:, :2], axis=0).T))])


class RouteCursor:
    """Where the ego is along a route: the nearest point, searched in a window after the last one.

    Progress never jumps far back (a route passing the same place twice is not confused) and never
    further ahead than ``ahead`` points per update.

    Args:
        route: the route.
        behind, ahead: [points] searched before / after the current index.
        index: the point to start from.
    """

    def __init__(self, route: DenseRoute, behind: int = 5, ahead: int = 60, index: int = 0) -> None:
        self.route, self.behind, self.ahead = route, behind, ahead
        self.index = index

    @property
    def s(self) -> float:
        """[m] route arc length of the current point."""
        return float(self.route.s[self.index])

    def advance(self, xy: np.ndarray) -> int:
        """Move to the route point nearest to ``xy`` ``(2,)`` [m] within the window; returns its index."""
        lo = max(self.index - self.behind, 0)
        hi = min(self.index + self.ahead, self.route.points.shape[0])
        self.index = lo + int(np.argmin(np.hypot(*(self.route.points[lo:hi, :2] - xy).T)))
        return self.index


def lane_walk_route(network: RoadNetwork, lane: int, length: float, rng: np.random.Generator) -> DenseRoute:
    """A route following ``lane`` and random successors for about ``length`` [m]."""
    chunks, travelled = [], 0.0
    while travelled < length:
        chunks.append(np.arange(network.lane_offsets[lane], network.lane_offsets[lane + 1]))
        travelled += float(network.lane_lengths[lane])
        successors = network.lane_successors(lane)
        if successors.size == 0:
            break
        lane = int(successors[rng.integers(successors.size)])
    samples = np.concatenate(chunks)
    keep = np.concatenate([[True], np.hypot(*np.diff(network.points[samples, :2], axis=0).T) > 0.05])
    samples = samples[keep]
    route = DenseRoute.from_points(network.points[samples])
    return DenseRoute(network.name, route.points, network.z[samples], route.road_options,
                      network.point_lanes[samples], route.s, route.keypoint_indices)  # fmt: skip
