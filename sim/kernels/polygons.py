"""Strict point-in-polygon and uniform-grid queries over CSR-packed map polygons.

Containment follows GEOS (which shapely calls): a ray-crossing count whose orientation test has
an exact sign, and a point on an edge or a vertex is on the boundary, hence *not* inside. The
orientation uses GEOS's floating-point filter and, when the filter cannot decide, an exact sum of
error-free products, so that points built to lie exactly on an edge are classified as GEOS does.

Grid layout (built by ``sim.scoring.drivable_map``): ``grid = [x0, y0, cell_size]`` [m],
``shape = [nx, ny]``; cell ``(ix, iy)`` covers ``[x0 + ix * cs, x0 + (ix + 1) * cs)`` in x (same
in y) and has id ``ix * ny + iy``. ``cell_polygons[cell_offsets[c]:cell_offsets[c + 1]]`` lists the
polygons that may contain a point of cell ``c`` (a superset; the exact test decides).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel, parallel_kernel, prange

_SPLITTER = 134217729.0  # 2**27 + 1, Dekker's split of a float64 mantissa
_FILTER_EPSILON = 1e-15  # GEOS's DP_SAFE_EPSILON for the orientation filter


@kernel
def _two_product(a: float, b: float) -> tuple[float, float]:
    """``a * b`` as ``hi + lo`` exactly (Dekker, no FMA needed)."""
    product = a * b
    c = _SPLITTER * a
    a_hi = c - (c - a)
    a_lo = a - a_hi
    c = _SPLITTER * b
    b_hi = c - (c - b)
    b_lo = b - b_hi
    error = ((a_hi * b_hi - product) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return product, error


@kernel
def _exact_sign_of_sum(terms: np.ndarray) -> int:
    """Sign of the exact sum of ``terms`` (Shewchuk's grow-expansion, no rounding)."""
    expansion = np.zeros(terms.shape[0])
    length = 0
    for term in terms:
        carry = term
        for i in range(length):
            total = carry + expansion[i]
            virtual = total - carry
            expansion[i] = (carry - (total - virtual)) + (expansion[i] - virtual)
            carry = total
        expansion[length] = carry
        length += 1
    for i in range(length - 1, -1, -1):
        if expansion[i] > 0.0:
            return 1
        if expansion[i] < 0.0:
            return -1
    return 0


@kernel
def _sign(value: float) -> int:
    if value > 0.0:
        return 1
    if value < 0.0:
        return -1
    return 0


@kernel
def orientation_index(ax: float, ay: float, bx: float, by: float, qx: float, qy: float) -> int:
    """Exact sign of the turn a -> b -> q: 1 left (counter-clockwise), -1 right, 0 collinear."""
    det_left = (ax - qx) * (by - qy)
    det_right = (ay - qy) * (bx - qx)
    det = det_left - det_right
    if det_left > 0.0:
        if det_right <= 0.0:
            return _sign(det)
        det_sum = det_left + det_right
    elif det_left < 0.0:
        if det_right >= 0.0:
            return _sign(det)
        det_sum = -det_left - det_right
    else:
        return _sign(det)
    if abs(det) >= _FILTER_EPSILON * det_sum:
        return _sign(det)
    # Undecided by the filter: expand (b - a) x (q - a) into six exact products, each split in two.
    # (ax * ay cancels against ay * ax.)
    terms = np.empty(12)
    terms[0], terms[1] = _two_product(bx, qy)
    terms[2], terms[3] = _two_product(-bx, ay)
    terms[4], terms[5] = _two_product(-ax, qy)
    terms[6], terms[7] = _two_product(-by, qx)
    terms[8], terms[9] = _two_product(by, ax)
    terms[10], terms[11] = _two_product(ay, qx)
    return _exact_sign_of_sum(terms)


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
            orient = orientation_index(x1, y1, x2, y2, px, py)
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
def points_in_layer_kernel(points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons):
    """``(K,)`` bool: point ``k`` of ``points (K, 2)`` is strictly inside some polygon of ``layer``."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in range(points.shape[0]):
        px, py = points[k, 0], points[k, 1]
        cell = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
        if cell < 0:
            continue
        for j in range(cell_offsets[cell], cell_offsets[cell + 1]):
            p = cell_polygons[j]
            if layers[p] != layer or not inside_box(px, py, bounds[p, 0], bounds[p, 1], bounds[p, 2], bounds[p, 3]):
                continue
            if point_in_ring(px, py, vertices, offsets[p], offsets[p + 1]):
                out[k] = True
                break
    return out


@parallel_kernel
def points_in_layer_parallel_kernel(
    points, layer, layers, offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons
):
    """Parallel variant of :func:`points_in_layer_kernel` (same result)."""
    out = np.zeros(points.shape[0], dtype=np.bool_)
    for k in prange(points.shape[0]):
        px, py = points[k, 0], points[k, 1]
        cell = grid_cell(px, py, grid[0], grid[1], grid[2], shape[0], shape[1])
        if cell < 0:
            continue
        for j in range(cell_offsets[cell], cell_offsets[cell + 1]):
            p = cell_polygons[j]
            if layers[p] != layer or not inside_box(px, py, bounds[p, 0], bounds[p, 1], bounds[p, 2], bounds[p, 3]):
                continue
            if point_in_ring(px, py, vertices, offsets[p], offsets[p + 1]):
                out[k] = True
                break
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
def build_polygon_grid(offsets, vertices, bounds, grid, shape, margin):
    """Cell lists for :func:`grid_cell` queries.

    Args:
        offsets, vertices, bounds: CSR polygons ``(P + 1,)``, ``(V, 2)``, boxes ``(P, 4)`` [m].
        grid: ``(3,)`` x0, y0, cell size [m]; shape: ``(2,)`` nx, ny.
        margin: [m] every cell is grown by this before the overlap test, so that a point whose
            cell index rounds across an edge still finds its polygons.

    Returns:
        ``cell_offsets (nx * ny + 1,)`` int64 and ``cell_polygons (K,)`` int64.
    """
    nx, ny = shape[0], shape[1]
    x0, y0, cell = grid[0], grid[1], grid[2]
    counts = np.zeros(nx * ny + 1, dtype=np.int64)
    cell_polygons = np.empty(0, dtype=np.int64)
    for fill in range(2):  # pass 0 counts, pass 1 writes
        cursor = counts.copy()
        if fill == 1:
            cell_polygons = np.empty(counts[-1], dtype=np.int64)
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
                        cursor[c] += 1
        if fill == 0:
            counts = np.cumsum(counts)
    return counts, cell_polygons
