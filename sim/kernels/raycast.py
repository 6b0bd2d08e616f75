"""Ray casting against oriented boxes and a horizontal ground plane (LiDAR and radar of the embedded world).

World frame: right-handed, x east, y north, z up [m]. A box is a centre ``(3,)``, half sizes ``(3,)``
along its own axes and a yaw [rad] about z (boxes never pitch or roll). Each ray keeps the nearest hit
in ``(0, max_range]``: a box (slab test in the box's frame) or the ground plane ``z = ground_z``. A ray
whose origin lies inside a box does not hit that box.
"""

from __future__ import annotations

import math

import numpy as np

from sim.kernels._jit import kernel

NO_HIT = -2  # hit index of a ray that hits nothing within range
GROUND_HIT = -1  # hit index of a ray that hits the ground plane first


@kernel
def _slab(origin: np.ndarray, direction: np.ndarray, lo: float, hi: float, axis: int) -> tuple[float, float]:
    """Entry and exit ray parameters of one slab ``lo <= p[axis] <= hi`` (-inf/inf when parallel inside)."""
    d = direction[axis]
    o = origin[axis]
    if abs(d) < 1e-12:
        if o < lo or o > hi:
            return math.inf, -math.inf
        return -math.inf, math.inf
    t0 = (lo - o) / d
    t1 = (hi - o) / d
    if t0 > t1:
        return t1, t0
    return t0, t1


@kernel
def raycast_kernel(
    origin: np.ndarray,
    directions: np.ndarray,
    centers: np.ndarray,
    half_sizes: np.ndarray,
    yaws: np.ndarray,
    ground_z: float,
    max_range: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit of every ray.

    Args:
        origin: ``(3,)`` float64 ray origin [m].
        directions: ``(R, 3)`` float64 unit directions.
        centers, half_sizes: ``(B, 3)`` float64 box centres and half sizes [m]; ``yaws`` ``(B,)`` [rad].
        ground_z: [m] height of the ground plane.
        max_range: [m] hits farther than this are dropped.

    Returns:
        ``distances (R,)`` [m] (inf without a hit) and ``hits (R,)`` int64: the box index, :data:`GROUND_HIT`
        or :data:`NO_HIT`.
    """
    rays = directions.shape[0]
    distances = np.full(rays, np.inf)
    hits = np.full(rays, NO_HIT, dtype=np.int64)
    local_origin = np.empty(3)
    local_dir = np.empty(3)
    for r in range(rays):
        best = max_range
        hit = NO_HIT
        dz = directions[r, 2]
        if dz < 0.0:
            t = (ground_z - origin[2]) / dz
            if 0.0 < t <= best:
                best = t
                hit = GROUND_HIT
        for b in range(centers.shape[0]):
            c, s = math.cos(yaws[b]), math.sin(yaws[b])
            ox, oy = origin[0] - centers[b, 0], origin[1] - centers[b, 1]
            local_origin[0] = c * ox + s * oy
            local_origin[1] = -s * ox + c * oy
            local_origin[2] = origin[2] - centers[b, 2]
            local_dir[0] = c * directions[r, 0] + s * directions[r, 1]
            local_dir[1] = -s * directions[r, 0] + c * directions[r, 1]
            local_dir[2] = directions[r, 2]
            enter, leave = -math.inf, math.inf
            for axis in range(3):
                t0, t1 = _slab(local_origin, local_dir, -half_sizes[b, axis], half_sizes[b, axis], axis)
                enter = max(enter, t0)
                leave = min(leave, t1)
            if enter > leave or enter <= 0.0:
                continue  # missed, behind, or the origin is inside this box (a sensor sees out of its own shell)
            if enter <= best:
                best = enter
                hit = b
        if hit != NO_HIT:
            distances[r] = best
            hits[r] = hit
    return distances, hits
