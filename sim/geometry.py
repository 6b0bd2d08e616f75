"""Frame changes, box corners and angle wrapping in the internal frame (pure numpy).

Internal frame (DESIGN.md): right-handed, x east/forward, y north/left, heading counter-clockwise
[rad], metres. A *pose* is ``(x, y, heading)``; the *frame of a pose* has its origin at ``(x, y)``
and its x axis along ``heading``. CARLA's left-handed frame is converted in :mod:`sim.frames` only.

Every function takes points ``(..., 2)`` or poses ``(..., 3)`` and origins ``(..., 3)``; leading
dimensions broadcast (one origin for many points, or one origin per point). Positions rotate then
translate, ``R @ p + o``, in that rounding order (nuPlan's ``relative_to_absolute_poses``); headings
add or subtract and are **not** wrapped: call :func:`wrap_angle` where a range matters.
"""

from __future__ import annotations

import numpy as np

_CORNER_SIGNS = np.array([[1.0, 1.0], [-1.0, 1.0], [-1.0, -1.0], [1.0, -1.0]])  # FL, RL, RR, FR


def wrap_angle(angle: np.ndarray | float) -> np.ndarray | float:
    """Angles [rad] wrapped to [-pi, pi) (nuPlan's ``principal_value``)."""
    return (np.asarray(angle) + np.pi) % (2.0 * np.pi) - np.pi


def _split(values: np.ndarray, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    values = np.asarray(values, dtype=np.float64)
    origin = np.asarray(origin, dtype=np.float64)
    if values.shape[-1:] not in ((2,), (3,)):
        raise ValueError(f"points must be (..., 2) or poses (..., 3), got shape {values.shape}")
    if origin.shape[-1:] != (3,):
        raise ValueError(f"origin must be a pose (..., 3) x, y, heading, got shape {origin.shape}")
    return values, origin


def to_global(local: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Points ``(..., 2)`` or poses ``(..., 3)`` given in the frame of ``origin`` ``(..., 3)`` -> global.

    A pose's heading becomes ``heading + origin heading`` (not wrapped).
    """
    local, origin = _split(local, origin)
    c, s = np.cos(origin[..., 2]), np.sin(origin[..., 2])
    x, y = local[..., 0], local[..., 1]
    columns = [c * x - s * y + origin[..., 0], s * x + c * y + origin[..., 1]]
    if local.shape[-1] == 3:
        columns.append(local[..., 2] + origin[..., 2])
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def to_local(points: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Global points ``(..., 2)`` or poses ``(..., 3)`` -> the frame of ``origin`` ``(..., 3)`` (x forward, y left).

    A pose's heading becomes ``heading - origin heading`` (not wrapped).
    """
    points, origin = _split(points, origin)
    c, s = np.cos(origin[..., 2]), np.sin(origin[..., 2])
    dx, dy = points[..., 0] - origin[..., 0], points[..., 1] - origin[..., 1]
    columns = [c * dx + s * dy, -s * dx + c * dy]
    if points.shape[-1] == 3:
        columns.append(points[..., 2] - origin[..., 2])
    return np.stack(np.broadcast_arrays(*columns), axis=-1)


def change_frame(values: np.ndarray, from_origin: np.ndarray, to_origin: np.ndarray) -> np.ndarray:
    """Points or poses given in the frame of global pose ``from_origin`` -> the frame of ``to_origin``."""
    return to_local(to_global(values, from_origin), to_origin)


def box_corners(poses: np.ndarray, length: np.ndarray | float, width: np.ndarray | float) -> np.ndarray:
    """``(..., 4, 2)`` corners FL, RL, RR, FR of boxes centred at ``poses`` ``(..., 3)``.

    ``length`` and ``width`` [m] are full sizes, broadcast to the poses' leading shape.
    :func:`sim.kernels.boxes.oriented_box_corners` is the same box with nuPlan's rounding, for the scorers.
    """
    poses = np.asarray(poses, dtype=np.float64)
    if poses.shape[-1:] != (3,):
        raise ValueError(f"box poses must be (..., 3) x, y, heading, got shape {poses.shape}")
    half = np.stack(np.broadcast_arrays(np.asarray(length, dtype=np.float64), np.asarray(width, dtype=np.float64)), -1)
    half = np.broadcast_to(half, (*poses.shape[:-1], 2)) / 2.0
    return to_global(half[..., None, :] * _CORNER_SIGNS, poses[..., None, :])
