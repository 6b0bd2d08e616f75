"""Oriented boxes and exact polygon intersection tests (shapely/GEOS ``intersects`` semantics).

Every decision matches GEOS on the same float64 input: boundaries that only touch count as
intersecting. Orientation signs are exact (a float filter, then an error-free expansion when the
filter cannot decide), so boxes or rings built to touch exactly are classified as GEOS does.
The quad-quad test first runs a separating-axis test with a safety margin and only falls back
to the exact edge test when the margin cannot decide.

Rings are open ``(n, 2)`` float64 arrays (the first vertex is not repeated); quads are rings of
4 vertices in the order FL, RL, RR, FR (nuPlan's ``all_corners``).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.exact import orientation

_HALF_PI = math.pi / 2.0  # nuPlan builds the lateral axis as heading + pi/2
_SAT_MARGIN = 1e-9  # [m] gaps closer to 0 than this go to the exact test
_SAT_MARGIN_REL = 1e-12  # [1] extra margin per metre of coordinate magnitude


@kernel
def oriented_box_corners(poses: np.ndarray, half_lengths: np.ndarray, half_widths: np.ndarray) -> np.ndarray:
    """Corners of oriented boxes exactly as nuPlan's ``OrientedBox.all_corners`` rounds them.

    Args:
        poses: ``(K, 3)`` box centre x [m], y [m], heading [rad].
        half_lengths: ``(K,)`` [m].
        half_widths: ``(K,)`` [m].

    Returns:
        ``(K, 4, 2)`` float64 corners FL, RL, RR, FR.
    """
    out = np.empty((poses.shape[0], 4, 2))
    for k in range(poses.shape[0]):
        heading = poses[k, 2]
        c, s = math.cos(heading), math.sin(heading)
        # nuPlan uses cos/sin(heading + pi/2) for the lateral axis, not (-sin, cos): keep its rounding
        c_lat, s_lat = math.cos(heading + _HALF_PI), math.sin(heading + _HALF_PI)
        for row, lon, lat in ((0, 1.0, 1.0), (1, -1.0, 1.0), (2, -1.0, -1.0), (3, 1.0, -1.0)):
            d_lon = lon * half_lengths[k]
            d_lat = lat * half_widths[k]
            out[k, row, 0] = poses[k, 0] + ((d_lat * c_lat) + (d_lon * c))
            out[k, row, 1] = poses[k, 1] + ((d_lat * s_lat) + (d_lon * s))
    return out


@kernel
def segments_intersect(px: float, py: float, qx: float, qy: float, rx: float, ry: float, sx: float, sy: float) -> bool:
    """Closed segments ``pq`` and ``rs`` share at least one point (touching counts)."""
    if max(px, qx) < min(rx, sx) or max(rx, sx) < min(px, qx):
        return False
    if max(py, qy) < min(ry, sy) or max(ry, sy) < min(py, qy):
        return False
    o1 = orientation(px, py, qx, qy, rx, ry)
    o2 = orientation(px, py, qx, qy, sx, sy)
    if o1 * o2 > 0:
        return False
    o3 = orientation(rx, ry, sx, sy, px, py)
    o4 = orientation(rx, ry, sx, sy, qx, qy)
    if o3 * o4 > 0:
        return False
    # all collinear: the envelope test above already established the overlap
    return True


@kernel
def point_in_ring_or_edge(px: float, py: float, ring: np.ndarray) -> bool:
    """Point inside the ring or on its boundary (exact crossing count)."""
    n = ring.shape[0]
    inside = False
    for i in range(n):
        ax, ay = ring[i, 0], ring[i, 1]
        bx, by = ring[(i + 1) % n, 0], ring[(i + 1) % n, 1]
        if min(ax, bx) <= px <= max(ax, bx) and min(ay, by) <= py <= max(ay, by):
            if orientation(ax, ay, bx, by, px, py) == 0:
                return True
        if (ay > py) != (by > py):
            turn = orientation(ax, ay, bx, by, px, py)
            # the +x ray crosses the edge when the point is left of an upward edge (right of a downward one)
            if (turn > 0) == (by > ay):
                inside = not inside
    return inside


@kernel
def _ring_bounds(ring: np.ndarray) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = ring[0, 0], ring[0, 1], ring[0, 0], ring[0, 1]
    for i in range(1, ring.shape[0]):
        x0, x1 = min(x0, ring[i, 0]), max(x1, ring[i, 0])
        y0, y1 = min(y0, ring[i, 1]), max(y1, ring[i, 1])
    return x0, y0, x1, y1


@kernel
def segment_intersects_ring(px: float, py: float, qx: float, qy: float, ring: np.ndarray) -> bool:
    """Closed segment ``pq`` meets the polygon bounded by ``ring`` (interior or boundary)."""
    n = ring.shape[0]
    for i in range(n):
        j = (i + 1) % n
        if segments_intersect(px, py, qx, qy, ring[i, 0], ring[i, 1], ring[j, 0], ring[j, 1]):
            return True
    # no boundary contact: the segment is either fully inside or fully outside
    return point_in_ring_or_edge(px, py, ring)


@kernel
def rings_intersect(a: np.ndarray, b: np.ndarray) -> bool:
    """Polygons bounded by rings ``a`` and ``b`` share a point (GEOS ``intersects``)."""
    ax0, ay0, ax1, ay1 = _ring_bounds(a)
    bx0, by0, bx1, by1 = _ring_bounds(b)
    if ax1 < bx0 or bx1 < ax0 or ay1 < by0 or by1 < ay0:
        return False
    na, nb = a.shape[0], b.shape[0]
    for i in range(na):
        i2 = (i + 1) % na
        ex0, ex1 = min(a[i, 0], a[i2, 0]), max(a[i, 0], a[i2, 0])
        ey0, ey1 = min(a[i, 1], a[i2, 1]), max(a[i, 1], a[i2, 1])
        if ex1 < bx0 or bx1 < ex0 or ey1 < by0 or by1 < ey0:
            continue  # this edge cannot touch b at all
        for j in range(nb):
            j2 = (j + 1) % nb
            if segments_intersect(a[i, 0], a[i, 1], a[i2, 0], a[i2, 1], b[j, 0], b[j, 1], b[j2, 0], b[j2, 1]):
                return True
    # boundaries are disjoint: either one polygon holds the other, or they are apart
    return point_in_ring_or_edge(a[0, 0], a[0, 1], b) or point_in_ring_or_edge(b[0, 0], b[0, 1], a)


@kernel
def _separation_on_edges(poly: np.ndarray, a: np.ndarray, b: np.ndarray, ox: float, oy: float, margin: float) -> int:
    """Project ``a`` and ``b`` on the edge normals of ``poly``: -1 clearly apart, 0 unsure, 1 overlap."""
    verdict = 1
    n = poly.shape[0]
    for i in range(n):
        j = (i + 1) % n
        nx = poly[i, 1] - poly[j, 1]
        ny = poly[j, 0] - poly[i, 0]
        norm = math.sqrt(nx * nx + ny * ny)
        if norm == 0.0:
            verdict = 0  # degenerate edge: let the exact test decide
            continue
        a_min, a_max = math.inf, -math.inf
        for k in range(a.shape[0]):
            value = (a[k, 0] - ox) * nx + (a[k, 1] - oy) * ny
            a_min, a_max = min(a_min, value), max(a_max, value)
        b_min, b_max = math.inf, -math.inf
        for k in range(b.shape[0]):
            value = (b[k, 0] - ox) * nx + (b[k, 1] - oy) * ny
            b_min, b_max = min(b_min, value), max(b_max, value)
        gap = max(b_min - a_max, a_min - b_max) / norm
        if gap > margin:
            return -1
        if gap > -margin:
            verdict = 0
    return verdict


@kernel
def _boxes_apart(a: np.ndarray, b: np.ndarray) -> bool:
    """The axis-aligned boxes of the quads ``a`` and ``b`` ``(4, 2)`` are strictly apart."""
    for axis in range(2):
        a_low = min(a[0, axis], a[1, axis], a[2, axis], a[3, axis])
        a_high = max(a[0, axis], a[1, axis], a[2, axis], a[3, axis])
        b_low = min(b[0, axis], b[1, axis], b[2, axis], b[3, axis])
        b_high = max(b[0, axis], b[1, axis], b[2, axis], b[3, axis])
        if a_high < b_low or b_high < a_low:
            return True
    return False


@kernel
def convex_quads_intersect(a: np.ndarray, b: np.ndarray) -> bool:
    """Two convex quads ``(4, 2)`` share a point (touching counts), exactly as GEOS decides.

    The separating-axis test decides whenever every projection gap is clearly away from zero;
    only near-touching pairs pay for the exact edge test.
    """
    if _boxes_apart(a, b):
        return False  # exact comparisons, no arithmetic: disjoint boxes hold no common point
    ox, oy = a[0, 0], a[0, 1]
    margin = _SAT_MARGIN + _SAT_MARGIN_REL * (abs(ox) + abs(oy))
    first = _separation_on_edges(a, a, b, ox, oy, margin)
    if first < 0:
        return False
    second = _separation_on_edges(b, a, b, ox, oy, margin)
    if second < 0:
        return False
    if first > 0 and second > 0:
        return True
    return rings_intersect(a, b)


@kernel
def circles_may_touch(ax: float, ay: float, ar: float, bx: float, by: float, br: float) -> bool:
    """Conservative broad phase: False only when the two discs are clearly apart."""
    dx, dy = ax - bx, ay - by
    reach = (ar + br) * (1.0 + 1e-9) + 1e-9
    return dx * dx + dy * dy <= reach * reach
