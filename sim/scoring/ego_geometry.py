"""Validated wrapper: ego box corners for simulated states."""

from __future__ import annotations

import numpy as np

from sim.kernels.ego_box import CornerIndex, ego_corners_kernel
from sim.types import PACIFICA, StateIndex, VehicleParameters

__all__ = ["CornerIndex", "ego_corners"]


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
