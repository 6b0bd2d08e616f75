"""Per-step ego-area flags and the map-based sub-metrics DDC and LK (NAVSIM PDM scorer).

Inputs are ego box points ``(N, T, 5, 2)`` in :class:`~sim.kernels.ego_box.CornerIndex` order (four
corners, then the centre), global frame [m]. Polygon classes arrive as a bitmask per polygon
(``POLYGON_*`` below), so the kernels never see layer names or token strings.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel, parallel_kernel, prange
from sim.kernels.polygons import grid_cell, inside_box, point_in_ring
from sim.kernels.polyline import within_distance

POLYGON_DRIVABLE = 1  # ROADBLOCK, INTERSECTION, DRIVABLE_AREA, CARPARK_AREA: counts for NON_DRIVABLE_AREA
POLYGON_LANE = 2  # LANE, LANE_CONNECTOR: counts for MULTIPLE_LANES
POLYGON_ON_ROUTE = 4  # a lane whose token is on the route: counts for ONCOMING_TRAFFIC

AREA_MULTIPLE_LANES = 0  # columns of the flags array (EgoAreaIndex)
AREA_NON_DRIVABLE = 1
AREA_ONCOMING = 2

_MAX_LANES_PER_CORNER = 64  # lane polygons recorded per corner; more overlapping lanes than this is not a road


@kernel
def _proposal_areas(points, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, lanes, out):
    """Flags of one proposal: ``points (T, 5, 2)``, writes ``out (T, 3)``.

    ``lanes`` is scratch ``(5, _MAX_LANES_PER_CORNER)``: rows 0-3 list the lanes holding each corner,
    row 4 their counts. Steps and points are looped here rather than in helpers taking arrays:
    numba reference-counts every array argument of a call, which dominated the cost.
    """
    x0, y0, cell_size, nx, ny = grid[0], grid[1], grid[2], shape[0], shape[1]
    lane_counts = lanes[4]
    for t in range(points.shape[0]):
        lane_counts[:4] = 0
        corners_on_drivable = 0
        on_route = False
        for j in range(5):
            px, py = points[t, j, 0], points[t, j, 1]
            cell = grid_cell(px, py, x0, y0, cell_size, nx, ny)
            if cell < 0:
                continue
            drivable = False
            for k in range(cell_offsets[cell], cell_offsets[cell + 1]):
                p = cell_polygons[k]
                kind = flags[p]
                if j == 4:
                    wanted = (kind & POLYGON_ON_ROUTE) != 0
                elif kind & POLYGON_LANE:
                    wanted = True
                else:  # a corner already on the drivable area needs no second drivable polygon
                    wanted = (kind & POLYGON_DRIVABLE) != 0 and not drivable
                if not wanted or not inside_box(px, py, bounds[p, 0], bounds[p, 1], bounds[p, 2], bounds[p, 3]):
                    continue
                if not point_in_ring(px, py, vertices, offsets[p], offsets[p + 1]):
                    continue
                if j == 4:
                    on_route = True
                    break
                if kind & POLYGON_LANE:
                    if lane_counts[j] < _MAX_LANES_PER_CORNER:
                        lanes[j, lane_counts[j]] = p
                        lane_counts[j] += 1
                else:
                    drivable = True
            corners_on_drivable += drivable
        out[t, AREA_NON_DRIVABLE] = corners_on_drivable < 4
        out[t, AREA_ONCOMING] = not on_route
        out[t, AREA_MULTIPLE_LANES] = _multiple_lanes(lanes)


@kernel
def _multiple_lanes(lanes: np.ndarray) -> bool:
    """More than one lane holds a corner, and no single lane holds all four (``lanes`` as above)."""
    lane_counts = lanes[4]
    distinct = 0
    for j in range(4):
        for a in range(lane_counts[j]):
            lane = lanes[j, a]
            seen_before = False
            for i in range(j):
                for b in range(lane_counts[i]):
                    seen_before = seen_before or lanes[i, b] == lane
            if seen_before:
                continue
            distinct += 1
            holders = 1
            for i in range(j + 1, 4):
                for b in range(lane_counts[i]):
                    if lanes[i, b] == lane:
                        holders += 1
            if holders == 4:
                return False  # every corner in this one lane (it appeared at corner 0, so j == 0)
    return distinct > 1


@kernel
def ego_areas_kernel(points, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons):
    """``(N, T, 3)`` bool flags (MULTIPLE_LANES, NON_DRIVABLE_AREA, ONCOMING_TRAFFIC) of ``points (N, T, 5, 2)``.

    ``flags (P,)`` holds the ``POLYGON_*`` bits; the other arrays are a ``DrivableMapIndex``'s.
    """
    out = np.zeros((points.shape[0], points.shape[1], 3), dtype=np.bool_)
    lanes = np.empty((5, _MAX_LANES_PER_CORNER), dtype=np.int64)
    for n in range(points.shape[0]):
        _proposal_areas(
            points[n], flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, lanes, out[n]
        )
    return out


@parallel_kernel
def ego_areas_parallel_kernel(points, flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons):
    """Parallel (over proposals) variant of :func:`ego_areas_kernel`."""
    out = np.zeros((points.shape[0], points.shape[1], 3), dtype=np.bool_)
    for n in prange(points.shape[0]):
        lanes = np.empty((5, _MAX_LANES_PER_CORNER), dtype=np.int64)  # per proposal: threads must not share it
        _proposal_areas(
            points[n], flags, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, lanes, out[n]
        )
    return out


@kernel
def _numpy_row_sum(values: np.ndarray, start: int, stop: int) -> float:
    """``values[start:stop].sum()`` in numpy's order (pairwise: eight accumulators from 8 values on).

    The window sums decide DDC at exactly 2 m and 6 m, so the original's summation order is kept.
    """
    count = stop - start
    if count < 8:
        total = -0.0
        for i in range(start, stop):
            total += values[i]
        return total
    acc = np.empty(8)
    for j in range(8):
        acc[j] = values[start + j]
    i = 8
    while i < count - count % 8:
        for j in range(8):
            acc[j] += values[start + i + j]
        i += 8
    total = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))
    while i < count:
        total += values[start + i]
        i += 1
    return total


@kernel
def _ddc_one(centers, oncoming, exempt, horizon, compliance_threshold, violation_threshold) -> float:
    steps = centers.shape[0]
    progress = np.zeros(steps)
    for t in range(1, steps):
        if oncoming[t] and not exempt[t]:
            dx = centers[t, 0] - centers[t - 1, 0]
            dy = centers[t, 1] - centers[t - 1, 1]
            progress[t] = math.sqrt(dx * dx + dy * dy)
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
    for n in range(centers.shape[0]):
        out[n] = _ddc_one(centers[n], oncoming[n], exempt[n], horizon, compliance_threshold, violation_threshold)
    return out


@kernel
def _lane_keeping_one(centers, in_intersection, limit, steps_required, line, grid, shape, cell_offsets, cell_segments):
    consecutive = 0
    for t in range(centers.shape[0]):
        if in_intersection[t]:
            continue  # neither counts nor resets the run
        if within_distance(centers[t, 0], centers[t, 1], limit, line, grid, shape, cell_offsets, cell_segments):
            consecutive = 0
        else:
            consecutive += 1
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
