"""Software rasterisation kernels of the camera renderer: frustum clipping, projection and polygon fill.

Camera frame: x forward, y left, z up [m] (right-handed). Image: u to the right, v down [px], pixel
``(row j, column i)`` covers ``[i, i+1) x [j, j+1)``; a pixel is inside a polygon when its centre is
(even-odd rule), so polygons that share an edge neither overlap nor leave a crack.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel

_NUM_PLANES = 5  # near plane plus the four image borders
_EXTRA_VERTICES = 8  # a convex clip against 5 planes adds at most 5 vertices per polygon


@kernel
def frustum_planes_kernel(f: float, cx: float, cy: float, width: int, height: int, near: float) -> np.ndarray:
    """``(5, 4)`` planes ``a x + b y + c z + d >= 0`` (camera frame) of the visible volume.

    The four border planes sit one pixel outside the image so clipped edges never show.
    """
    m = 1.0
    planes = np.zeros((_NUM_PLANES, 4))
    planes[0, 0], planes[0, 3] = 1.0, -near
    planes[1, 0], planes[1, 1] = cx + m, -f  # u >= -m
    planes[2, 0], planes[2, 1] = width + m - cx, f  # u <= W + m
    planes[3, 0], planes[3, 2] = cy + m, -f  # v >= -m
    planes[4, 0], planes[4, 2] = height + m - cy, f  # v <= H + m
    return planes


@kernel
def _clip_one(poly: np.ndarray, n: int, plane: np.ndarray, out: np.ndarray) -> int:
    """Sutherland-Hodgman: clip ``poly[:n]`` (camera frame) to one half-space into ``out``; vertex count."""
    count = 0
    for k in range(n):
        a = poly[k]
        b = poly[(k + 1) % n]
        da = plane[0] * a[0] + plane[1] * a[1] + plane[2] * a[2] + plane[3]
        db = plane[0] * b[0] + plane[1] * b[1] + plane[2] * b[2] + plane[3]
        if da >= 0.0:
            out[count] = a
            count += 1
        if (da >= 0.0) != (db >= 0.0):
            t = da / (da - db)
            for c in range(3):
                out[count, c] = a[c] + t * (b[c] - a[c])
            count += 1
    return count


@kernel
def _outcodes(poly: np.ndarray, n: int, planes: np.ndarray) -> tuple[int, bool]:
    """Bit ``p`` set when every vertex is inside plane ``p``; whether all vertices are outside one plane."""
    inside_all = 0
    outside_any = False
    for p in range(planes.shape[0]):
        inside, outside = 0, 0
        for i in range(n):
            d = planes[p, 0] * poly[i, 0] + planes[p, 1] * poly[i, 1] + planes[p, 2] * poly[i, 2] + planes[p, 3]
            if d >= 0.0:
                inside += 1
            else:
                outside += 1
        if outside == 0:
            inside_all |= 1 << p
        if inside == 0:
            outside_any = True
    return inside_all, outside_any


@kernel
def project_polygons_kernel(
    vertices: np.ndarray,
    offsets: np.ndarray,
    selected: np.ndarray,
    rotation: np.ndarray,
    position: np.ndarray,
    planes: np.ndarray,
    f: float,
    cx: float,
    cy: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World polygons -> clipped image polygons.

    Args:
        vertices: ``(V, 3)`` world x, y, z [m] of all polygons (CSR with ``offsets``).
        offsets: ``(P + 1,)`` int64.
        selected: ``(K,)`` int64 polygons to draw, in drawing order.
        rotation: ``(3, 3)`` world -> camera rotation (rows: forward, left, up).
        position: ``(3,)`` camera position, world [m].
        planes: ``(5, 4)`` from :func:`frustum_planes_kernel`.
        f, cx, cy: focal length and principal point [px].

    Returns:
        ``xy (M, 2)`` image u, v [px]; ``out_offsets (K' + 1,)`` int64; ``kept (K',)`` int64 index
        into ``selected`` of each surviving polygon (order preserved).
    """
    max_n = 3
    total = 0
    for k in range(selected.shape[0]):
        n = offsets[selected[k] + 1] - offsets[selected[k]]
        max_n = max(max_n, n)
        total += n + _EXTRA_VERTICES
    xy = np.empty((total, 2))
    out_offsets = np.zeros(selected.shape[0] + 1, dtype=np.int64)
    kept = np.empty(selected.shape[0], dtype=np.int64)
    buf_a = np.empty((max_n + _EXTRA_VERTICES, 3))
    buf_b = np.empty((max_n + _EXTRA_VERTICES, 3))
    cursor = 0
    count = 0
    for k in range(selected.shape[0]):
        lo, hi = offsets[selected[k]], offsets[selected[k] + 1]
        n = hi - lo
        for i in range(n):
            d0 = vertices[lo + i, 0] - position[0]
            d1 = vertices[lo + i, 1] - position[1]
            d2 = vertices[lo + i, 2] - position[2]
            for r in range(3):
                buf_a[i, r] = rotation[r, 0] * d0 + rotation[r, 1] * d1 + rotation[r, 2] * d2
        inside_all, outside_any = _outcodes(buf_a, n, planes)
        if outside_any:
            continue  # every vertex beyond one plane: invisible
        src, dst = buf_a, buf_b
        for p in range(planes.shape[0]):
            if (inside_all >> p) & 1:
                continue  # no vertex beyond this plane: nothing to clip
            n = _clip_one(src, n, planes[p], dst)
            src, dst = dst, src
            if n < 3:
                break
        if n < 3:
            continue
        for i in range(n):
            xy[cursor + i, 0] = cx - f * src[i, 1] / src[i, 0]
            xy[cursor + i, 1] = cy - f * src[i, 2] / src[i, 0]
        cursor += n
        kept[count] = k
        count += 1
        out_offsets[count] = cursor
    return xy[:cursor], out_offsets[: count + 1], kept[:count]


