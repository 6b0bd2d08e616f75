"""Per-step ego-area flags and the map-based sub-metrics DDC and LK (NAVSIM PDM scorer).

Inputs are ego box points ``(N, T, 5, 2)`` in :class:`~sim.kernels.ego_box.CornerIndex` order (four
corners, then the centre), global frame [m]. Polygon classes arrive as a bitmask per polygon
(``POLYGON_*`` below), so the kernels never see layer names or token strings.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import inlined_kernel, kernel, parallel_kernel, prange
from sim.kernels.polygons import CELL_INSIDE, entry_holds, grid_cell, polygon_box
from sim.kernels.polyline import point_segment_distance

POLYGON_DRIVABLE = 1  # ROADBLOCK, INTERSECTION, DRIVABLE_AREA, CARPARK_AREA: counts for NON_DRIVABLE_AREA
POLYGON_LANE = 2  # LANE, LANE_CONNECTOR: counts for MULTIPLE_LANES
POLYGON_ON_ROUTE = 4  # a lane whose token is on the route: counts for ONCOMING_TRAFFIC
POLYGON_INTERSECTION = 8  # INTERSECTION: exempts DDC / LK steps, widens TTC

AREA_MULTIPLE_LANES = 0  # columns of the flags array (EgoAreaIndex)
AREA_NON_DRIVABLE = 1
AREA_ONCOMING = 2

_MAX_LANES_PER_CORNER = 64  # lane polygons recorded per corner; more overlapping lanes than this is not a road


_CENTRE, _REAR_AXLE = 4, 5  # query points after the four corners


@kernel
def _wanted(point: int, kind: int, drivable: bool, on_route: bool, centre_in: bool, rear_in: bool, inter: bool) -> bool:
    """Whether polygon class ``kind`` can still change the answer for query point ``point``."""
    if point == _REAR_AXLE:
        return not rear_in and (kind & POLYGON_INTERSECTION) != 0
    if point == _CENTRE:
        route_open = not on_route and (kind & POLYGON_ON_ROUTE) != 0
        return route_open or (inter and not centre_in and (kind & POLYGON_INTERSECTION) != 0)
    if kind & POLYGON_LANE:
        return True
    return not drivable and (kind & POLYGON_DRIVABLE) != 0  # one drivable polygon per corner suffices


@kernel
def _proposal_areas(
    points, rear, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests, lanes, out,
    inside,
):  # fmt: skip
    """Flags of one proposal: ``points (T, 5, 2)``, writes ``out (T, 3)``.

    ``lanes`` is scratch ``(5, _MAX_LANES_PER_CORNER)``: rows 0-3 list the lanes holding each corner,
    row 4 their counts. When ``inside (T, 2)`` has rows, it receives whether the box centre and the
    rear axle ``rear (T, 2)`` are strictly inside an INTERSECTION, found in the same cell scans.
    Everything is looped here with scalar helpers only: numba reference-counts the array arguments
    of a call, which cost more than the geometry.
    """
    x0, y0, cell_size, nx, ny = grid[0], grid[1], grid[2], shape[0], shape[1]
    intersections = inside.shape[0] > 0
    for t in range(points.shape[0]):
        for j in range(4):
            lanes[4, j] = 0  # the lane counts
        corners_on_drivable = 0
        on_route, centre_in, rear_in = False, False, False
        for j in range(6 if intersections else 5):
            px, py = (rear[t, 0], rear[t, 1]) if j == _REAR_AXLE else (points[t, j, 0], points[t, j, 1])
            cell = grid_cell(px, py, x0, y0, cell_size, nx, ny)
            first, last = (cell_offsets[cell], cell_offsets[cell + 1]) if cell >= 0 else (0, 0)
            drivable = False
            for k in range(first, last):
                p = cell_polygons[k]
                kind = flags[p]
                if not _wanted(j, kind, drivable, on_route, centre_in, rear_in, intersections):
                    continue
                code = cell_tests[k]
                if code != CELL_INSIDE and not entry_holds(
                    px, py, code, vertices, offsets[p], offsets[p + 1], polygon_box(bounds, p)
                ):
                    continue
                on_route = on_route or (j == _CENTRE and (kind & POLYGON_ON_ROUTE) != 0)
                centre_in = centre_in or (j == _CENTRE and (kind & POLYGON_INTERSECTION) != 0)
                rear_in = rear_in or j == _REAR_AXLE
                if j < _CENTRE and (kind & POLYGON_LANE) and lanes[4, j] < _MAX_LANES_PER_CORNER:
                    lanes[j, lanes[4, j]] = p
                    lanes[4, j] += 1
                drivable = drivable or (j < _CENTRE and not (kind & POLYGON_LANE))
            corners_on_drivable += drivable
        out[t, AREA_NON_DRIVABLE] = corners_on_drivable < 4
        out[t, AREA_ONCOMING] = not on_route
        out[t, AREA_MULTIPLE_LANES] = _multiple_lanes(lanes)
        if intersections:
            inside[t, 0], inside[t, 1] = centre_in, rear_in


@inlined_kernel
def _multiple_lanes(lanes: np.ndarray) -> bool:
    """More than one lane holds a corner, and no single lane holds all four (``lanes`` as above)."""
    distinct = 0
    for j in range(4):
        for a in range(lanes[4, j]):
            lane = lanes[j, a]
            seen_before = False
            for i in range(j):
                for b in range(lanes[4, i]):
                    seen_before = seen_before or lanes[i, b] == lane
            if seen_before:
                continue
            distinct += 1
            holders = 1
            for i in range(j + 1, 4):
                for b in range(lanes[4, i]):
                    if lanes[i, b] == lane:
                        holders += 1
            if holders == 4:
                return False  # every corner in this one lane (it appeared at corner 0, so j == 0)
    return distinct > 1


@kernel
def ego_areas_kernel(points, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests):
    """``(N, T, 3)`` bool flags (MULTIPLE_LANES, NON_DRIVABLE_AREA, ONCOMING_TRAFFIC) of ``points (N, T, 5, 2)``.

    ``flags (P,)`` holds the ``POLYGON_*`` bits; the other arrays are a ``DrivableMapIndex``'s.
    """
    no_rear = np.empty((points.shape[0], 0, 2))
    areas, _ = map_flags_kernel(points, no_rear, flags, offsets, vertices, bounds, grid, shape, cell_offsets,
                                cell_polygons, cell_tests)  # fmt: skip
    return areas


@kernel
def map_flags_kernel(
    points, rear, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """Ego-area flags ``(N, T, 3)`` and, when ``rear (N, T, 2)`` has steps, INTERSECTION flags ``(N, T, 2)``.

    The second output's columns: the box centre (``points[..., 4, :]``) and the rear axle are
    strictly inside an INTERSECTION polygon (``(N, 0, 2)`` when ``rear`` has no steps).
    """
    n, steps = points.shape[0], points.shape[1]
    out = np.zeros((n, steps, 3), dtype=np.bool_)
    inside = np.zeros((n, rear.shape[1], 2), dtype=np.bool_)
    lanes = np.empty((5, _MAX_LANES_PER_CORNER), dtype=np.int64)
    for i in range(n):
        _proposal_areas(points[i], rear[i], flags, offsets, vertices, bounds, grid, shape, cell_offsets,
                        cell_polygons, cell_tests, lanes, out[i], inside[i])  # fmt: skip
    return out, inside


@parallel_kernel
def ego_areas_parallel_kernel(
    points, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """Parallel (over proposals) variant of :func:`ego_areas_kernel`."""
    no_rear = np.empty((points.shape[0], 0, 2))
    areas, _ = map_flags_parallel_kernel(points, no_rear, flags, offsets, vertices, bounds, grid, shape,
                                         cell_offsets, cell_polygons, cell_tests)  # fmt: skip
    return areas


@parallel_kernel
def map_flags_parallel_kernel(
    points, rear, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """Parallel (over proposals) variant of :func:`map_flags_kernel`."""
    n, steps = points.shape[0], points.shape[1]
    out = np.zeros((n, steps, 3), dtype=np.bool_)
    inside = np.zeros((n, rear.shape[1], 2), dtype=np.bool_)
    for i in prange(n):
        lanes = np.empty((5, _MAX_LANES_PER_CORNER), dtype=np.int64)  # per proposal: threads must not share it
        _proposal_areas(points[i], rear[i], flags, offsets, vertices, bounds, grid, shape, cell_offsets,
                        cell_polygons, cell_tests, lanes, out[i], inside[i])  # fmt: skip
    return out, inside


@kernel
def _numpy_row_sum(values: np.ndarray, start: int, stop: int) -> float:
    """``values[start:stop].sum()`` in numpy's order (pairwise: eight accumulators from 8 values on).

    The window sums decide DDC at exactly 2 m and 6 m, so the original's summation order is kept.
    The accumulators are scalars: an array here would be allocated once per window.
    """
    count = stop - start
    if count < 8:
        total = -0.0
        for i in range(start, stop):
            total += values[i]
        return total
    v = values[start:stop]
    a0, a1, a2, a3, a4, a5, a6, a7 = v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]
    i = 8
    while i < count - count % 8:
        a0, a1, a2, a3 = a0 + v[i], a1 + v[i + 1], a2 + v[i + 2], a3 + v[i + 3]
        a4, a5, a6, a7 = a4 + v[i + 4], a5 + v[i + 5], a6 + v[i + 6], a7 + v[i + 7]
        i += 8
    total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while i < count:
        total += v[i]
        i += 1
    return total


@kernel
def _ddc_one(centers, oncoming, exempt, horizon, compliance_threshold, violation_threshold, progress) -> float:
    """DDC of one proposal; ``progress (T,)`` is scratch."""
    steps = centers.shape[0]
    progress[:steps] = 0.0
    moved = False
    for t in range(1, steps):
        if oncoming[t] and not exempt[t]:
            dx = centers[t, 0] - centers[t - 1, 0]
            dy = centers[t, 1] - centers[t - 1, 1]
            progress[t] = math.sqrt(dx * dx + dy * dy)
            moved = True
    if not moved:
        return 1.0 if 0.0 < compliance_threshold else (0.5 if 0.0 < violation_threshold else 0.0)  # sums are all 0
    worst = -math.inf
    for t in range(steps):
        worst = max(worst, _numpy_row_sum(progress, max(0, t - horizon), t + 1))
    if worst < compliance_threshold:
        return 1.0
    if worst < violation_threshold:
        return 0.5
    return 0.0


@kernel
def driving_direction_kernel(centers, oncoming, exempt, horizon, compliance_threshold, violation_threshold):
    """DDC ``(N,)`` in {0, 0.5, 1}.

    Args:
        centers: ``(N, T, 2)`` box centres [m].
        oncoming: ``(N, T)`` bool ONCOMING_TRAFFIC flags.
        exempt: ``(N, T)`` bool steps whose progress never counts (v2: centre in an INTERSECTION).
        horizon: window length in steps; the window at t spans ``[max(0, t - horizon), t]``.
        compliance_threshold, violation_threshold: [m] the worst window sum must stay below these
            for 1 and 0.5.
    """
    out = np.empty(centers.shape[0])
    progress = np.empty(centers.shape[1])
    for n in range(centers.shape[0]):
        out[n] = _ddc_one(
            centers[n], oncoming[n], exempt[n], horizon, compliance_threshold, violation_threshold, progress
        )
    return out


@kernel
def _lane_keeping_one(centers, in_intersection, limit, steps_required, line, grid, shape, cell_offsets, cell_segments):
    """LK of one proposal; the segment-grid lookup of :func:`within_distance` is written out here, as
    passing its four arrays to a call per step cost more than the distances."""
    consecutive = 0
    for t in range(centers.shape[0]):
        if in_intersection[t]:
            continue  # neither counts nor resets the run
        px, py = centers[t, 0], centers[t, 1]
        c = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
        near = False
        for k in range(cell_offsets[c], cell_offsets[c + 1]) if c >= 0 else range(0):
            i = cell_segments[k]
            if point_segment_distance(px, py, line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1]) <= limit:
                near = True
                break
        consecutive = 0 if near else consecutive + 1
        if consecutive >= steps_required:
            return 0.0
    return 1.0


@kernel
def lane_keeping_kernel(
    centers, in_intersection, limit, steps_required, line, grid, shape, cell_offsets, cell_segments
):
    """LK ``(N,)`` in {0, 1}: 0 once the centre is farther than ``limit`` [m] from ``line`` for
    ``steps_required`` consecutive non-intersection steps. The segment grid must cover ``limit``."""
    out = np.empty(centers.shape[0])
    for n in range(centers.shape[0]):
        out[n] = _lane_keeping_one(
            centers[n], in_intersection[n], limit, steps_required, line, grid, shape, cell_offsets, cell_segments
        )
    return out


@parallel_kernel
def lane_keeping_parallel_kernel(
    centers, in_intersection, limit, steps_required, line, grid, shape, cell_offsets, cell_segments
):
    """Parallel variant of :func:`lane_keeping_kernel`."""
    out = np.empty(centers.shape[0])
    for n in prange(centers.shape[0]):
        out[n] = _lane_keeping_one(
            centers[n], in_intersection[n], limit, steps_required, line, grid, shape, cell_offsets, cell_segments
        )
    return out
