"""Strict point-in-polygon and uniform-grid queries over CSR-packed map polygons.

Containment follows GEOS (which shapely calls): a ray-crossing count whose orientation test has
an exact sign, and a point on an edge or a vertex is on the boundary, hence *not* inside. The
orientation uses GEOS's floating-point filter and, when the filter cannot decide, an exact sum of
error-free products, so that points built to lie exactly on an edge are classified as GEOS does.

Grid layout (built by ``sim.scoring.drivable_map``): ``grid = [x0, y0, cell_size]`` [m],
``shape = [nx, ny]``; cell ``(ix, iy)`` covers ``[x0 + ix * cs, x0 + (ix + 1) * cs)`` in x (same
in y) and has id ``ix * ny + iy``. ``cell_polygons[cell_offsets[c]:cell_offsets[c + 1]]`` lists the
polygons that may contain a point of cell ``c`` (a superset; the exact test decides), and
``cell_tests`` says per entry how a point is tested (:func:`entry_holds`): not at all when the polygon
holds the whole cell, against one edge when only one edge crosses the cell, else the whole ring.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import inlined_kernel, kernel, parallel_kernel, prange
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


CELL_NEEDS_RING_TEST = 0  # cell_tests codes: the polygon's boundary meets the cell in several edges
CELL_INSIDE = 1  # the polygon holds the whole cell: every point found in it is inside, no test
EDGE_CODE_OFFSET = 2  # +-(v + 2): one edge, ending at vertex v, crosses the cell; inside on its left (+) / right (-)


@inlined_kernel
def entry_holds(px: float, py: float, code: int, vertices, start: int, stop: int, box) -> bool:
    """A point found in a grid cell is strictly inside the polygon ``vertices[start:stop]`` of the
    cell entry whose code is ``code``; ``box`` = (xmin, ymin, xmax, ymax) is the polygon's box.

    With one edge crossing the cell, the chord splits the cell into a wholly inside and a wholly
    outside part, so the exact side of that edge decides (a point on it is on the boundary: outside).
    """
    if code == CELL_INSIDE:
        return True
    if code == CELL_NEEDS_RING_TEST:
        return inside_box(px, py, box[0], box[1], box[2], box[3]) and point_in_ring(px, py, vertices, start, stop)
    end = abs(code) - EDGE_CODE_OFFSET
    first = end - 1 if end > start else stop - 1
    side = orientation(vertices[first, 0], vertices[first, 1], vertices[end, 0], vertices[end, 1], px, py)
    return side == (1 if code > 0 else -1)


@kernel
def polygon_box(bounds, polygon: int):
    """``(xmin, ymin, xmax, ymax)`` of ``polygon`` as scalars."""
    return bounds[polygon, 0], bounds[polygon, 1], bounds[polygon, 2], bounds[polygon, 3]


@kernel
def _point_in_layer(
    px, py, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """Point strictly inside some polygon of ``layer`` (candidates from its grid cell)."""
    cell = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
    if cell < 0:
        return False
    for j in range(cell_offsets[cell], cell_offsets[cell + 1]):
        p = cell_polygons[j]
        if layers[p] != layer:
            continue
        if entry_holds(px, py, cell_tests[j], vertices, offsets[p], offsets[p + 1], polygon_box(bounds, p)):
            return True
    return False


@kernel
def points_in_layer_kernel(
    points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """``(K,)`` bool: point ``k`` of ``points (K, 2)`` is strictly inside some polygon of ``layer``."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in range(points.shape[0]):
        out[k] = _point_in_layer(
            points[k, 0], points[k, 1], layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets,
            cell_polygons, cell_tests,
        )  # fmt: skip
    return out


@parallel_kernel
def points_in_layer_parallel_kernel(
    points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests
):
    """Parallel variant of :func:`points_in_layer_kernel` (same result)."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in prange(points.shape[0]):
        out[k] = _point_in_layer(
            points[k, 0], points[k, 1], layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets,
            cell_polygons, cell_tests,
        )  # fmt: skip
    return out
