"""The ego's dense route as the world uses it: poses, arc length, projection of the ego onto it.

The route planner (``sim.maps.route_planner``) makes the dense route from a route file's
keypoints; the world takes its ``(K, 3)`` x, y, heading. :func:`lane_walk_route` makes a route by
following lanes, for tests and benchmarks that need no route file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.maps.road_network import RoadNetwork

_PROJECTION_WINDOW = 60  # route points searched around the last progress index


class RouteInputError(ValueError):
    """A dense route that the world cannot drive (wrong shape, too short, not finite)."""


@dataclass(frozen=True)
class DenseRoute:
    """``K`` route points about 1 m apart, internal frame.

    Attributes:
        points: ``(K, 3)`` float64 x [m], y [m], heading [rad].
        s: ``(K,)`` float64 [m] arc length from the first point.
    """

    points: np.ndarray
    s: np.ndarray

    @classmethod
    def from_points(cls, points: np.ndarray) -> DenseRoute:
        """Validate ``(K, 3)`` (or ``(K, 2)``: headings from the polyline) and measure it.

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
        step = np.hypot(*np.diff(points[:, :2], axis=0).T)
        return cls(points=np.ascontiguousarray(points), s=np.concatenate([[0.0], np.cumsum(step)]))

    @property
    def length(self) -> float:
        return float(self.s[-1])

    def index_at(self, s: float) -> int:
        """Index of the last route point at or before arc length ``s`` [m] (clipped to the route)."""
        return int(np.clip(np.searchsorted(self.s, s, side="right") - 1, 0, self.s.size - 1))

    def project(self, xy: np.ndarray, hint: int = 0) -> int:
        """Index of the route point nearest to ``xy`` in a window after ``hint`` (progress never jumps back far)."""
        lo = max(hint - 5, 0)
        hi = min(hint + _PROJECTION_WINDOW, self.points.shape[0])
        d = np.hypot(*(self.points[lo:hi, :2] - xy).T)
        return lo + int(np.argmin(d))


def lane_walk_route(network: RoadNetwork, lane: int, length: float, rng: np.random.Generator) -> DenseRoute:
    """A route following ``lane`` and random successors for about ``length`` [m]."""
    chunks, travelled = [], 0.0
    while travelled < length:
        chunks.append(network.lane_points(lane))
        travelled += float(network.lane_lengths[lane])
        successors = network.lane_successors(lane)
        if successors.size == 0:
            break
        lane = int(successors[rng.integers(successors.size)])
    points = np.concatenate(chunks)
    keep = np.concatenate([[True], np.hypot(*np.diff(points[:, :2], axis=0).T) > 0.05])
    return DenseRoute.from_points(points[keep])


def route_from_keypoints(keypoints: np.ndarray, spacing: float = 1.0) -> DenseRoute:
    """Straight-line densification of ``(K, 2)`` keypoints (for dense LB2/Bench2Drive keypoints only;
    sparse LB1 keypoints need the route planner)."""
    keypoints = np.asarray(keypoints, dtype=np.float64)[:, :2]
    step = np.hypot(*np.diff(keypoints, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(step)])
    keep = np.concatenate([[True], step > 1e-6])
    grid = np.arange(0.0, s[-1] + 1e-9, spacing) if s[-1] > spacing else np.array([0.0, s[-1]])
    xy = np.column_stack([np.interp(grid, s[keep], keypoints[keep, 0]), np.interp(grid, s[keep], keypoints[keep, 1])])
    return DenseRoute.from_points(xy)