@kernel
def row_crossings(xy: np.ndarray, lo: int, n: int, yc: float, crossings: np.ndarray) -> int:
    """Sorted x [px] where the ``n``-gon ``xy[lo:lo + n]`` crosses the line ``y = yc``; returns their count."""
    m = 0
    for i in range(n):
        ax, ay = xy[lo + i, 0], xy[lo + i, 1]
        bx, by = xy[lo + (i + 1) % n, 0], xy[lo + (i + 1) % n, 1]
        if (ay <= yc < by) or (by <= yc < ay):
            x = ax + (yc - ay) * (bx - ax) / (by - ay)
            j = m
            while j > 0 and crossings[j - 1] > x:  # insertion sort keeps crossings ordered
                crossings[j] = crossings[j - 1]
                j -= 1
            crossings[j] = x
            m += 1
    return m


@kernel
def fill_polygons_kernel(
    image: np.ndarray,
    xy: np.ndarray,
    offsets: np.ndarray,
    colors: np.ndarray,
    fog: np.ndarray,
    fog_map: np.ndarray,
    haze: np.ndarray,
) -> None:
    """Fill image polygons in order (later ones paint over earlier ones), even-odd rule.

    Args:
        image: ``(H, W, 3)`` uint8, painted in place.
        xy: ``(M, 2)`` u, v [px]; ``offsets`` ``(P + 1,)`` int64 CSR.
        colors: ``(P, 3)`` float64 colour of each polygon (0..255).
        fog: ``(P,)`` float64 blend factor towards ``haze`` in [0, 1]. A value ``-1 - cap`` (in
            [-2, -1]) marks a ground polygon: it takes ``fog_map`` at each pixel, at most ``cap``.
        fog_map: ``(H, W)`` float64 fog of the flat ground seen at each pixel.
        haze: ``(3,)`` float64 colour at full fog.
    """
    height, width = image.shape[0], image.shape[1]
    max_n = 3
    for p in range(offsets.shape[0] - 1):
        max_n = max(max_n, offsets[p + 1] - offsets[p])
    crossings = np.empty(max_n + 1)
    for p in range(offsets.shape[0] - 1):
        lo, hi = offsets[p], offsets[p + 1]
        n = hi - lo
        ymin, ymax = 1e30, -1e30
        for i in range(lo, hi):
            ymin = min(ymin, xy[i, 1])
            ymax = max(ymax, xy[i, 1])
        row0 = max(0, int(math.ceil(ymin - 0.5)))
        row1 = min(height - 1, int(math.floor(ymax - 0.5)))
        per_pixel = fog[p] < 0.0
        cap = -fog[p] - 1.0
        for row in range(row0, row1 + 1):
            m = row_crossings(xy, lo, n, row + 0.5, crossings)
            for pair in range(0, m - 1, 2):
                c0 = max(0, int(math.ceil(crossings[pair] - 0.5)))
                c1 = min(width, int(math.ceil(crossings[pair + 1] - 0.5)))
                for col in range(c0, c1):
                    t = fog[p]
                    if per_pixel:
                        t = fog_map[row, col]
                        if t > cap:
                            t = cap
                    for c in range(3):
                        image[row, col, c] = np.uint8(colors[p, c] + t * (haze[c] - colors[p, c]) + 0.5)
