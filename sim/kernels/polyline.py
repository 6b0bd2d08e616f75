"""Distance to and arc-length projection onto a polyline, with GEOS's arithmetic.

The formulas are those of GEOS (which shapely calls): ``Distance::pointToSegment`` for distances
and ``LengthIndexOfPoint`` for ``line_locate_point`` (the first segment with the strictly smallest
distance wins; its nearest point's arc length is returned, so results lie in [0, length]).
Reproducing the operation order keeps threshold decisions (LK's 0.5 m) bit-identical.

A segment grid answers "is some segment within ``limit``" without scanning the whole line. Layout:
``grid = [x0, y0, cell_size]`` [m], ``shape = [nx, ny]``, cell id ``ix * ny + iy``; every segment is
listed in every cell that its bounding box, grown by ``limit`` plus a margin, overlaps.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.polygons import grid_cell

_GRID_MARGIN = 1e-6  # [m] slack on the grown boxes: floor() of a cell index may round across an edge
_MAX_GRID_CELLS = 1 << 20  # cells; larger extents get coarser cells instead of more memory


@kernel
def point_segment_distance(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> float:
    """Distance [m] from ``p`` to segment ``a``-``b`` (GEOS ``Distance::pointToSegment``)."""
    if ax == bx and ay == by:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    len2 = (bx - ax) * (bx - ax) + (by - ay) * (by - ay)
    r = ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / len2
    if r <= 0.0:
        return math.sqrt((px - ax) * (px - ax) + (py - ay) * (py - ay))
    if r >= 1.0:
        return math.sqrt((px - bx) * (px - bx) + (py - by) * (py - by))
    s = ((ay - py) * (bx - ax) - (ax - px) * (by - ay)) / len2
    return abs(s) * math.sqrt(len2)


@kernel
def _segment_nearest_measure(px: float, py: float, ax: float, ay: float, bx: float, by: float, start: float):
    """Arc length [m] of the point of segment ``a``-``b`` nearest to ``p``; ``start`` is that of ``a``."""
    if px == ax and py == ay:
        return start
    dx = bx - ax
    dy = by - ay
    length = math.sqrt(dx * dx + dy * dy)
    if px == bx and py == by:
        return start + length
    len2 = dx * dx + dy * dy
    if len2 == 0.0:
        return start  # degenerate segment: GEOS gets NaN here and falls through to start + 0
    factor = ((px - ax) * dx + (py - ay) * dy) / len2
    if factor <= 0.0:
        return start
    if factor <= 1.0:
        return start + factor * length
    return start + length


@kernel
def locate_point(px: float, py: float, line: np.ndarray) -> float:
    """Arc length [m] along ``line (M, 2)`` of the point nearest to ``p`` (shapely ``line_locate_point``)."""
    best_distance = math.inf
    best_measure = -1.0
    start = 0.0
    for i in range(line.shape[0] - 1):
        ax, ay, bx, by = line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1]
        distance = point_segment_distance(px, py, ax, ay, bx, by)
        measure = _segment_nearest_measure(px, py, ax, ay, bx, by, start)
        if distance < best_distance and measure > -1.0:
            best_measure = measure
            best_distance = distance
        start += math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay))
    return best_measure


@kernel
def cumulative_lengths(line: np.ndarray) -> np.ndarray:
    """``(M,)`` arc length [m] at each vertex, summed in :func:`locate_point`'s order."""
    out = np.empty(line.shape[0])
    start = 0.0
    for i in range(line.shape[0] - 1):
        out[i] = start
        ax, ay, bx, by = line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1]
        start += math.sqrt((bx - ax) * (bx - ax) + (by - ay) * (by - ay))
    out[line.shape[0] - 1] = start
    return out


@kernel
def locate_points_indexed_kernel(points, line, cumulative, limit, grid, shape, cell_offsets, cell_segments):
    """:func:`locate_points_kernel` through a segment grid built with ``limit`` [m] (same results).

    A point within ``limit`` of the line finds, in its own cell, every segment at the smallest
    distance (each segment is listed wherever its box grown by ``limit`` reaches), so the first of
    them is the segment :func:`locate_point` picks; farther points scan the whole line.
    """
    out = np.empty(points.shape[0])
    for k in range(points.shape[0]):
        px, py = points[k, 0], points[k, 1]
        c = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
        best_distance, best = math.inf, -1
        for j in range(cell_offsets[c], cell_offsets[c + 1]) if c >= 0 else range(0):
            i = cell_segments[j]
            distance = point_segment_distance(px, py, line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1])
            if distance < best_distance or (distance == best_distance and i < best):
                best_distance, best = distance, i
        if best < 0 or not best_distance <= limit:
            out[k] = locate_point(px, py, line)
            continue
        out[k] = _segment_nearest_measure(
            px, py, line[best, 0], line[best, 1], line[best + 1, 0], line[best + 1, 1], cumulative[best]
        )
    return out


