"""Ego box corners from rear-axle states (NAVSIM's ``get_ego_corners`` layout)."""

from __future__ import annotations

import enum
import math

import numpy as np

from sim.kernels._jit import kernel


class CornerIndex(enum.IntEnum):
    """Rows of a corners array ``(..., 5, 2)``; the polygon is FL, RL, RR, FR (closed)."""

    FRONT_LEFT = 0
    REAR_LEFT = 1
    REAR_RIGHT = 2
    FRONT_RIGHT = 3
    CENTER = 4


@kernel
def ego_corners_kernel(
    poses: np.ndarray, rear_axle_to_center: float, half_length: float, half_width: float
) -> np.ndarray:
    """Corners and centre of the ego box.

    Args:
        poses: ``(K, C)`` rear-axle x [m], y [m], heading [rad] in columns 0-2 (C >= 3: full
            ``StateIndex`` rows are read in place), contiguous float64.
        rear_axle_to_center: [m] forward offset of the box centre from the rear axle.
        half_length: [m] half the box length.
        half_width: [m] half the box width.

    Returns:
        ``(K, 5, 2)`` float64, rows in :class:`CornerIndex` order.
    """
    out = np.empty((poses.shape[0], 5, 2))
    for k in range(poses.shape[0]):
        c, s = math.cos(poses[k, 2]), math.sin(poses[k, 2])
        cx = poses[k, 0] + rear_axle_to_center * c
        cy = poses[k, 1] + rear_axle_to_center * s
        for row, lon, lat in ((0, 1.0, 1.0), (1, -1.0, 1.0), (2, -1.0, -1.0), (3, 1.0, -1.0)):
            out[k, row, 0] = cx + lon * half_length * c - lat * half_width * s
            out[k, row, 1] = cy + lon * half_length * s + lat * half_width * c
        out[k, 4, 0] = cx
        out[k, 4, 1] = cy
    return out
