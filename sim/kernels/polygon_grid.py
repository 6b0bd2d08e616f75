"""Build of the uniform grid over CSR-packed map polygons that :mod:`sim.kernels.polygons` queries."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.exact import orientation
from sim.kernels.polygons import CELL_INSIDE, CELL_NEEDS_RING_TEST, EDGE_CODE_OFFSET, point_in_ring


@kernel
def _segment_touches_box(x1, y1, x2, y2, xl, yl, xh, yh) -> bool:
    """Closed segment meets the closed box (slab clipping)."""
    t0, t1 = 0.0, 1.0
    for start, delta, low, high in ((x1, x2 - x1, xl, xh), (y1, y2 - y1, yl, yh)):
        if delta == 0.0:
            if start < low or start > high:
                return False
            continue
        ta = (low - start) / delta
        tb = (high - start) / delta
        t0 = max(t0, min(ta, tb))
        t1 = min(t1, max(ta, tb))
        if t0 > t1:
            return False
    return True


@kernel
def _edges_meeting_box(polygon, offsets, vertices, xl, yl, xh, yh) -> tuple[int, int]:
    """How many edges of the polygon touch the closed box (counting stops at 2) and the end vertex of the
    last one found (-1 when none)."""
    start, stop = offsets[polygon], offsets[polygon + 1]
    prev, count, end = stop - 1, 0, -1
    for cur in range(start, stop):
        if _segment_touches_box(
            vertices[prev, 0], vertices[prev, 1], vertices[cur, 0], vertices[cur, 1], xl, yl, xh, yh
        ):
            count, end = count + 1, cur
            if count == 2:
                break
        prev = cur
    return count, end


@kernel
def _centre_inside(polygon, offsets, vertices, xl, yl, xh, yh) -> bool:
    return point_in_ring(0.5 * (xl + xh), 0.5 * (yl + yh), vertices, offsets[polygon], offsets[polygon + 1])


@kernel
def _polygon_meets_box(polygon, offsets, vertices, xl, yl, xh, yh) -> bool:
    """Conservative overlap of a polygon and a box: an edge meets the box, or (no edge does, so the box is
    wholly inside or wholly outside) its centre is inside."""
    count, _ = _edges_meeting_box(polygon, offsets, vertices, xl, yl, xh, yh)
    return count > 0 or _centre_inside(polygon, offsets, vertices, xl, yl, xh, yh)


FULL_CELL_MARGIN_FACTOR = 10.0  # a cell counts as inside a polygon with ten times the lookup margin to spare


@kernel
def _cell_test(polygon, offsets, vertices, xl, yl, size) -> int:
    """The :func:`~sim.kernels.polygons.entry_holds` code of a polygon listed in a cell.

    ``(xl, yl, size)`` is the cell grown by the full-cell margin. A lone edge meeting it has both
    ends outside the smaller box a query point can fall in, so it crosses that box as a chord.
    """
    xh, yh = xl + size, yl + size
    count, end = _edges_meeting_box(polygon, offsets, vertices, xl, yl, xh, yh)
    if count == 0 and _centre_inside(polygon, offsets, vertices, xl, yl, xh, yh):
        return CELL_INSIDE  # every point of the box is strictly inside the polygon
    if count != 1:
        return CELL_NEEDS_RING_TEST
    start = end - 1 if end > offsets[polygon] else offsets[polygon + 1] - 1
    ax, ay, bx, by = vertices[start, 0], vertices[start, 1], vertices[end, 0], vertices[end, 1]
    for qx, qy in ((xl, yl), (xh, yl), (xl, yh), (xh, yh)):
        side = orientation(ax, ay, bx, by, qx, qy)
        if side != 0:  # a probe off the edge's line: its side holds the polygon iff the probe is inside
            inside = point_in_ring(qx, qy, vertices, offsets[polygon], offsets[polygon + 1])
            return (end + EDGE_CODE_OFFSET) * (side if inside else -side)
    return CELL_NEEDS_RING_TEST


@kernel
def build_polygon_grid(offsets, vertices, bounds, grid, shape, margin):
    """Cell lists for :func:`grid_cell` queries.

    Args:
        offsets, vertices, bounds: CSR polygons ``(P + 1,)``, ``(V, 2)``, boxes ``(P, 4)`` [m].
        grid: ``(3,)`` x0, y0, cell size [m]; shape: ``(2,)`` nx, ny.
        margin: [m] every cell is grown by this before the overlap test, so that a point whose
            cell index rounds across an edge still finds its polygons.

    Returns:
        ``cell_offsets (nx * ny + 1,)`` int64, ``cell_polygons (K,)`` int64 and ``cell_tests (K,)``
        int64 codes of :func:`~sim.kernels.polygons.entry_holds`, decided on the cell grown by
        ``FULL_CELL_MARGIN_FACTOR * margin``: ``CELL_INSIDE`` when it lies strictly inside that
        polygon (no test), one edge when only that edge meets it, else a whole-ring test.
    """
    nx, ny = shape[0], shape[1]
    x0, y0, cell = grid[0], grid[1], grid[2]
    full_margin = FULL_CELL_MARGIN_FACTOR * margin
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    cell_polygons = np.empty(0, dtype=np.int64)
    cell_tests = np.zeros(0, dtype=np.int64)
    for fill in range(2):  # pass 0 counts, pass 1 writes
        cursor = counts.copy()
        if fill == 1:
            cell_polygons = np.empty(counts[-1], dtype=np.int64)
            cell_tests = np.zeros(counts[-1], dtype=np.int64)
        for polygon in range(offsets.shape[0] - 1):
            ix0 = max(0, int(math.floor((bounds[polygon, 0] - margin - x0) / cell)))
            ix1 = min(nx - 1, int(math.floor((bounds[polygon, 2] + margin - x0) / cell)))
            iy0 = max(0, int(math.floor((bounds[polygon, 1] - margin - y0) / cell)))
            iy1 = min(ny - 1, int(math.floor((bounds[polygon, 3] + margin - y0) / cell)))
            for ix in range(ix0, ix1 + 1):
                for iy in range(iy0, iy1 + 1):
                    xl, yl = x0 + ix * cell - margin, y0 + iy * cell - margin
                    if not _polygon_meets_box(
                        polygon, offsets, vertices, xl, yl, xl + cell + 2 * margin, yl + cell + 2 * margin
                    ):
                        continue
                    c = ix * ny + iy
                    if fill == 0:
                        counts[c + 1] += 1
                    else:
                        cell_polygons[cursor[c]] = polygon
                        xf, yf = x0 + ix * cell - full_margin, y0 + iy * cell - full_margin
                        cell_tests[cursor[c]] = _cell_test(polygon, offsets, vertices, xf, yf, cell + 2 * full_margin)
                        cursor[c] += 1
        if fill == 0:
            counts = np.cumsum(counts)
    return counts, cell_polygons, cell_tests
