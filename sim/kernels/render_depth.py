"""Depth rasterisation kernels of the camera renderer: polygon planes and per-pixel planar depth.

Same conventions as :mod:`sim.kernels.render_raster`: camera frame x forward, y left, z up [m]; pixel
``(row j, column i)`` centre ``(i + 0.5, j + 0.5)``; image ``u = cx - f y / x``, ``v = cy - f z / x``.
Planar depth is the camera-frame x of the surface seen at a pixel (what CARLA's depth camera encodes).
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel
from sim.kernels.render_raster import row_crossings


@kernel
def polygon_planes_kernel(
    vertices: np.ndarray, offsets: np.ndarray, selected: np.ndarray, rotation: np.ndarray, position: np.ndarray
) -> np.ndarray:
    """``(K, 4)`` camera-frame planes ``n . p = d`` (Newell normal through the centroid) of the selected polygons.

    Args:
        vertices: ``(V, 3)`` world points [m], CSR with ``offsets`` ``(P + 1,)``; ``selected`` ``(K,)`` int64.
        rotation: ``(3, 3)`` world -> camera rotation; ``position``: ``(3,)`` camera position [m].
    """
    planes = np.zeros((selected.shape[0], 4))
    for k in range(selected.shape[0]):
        lo, hi = offsets[selected[k]], offsets[selected[k] + 1]
        n = hi - lo
        normal = np.zeros(3)
        centroid = np.zeros(3)
        for i in range(n):
            a = vertices[lo + i]
            b = vertices[lo + (i + 1) % n]
            normal[0] += (a[1] - b[1]) * (a[2] + b[2])
            normal[1] += (a[2] - b[2]) * (a[0] + b[0])
            normal[2] += (a[0] - b[0]) * (a[1] + b[1])
            centroid += a
        centroid /= max(n, 1)
        for r in range(3):
            planes[k, r] = rotation[r, 0] * normal[0] + rotation[r, 1] * normal[1] + rotation[r, 2] * normal[2]
        d = 0.0
        for r in range(3):
            rel = 0.0
            for c in range(3):
                rel += rotation[r, c] * (centroid[c] - position[c])
            d += planes[k, r] * rel
        planes[k, 3] = d
    return planes


@kernel
def fill_depth_kernel(
    depth: np.ndarray, xy: np.ndarray, offsets: np.ndarray, planes: np.ndarray, f: float, cx: float, cy: float
) -> None:
    """Write each polygon's planar depth [m] into the pixels it covers, in order (later ones overwrite).

    Args:
        depth: ``(H, W)`` float64, written in place.
        xy: ``(M, 2)`` image polygons [px], CSR with ``offsets`` ``(P + 1,)``.
        planes: ``(P, 4)`` camera-frame plane of each polygon (:func:`polygon_planes_kernel`).
        f, cx, cy: focal length and principal point [px].
    """
    height, width = depth.shape[0], depth.shape[1]
    max_n = 3
    for p in range(offsets.shape[0] - 1):
        max_n = max(max_n, offsets[p + 1] - offsets[p])
    crossings = np.empty(max_n + 1)
    for p in range(offsets.shape[0] - 1):
        lo, hi = offsets[p], offsets[p + 1]
        ymin, ymax = 1e30, -1e30
        for i in range(lo, hi):
            ymin = min(ymin, xy[i, 1])
            ymax = max(ymax, xy[i, 1])
        row0 = max(0, int(math.ceil(ymin - 0.5)))
        row1 = min(height - 1, int(math.floor(ymax - 0.5)))
        for row in range(row0, row1 + 1):
            m = row_crossings(xy, lo, hi - lo, row + 0.5, crossings)
            dz = (cy - (row + 0.5)) / f
            for pair in range(0, m - 1, 2):
                c0 = max(0, int(math.ceil(crossings[pair] - 0.5)))
                c1 = min(width, int(math.ceil(crossings[pair + 1] - 0.5)))
                for col in range(c0, c1):
                    dy = (cx - (col + 0.5)) / f
                    denominator = planes[p, 0] + planes[p, 1] * dy + planes[p, 2] * dz
                    if abs(denominator) > 1e-12:
                        t = planes[p, 3] / denominator
                        if t > 0.0:
                            depth[row, col] = t
