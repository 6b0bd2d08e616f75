"""Strict point-in-polygon and uniform-grid queries over CSR-packed map polygons.

Containment follows GEOS (which shapely calls): a ray-crossing count whose orientation test has
an exact sign, and a point on an edge or a vertex is on the boundary, hence *not* inside. The
orientation uses GEOS's floating-point filter and, when the filter cannot decide, an exact sum of
error-free products, so that points built to lie exactly on an edge are classified as GEOS does.

Grid layout (built by ``sim.scoring.drivable_map``): ``grid = [x0, y0, cell_size]`` [m],
``shape = [nx, ny]``; cell ``(ix, iy)`` covers ``[x0 + ix * cs, x0 + (ix + 1) * cs)`` in x (same
in y) and has id ``ix * ny + iy``. ``cell_polygons[cell_offsets[c]:cell_offsets[c + 1]]`` lists the
polygons that may contain a point of cell ``c`` (a superset; the exact test decides), and
``cell_inside`` marks the entries whose polygon holds the whole cell, which need no test at all.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel, parallel_kernel, prange
from sim.kernels.exact import orientation


@kernel
def point_in_ring(px: float, py: float, vertices: np.ndarray, start: int, stop: int) -> bool:
    """Strictly inside the closed ring ``vertices[start:stop]`` (GEOS ray-crossing count).

    Args:
        px, py: query point [m].
        vertices: ``(V, 2)`` all polygon vertices [m].
        start, stop: the ring's slice; the ring is open (closed implicitly).

    Returns:
        True only for interior points; edge and vertex points are outside.
    """
    crossings = 0
    prev = stop - 1
    for cur in range(start, stop):
        x1, y1 = vertices[prev, 0], vertices[prev, 1]
        x2, y2 = vertices[cur, 0], vertices[cur, 1]
        prev = cur
        if x1 < px and x2 < px:
            continue
        if px == x2 and py == y2:
            return False
        if y1 == py and y2 == py:
            if min(x1, x2) <= px <= max(x1, x2):
                return False
            continue
        if (y1 > py and y2 <= py) or (y2 > py and y1 <= py):
            orient = orientation(x1, y1, x2, y2, px, py)
            if orient == 0:
                return False
            if y2 < y1:
                orient = -orient
            if orient == 1:
                crossings += 1
    return crossings % 2 == 1


@kernel
def inside_box(px: float, py: float, xmin: float, ymin: float, xmax: float, ymax: float) -> bool:
    """Strictly inside the box: a point on or beyond a polygon's box cannot be interior to it."""
    return xmin < px < xmax and ymin < py < ymax


@kernel
def grid_cell(px: float, py: float, x0: float, y0: float, cell: float, nx: int, ny: int) -> int:
    """Cell id of a point, or -1 outside the grid (then no polygon can contain it).

    Scalars only: numba calls that pass arrays pay reference counting, which dominated the cost.
    """
    fx = math.floor((px - x0) / cell)
    fy = math.floor((py - y0) / cell)
    if not (0.0 <= fx < nx and 0.0 <= fy < ny):
        return -1  # also catches NaN
    return int(fx) * ny + int(fy)


@kernel
def _point_in_layer(
    px, py, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_inside
):
    """Point strictly inside some polygon of ``layer`` (candidates from its grid cell)."""
    cell = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
    if cell < 0:
        return False
    for j in range(cell_offsets[cell], cell_offsets[cell + 1]):
        p = cell_polygons[j]
        if layers[p] != layer:
            continue
        if cell_inside[j]:
            return True
        if not inside_box(px, py, bounds[p, 0], bounds[p, 1], bounds[p, 2], bounds[p, 3]):
            continue
        if point_in_ring(px, py, vertices, offsets[p], offsets[p + 1]):
            return True
    return False


