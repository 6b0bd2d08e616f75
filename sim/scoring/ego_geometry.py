"""Validated wrappers: ego box corners for simulated states, and a batch's ego geometry computed once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.kernels.collision import quad_reach
from sim.kernels.ego_box import CornerIndex, ego_corners_kernel
from sim.types import PACIFICA, STATE_SIZE, StateIndex, VehicleParameters

__all__ = ["CornerIndex", "EgoBatch", "ego_batch", "ego_corners"]

RADIUS_MARGIN = 1e-12  # [-] relative growth of the broad-phase radius, far above the rounding of its square root


def ego_corners(states: np.ndarray, vehicle: VehicleParameters = PACIFICA) -> np.ndarray:
    """Corners of the ego box for every state.

    Args:
        states: ``(..., 11)`` ego states (:class:`StateIndex` columns), rear axle, global frame.
        vehicle: box dimensions.

    Returns:
        ``(..., 5, 2)`` float64 [m]: FL, RL, RR, FR, CENTER (:class:`CornerIndex`).
    """
    states = np.asarray(states, dtype=np.float64)
    if states.shape[-1] < 3:
        raise ValueError(f"ego_corners needs states with x, y, heading columns, got shape {states.shape}")
    poses = np.ascontiguousarray(states[..., [StateIndex.X, StateIndex.Y, StateIndex.HEADING]].reshape(-1, 3))
    if not np.all(np.isfinite(poses)):
        raise ValueError("ego_corners: states contain NaN or inf in x, y or heading")
    corners = ego_corners_kernel(poses, vehicle.rear_axle_to_center, vehicle.length / 2.0, vehicle.width / 2.0)
    return corners.reshape(*states.shape[:-1], 5, 2)


@dataclass(frozen=True)
class EgoBatch:
    """Simulated states of N proposals, validated once, and the geometry every metric reads.

    Attributes:
        states: ``(N, T, 11)`` contiguous float64, finite, :class:`StateIndex` columns, rear axle, global.
        corners: ``(N, T, 5, 2)`` [m] box corners and centre (:class:`CornerIndex`), contiguous.
        rear_axle: ``(N, T, 2)`` [m] rear-axle positions, contiguous.
        centers: ``(N, T, 2)`` [m] box centres, contiguous.
        radius: [m] conservative bounding radius of every ego quad around its centre (broad phase).
    """

    states: np.ndarray
    corners: np.ndarray
    rear_axle: np.ndarray
    centers: np.ndarray
    radius: float


def ego_batch(states: np.ndarray, vehicle: VehicleParameters = PACIFICA) -> EgoBatch:
    """Validate ``states (N, T, 11)`` (T >= 1) once and derive the ego geometry of the batch.

    Raises:
        ValueError: wrong shape, or NaN / inf anywhere in the states.
    """
    states = np.ascontiguousarray(states, dtype=np.float64)
    if states.ndim != 3 or states.shape[2] != STATE_SIZE or states.shape[1] < 1:
        raise ValueError(f"states must have shape (N, T >= 1, {STATE_SIZE}), got {states.shape}")
    if not np.all(np.isfinite(states)):
        bad = np.argwhere(~np.isfinite(states))[0]
        raise ValueError(f"states contain NaN or inf (first at proposal {bad[0]}, step {bad[1]}, column {bad[2]})")
    # The kernel reads columns X, Y, HEADING (0, 1, 2) of each row, so the states need no copy.
    corners = ego_corners_kernel(
        states.reshape(-1, STATE_SIZE), vehicle.rear_axle_to_center, vehicle.length / 2.0, vehicle.width / 2.0
    ).reshape(*states.shape[:2], 5, 2)
    radius = quad_reach(corners) * (1.0 + RADIUS_MARGIN) if states.size else 0.0
    return EgoBatch(
        states=states,
        corners=corners,
        rear_axle=np.ascontiguousarray(states[:, :, StateIndex.X : StateIndex.Y + 1]),
        centers=np.ascontiguousarray(corners[:, :, CornerIndex.CENTER]),
        radius=radius,
    )