@kernel
def point_line_distance(px: float, py: float, line: np.ndarray) -> float:
    """Distance [m] from ``p`` to the whole polyline ``line (M, 2)`` (shapely ``distance``)."""
    best = math.inf
    for i in range(line.shape[0] - 1):
        best = min(best, point_segment_distance(px, py, line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1]))
    return best


@kernel
def locate_points_kernel(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(K,)`` arc lengths [m] of ``points (K, 2)`` projected onto ``line (M, 2)``."""
    out = np.empty(points.shape[0])
    for k in range(points.shape[0]):
        out[k] = locate_point(points[k, 0], points[k, 1], line)
    return out


@kernel
def line_distances_kernel(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(K,)`` distances [m] from ``points (K, 2)`` to ``line (M, 2)``."""
    out = np.empty(points.shape[0])
    for k in range(points.shape[0]):
        out[k] = point_line_distance(points[k, 0], points[k, 1], line)
    return out


@kernel
def _cell_range(low: float, high: float, origin: float, cell: float, count: int) -> tuple[int, int]:
    first = max(0, int(math.floor((low - origin) / cell)))
    last = min(count - 1, int(math.floor((high - origin) / cell)))
    return first, last


@kernel
def build_segment_grid(line: np.ndarray, limit: float, cell_size: float):
    """Index the segments of ``line (M, 2)`` for :func:`within_distance` queries up to ``limit`` [m].

    Returns:
        ``grid (3,)`` float64, ``shape (2,)`` int64, ``cell_offsets (nx * ny + 1,)`` int64 and
        ``cell_segments (K,)`` int64 (segment ``i`` joins vertices ``i`` and ``i + 1``).
    """
    grow = limit + _GRID_MARGIN
    x0 = line[:, 0].min() - grow
    y0 = line[:, 1].min() - grow
    width = line[:, 0].max() + grow - x0
    height = line[:, 1].max() + grow - y0
    cell = max(cell_size, math.sqrt(width * height / _MAX_GRID_CELLS))
    nx = int(width // cell) + 1
    ny = int(height // cell) + 1
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    for fill in range(2):  # pass 0 counts, pass 1 writes
        cursor = counts.copy()
        cell_segments = np.empty(counts[-1] if fill else 0, dtype=np.int64)
        for i in range(line.shape[0] - 1):
            lo_x, hi_x = min(line[i, 0], line[i + 1, 0]) - grow, max(line[i, 0], line[i + 1, 0]) + grow
            lo_y, hi_y = min(line[i, 1], line[i + 1, 1]) - grow, max(line[i, 1], line[i + 1, 1]) + grow
            ix0, ix1 = _cell_range(lo_x, hi_x, x0, cell, nx)
            iy0, iy1 = _cell_range(lo_y, hi_y, y0, cell, ny)
            for ix in range(ix0, ix1 + 1):
                for iy in range(iy0, iy1 + 1):
                    c = ix * ny + iy
                    if fill == 0:
                        counts[c + 1] += 1
                    else:
                        cell_segments[cursor[c]] = i
                        cursor[c] += 1
        if fill == 0:
            counts = np.cumsum(counts)
    grid = np.array([x0, y0, cell])
    shape = np.array([nx, ny], dtype=np.int64)
    return grid, shape, counts, cell_segments


@kernel
def within_distance(px, py, limit, line, grid, shape, cell_offsets, cell_segments) -> bool:
    """True iff some segment of ``line`` is at distance <= ``limit`` [m] from ``p``.

    Equal to ``point_line_distance(p, line) <= limit`` (same per-segment arithmetic), provided the
    grid was built with a limit >= ``limit``.
    """
    c = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
    if c < 0:
        return False  # outside every grown segment box
    for k in range(cell_offsets[c], cell_offsets[c + 1]):
        i = cell_segments[k]
        if point_segment_distance(px, py, line[i, 0], line[i, 1], line[i + 1, 0], line[i + 1, 1]) <= limit:
            return True
    return False