@kernel
def points_in_layer_kernel(
    points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_inside
):
    """``(K,)`` bool: point ``k`` of ``points (K, 2)`` is strictly inside some polygon of ``layer``."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in range(points.shape[0]):
        out[k] = _point_in_layer(
            points[k, 0], points[k, 1], layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets,
            cell_polygons, cell_inside,
        )  # fmt: skip
    return out


@parallel_kernel
def points_in_layer_parallel_kernel(
    points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_inside
):
    """Parallel variant of :func:`points_in_layer_kernel` (same result)."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in prange(points.shape[0]):
        out[k] = _point_in_layer(
            points[k, 0], points[k, 1], layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets,
            cell_polygons, cell_inside,
        )  # fmt: skip
    return out


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
def _polygon_meets_box(polygon, offsets, vertices, xl, yl, xh, yh) -> bool:
    """Conservative overlap of a polygon and a box: an edge meets the box, or the box is inside."""
    start, stop = offsets[polygon], offsets[polygon + 1]
    prev = stop - 1
    for cur in range(start, stop):
        if _segment_touches_box(
            vertices[prev, 0], vertices[prev, 1], vertices[cur, 0], vertices[cur, 1], xl, yl, xh, yh
        ):
            return True
        prev = cur
    # No edge meets the box: it is wholly inside or wholly outside; its centre decides.
    return point_in_ring(0.5 * (xl + xh), 0.5 * (yl + yh), vertices, start, stop)


@kernel
def _box_strictly_inside(polygon, offsets, vertices, xl, yl, xh, yh) -> bool:
    """Every point of the closed box is strictly inside the polygon: no edge meets it, its centre is inside."""
    start, stop = offsets[polygon], offsets[polygon + 1]
    prev = stop - 1
    for cur in range(start, stop):
        if _segment_touches_box(
            vertices[prev, 0], vertices[prev, 1], vertices[cur, 0], vertices[cur, 1], xl, yl, xh, yh
        ):
            return False
        prev = cur
    return point_in_ring(0.5 * (xl + xh), 0.5 * (yl + yh), vertices, start, stop)


FULL_CELL_MARGIN_FACTOR = 10.0  # a cell counts as inside a polygon with ten times the lookup margin to spare


@kernel
def build_polygon_grid(offsets, vertices, bounds, grid, shape, margin):
    """Cell lists for :func:`grid_cell` queries.

    Args:
        offsets, vertices, bounds: CSR polygons ``(P + 1,)``, ``(V, 2)``, boxes ``(P, 4)`` [m].
        grid: ``(3,)`` x0, y0, cell size [m]; shape: ``(2,)`` nx, ny.
        margin: [m] every cell is grown by this before the overlap test, so that a point whose
            cell index rounds across an edge still finds its polygons.

    Returns:
        ``cell_offsets (nx * ny + 1,)`` int64, ``cell_polygons (K,)`` int64 and ``cell_inside (K,)``
        bool: the cell, grown by ``FULL_CELL_MARGIN_FACTOR * margin``, lies strictly inside that
        polygon, so every point found in the cell is inside it without a test.
    """
    nx, ny = shape[0], shape[1]
    x0, y0, cell = grid[0], grid[1], grid[2]
    full_margin = FULL_CELL_MARGIN_FACTOR * margin
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    cell_polygons = np.empty(0, dtype=np.int64)
    cell_inside = np.zeros(0, dtype=np.bool_)
    for fill in range(2):  # pass 0 counts, pass 1 writes
        cursor = counts.copy()
        if fill == 1:
            cell_polygons = np.empty(counts[-1], dtype=np.int64)
            cell_inside = np.zeros(counts[-1], dtype=np.bool_)
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
                        size = cell + 2 * full_margin
                        cell_inside[cursor[c]] = _box_strictly_inside(
                            polygon, offsets, vertices, xf, yf, xf + size, yf + size
                        )
                        cursor[c] += 1
        if fill == 0:
            counts = np.cumsum(counts)
    return counts, cell_polygons, cell_inside
