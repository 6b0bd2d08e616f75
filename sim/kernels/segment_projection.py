"""Nearest segments of a polyline for many points, reporting near-ties instead of breaking them.

The expert projects every sample of every predicted actor box onto its path each tick
(``agents.expert.geometry.project_onto``), a points x segments scan. This kernel does the scan
with numpy's arithmetic for everything but the distance itself: per segment ``t = clip(rel . d /
max(d . d, 1e-12), 0, 1)``, the offset ``rel - t d``, the arc length ``s_i + t (s_{i+1} - s_i)``
and the cross product ``d x rel``, each with the same operations in the same order (no fused
multiply-add: fastmath stays off). The distance numpy would compare is ``np.hypot`` of the
offset, which differs from C's ``hypot`` in the last bit now and then; so the kernel ranks by the
squared offset and returns every segment within a relative ``tie`` of the best one, and the
caller ranks those few with ``np.hypot`` (first index of the minimum, as ``np.argmin``). Squared
offsets more than ``tie`` apart cannot swap order under any last-bit error, so the caller's
choice is the one the full numpy scan makes.
"""

from __future__ import annotations

import numpy as np

from sim.kernels._jit import kernel

_TINY = 1e-300  # [m^2] absolute slack: offsets of exactly zero tie with denormal ones


@kernel
def nearest_segment_candidates(points, path_xy, path_s, tie, index, off_x, off_y, s_out, cross_out) -> int:
    """Fill ``(N, K)`` candidate rows per point; return how many points had more than ``K`` candidates.

    Args:
        points: ``(N, 2)`` query points [m].
        path_xy: ``(M, 2)`` polyline vertices [m], ``M >= 2``.
        path_s: ``(M,)`` arc length of each vertex [m].
        tie: relative slack on the squared offset within which segments count as tied.
        index, off_x, off_y, s_out, cross_out: ``(N, K)`` outputs: segment index (-1 = unused),
            offset x / y [m], arc length [m] and cross product ``d x rel`` [m^2] of each candidate,
            in increasing segment order. A point with more than ``K`` candidates has index ``-2``
            in its first column (the caller falls back to the full scan for it).
    """
    segments = path_xy.shape[0] - 1
    capacity = index.shape[1]
    d2 = np.empty(segments)
    ox = np.empty(segments)
    oy = np.empty(segments)
    tt = np.empty(segments)
    overflow = 0
    for p in range(points.shape[0]):
        px, py = points[p, 0], points[p, 1]
        best = np.inf
        for i in range(segments):
            ax, ay = path_xy[i, 0], path_xy[i, 1]
            dx, dy = path_xy[i + 1, 0] - ax, path_xy[i + 1, 1] - ay
            rx, ry = px - ax, py - ay
            num = (0.0 + rx * dx) + ry * dy  # numpy's sum over the last axis starts from its identity
            den = (0.0 + dx * dx) + dy * dy
            if not den >= 1e-12:
                den = 1e-12
            t = num / den
            if t < 0.0:
                t = 0.0
            if t > 1.0:
                t = 1.0
            ox[i] = rx - t * dx
            oy[i] = ry - t * dy
            tt[i] = t
            d2[i] = ox[i] * ox[i] + oy[i] * oy[i]
            if d2[i] < best:
                best = d2[i]
        limit = best * (1.0 + tie) + _TINY
        count = 0
        for i in range(segments):
            if d2[i] > limit:
                continue
            if count == capacity:
                index[p, 0] = -2
                overflow += 1
                break
            dx, dy = path_xy[i + 1, 0] - path_xy[i, 0], path_xy[i + 1, 1] - path_xy[i, 1]
            rx, ry = px - path_xy[i, 0], py - path_xy[i, 1]
            index[p, count] = i
            off_x[p, count] = ox[i]
            off_y[p, count] = oy[i]
            s_out[p, count] = path_s[i] + tt[i] * (path_s[i + 1] - path_s[i])
            cross_out[p, count] = dx * ry - dy * rx
            count += 1
        for k in range(count, capacity):
            if index[p, 0] == -2:
                break
            index[p, k] = -1
    return overflow
