"""Map-side PDMS / EPDMS sub-metrics: ego-area flags, DAC and DDC (NAVSIM's PDM scorer; LK and EP: centerline).

All wrappers validate shapes, dtypes and finiteness, then call the numba kernels. Points are ego box
corners from :func:`sim.scoring.ego_geometry.ego_corners`, ``(N, T, 5, 2)`` [m], global frame,
``T`` steps ``AreaMetricConfig.step_interval`` apart. Containment is strict everywhere: a point on
an edge or a vertex is outside.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

import numpy as np

from sim.kernels.area_metrics import (
    driving_direction_kernel,
    ego_areas_kernel,
    ego_areas_parallel_kernel,
    map_flags_kernel,
    map_flags_parallel_kernel,
)
from sim.kernels.ego_box import CornerIndex
from sim.kernels.polygons import points_in_layer_kernel, points_in_layer_parallel_kernel
from sim.scoring.array_checks import checked_corners, checked_mask, checked_points
from sim.scoring.drivable_map import DrivableMapIndex
from sim.types import MapLayer

__all__ = [
    "AreaMetricConfig",
    "EgoAreaIndex",
    "drivable_area_compliance",
    "driving_direction_compliance",
    "driving_direction_compliance_unchecked",
    "ego_areas",
    "map_flags",
    "map_flags_unchecked",
    "points_in_layer",
]


class EgoAreaIndex(enum.IntEnum):
    """Columns of the per-step ego-area flags ``(N, T, 3)``."""

    MULTIPLE_LANES = 0
    NON_DRIVABLE_AREA = 1
    ONCOMING_TRAFFIC = 2


@dataclass(frozen=True)
class AreaMetricConfig:
    """Thresholds of the map-side metrics (NAVSIM ``PDMScorerConfig`` defaults)."""

    step_interval: float = 0.1  # [s] between simulated states
    driving_direction_horizon: float = 1.0  # [s] DDC window
    driving_direction_compliance_threshold: float = 2.0  # [m] worst window sum below this: DDC 1
    driving_direction_violation_threshold: float = 6.0  # [m] below this: DDC 0.5, else 0
    lane_keeping_deviation_limit: float = 0.5  # [m] centre-to-centerline distance that counts as a deviation
    lane_keeping_horizon_window: float = 2.0  # [s] consecutive deviation that fails LK
    progress_distance_threshold: float = 5.0  # [m] EP normaliser at or below this: the "no progress" branch

    @property
    def driving_direction_steps(self) -> int:
        """Window length in steps, ``int(horizon / interval)`` as NAVSIM rounds it."""
        return int(self.driving_direction_horizon / self.step_interval)

    @property
    def lane_keeping_steps(self) -> int:
        """Consecutive deviating steps that fail LK, ``ceil(window / interval)``."""
        return int(math.ceil(self.lane_keeping_horizon_window / self.step_interval))


def ego_areas(corners: np.ndarray, index: DrivableMapIndex, *, parallel: bool = False) -> np.ndarray:
    """Per-step flags MULTIPLE_LANES, NON_DRIVABLE_AREA, ONCOMING_TRAFFIC (:class:`EgoAreaIndex`).

    Args:
        corners: ``(N, T, 5, 2)`` ego box corners and centre [m].
        index: the scene's drivable map.
        parallel: run over proposals in parallel threads (same result).

    Returns:
        ``(N, T, 3)`` bool.
    """
    corners = checked_corners(corners)
    run = ego_areas_parallel_kernel if parallel else ego_areas_kernel
    return run(corners, index.flags, *index.kernel_arrays())


def map_flags(
    corners: np.ndarray, rear_axle: np.ndarray, index: DrivableMapIndex, *, parallel: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`ego_areas` and the INTERSECTION queries of the box centres and rear axles, in one pass.

    Args:
        corners: ``(N, T, 5, 2)`` ego box corners and centre [m].
        rear_axle: ``(N, T, 2)`` rear-axle positions [m].
        index: the scene's drivable map.
        parallel: run over proposals in parallel threads (same result).

    Returns:
        ``(N, T, 3)`` ego-area flags, then ``(N, T)`` bool centre and rear axle strictly inside an
        INTERSECTION (equal to :func:`points_in_layer` on those points).
    """
    corners = checked_corners(corners)
    rear = checked_points(rear_axle)
    if rear.shape != corners.shape[:2] + (2,):
        raise ValueError(f"rear_axle must have shape {corners.shape[:2] + (2,)}, got {rear.shape}")
    return map_flags_unchecked(corners, np.ascontiguousarray(rear), index, parallel=parallel)


def map_flags_unchecked(
    corners: np.ndarray, rear_axle: np.ndarray, index: DrivableMapIndex, *, parallel: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`map_flags` of arrays the caller validated (an :class:`~sim.scoring.ego_geometry.EgoBatch`'s)."""
    run = map_flags_parallel_kernel if parallel else map_flags_kernel
    areas, inside = run(corners, rear_axle, index.flags, *index.kernel_arrays())
    return areas, inside[..., 0], inside[..., 1]


def points_in_layer(
    points: np.ndarray, index: DrivableMapIndex, layer: MapLayer, *, parallel: bool = False
) -> np.ndarray:
    """``(...)`` bool: the point ``(..., 2)`` [m] is strictly inside some polygon of ``layer``."""
    points = checked_points(points)
    flat = np.ascontiguousarray(points.reshape(-1, 2))
    run = points_in_layer_parallel_kernel if parallel else points_in_layer_kernel
    return run(flat, int(MapLayer(layer)), index.layers, *index.kernel_arrays()).reshape(points.shape[:-1])


def drivable_area_compliance(ego_areas: np.ndarray) -> np.ndarray:
    """DAC ``(N,)`` float64 in {0, 1}: 0 if any step is NON_DRIVABLE_AREA. ``ego_areas (N, T, 3)`` bool."""
    ego_areas = _checked_areas(ego_areas)
    return np.where(ego_areas[:, :, EgoAreaIndex.NON_DRIVABLE_AREA].any(axis=-1), 0.0, 1.0)


def driving_direction_compliance(
    corners: np.ndarray,
    ego_areas: np.ndarray,
    center_in_intersection: np.ndarray | None,
    config: AreaMetricConfig = AreaMetricConfig(),
) -> np.ndarray:
    """DDC ``(N,)`` float64 in {0, 0.5, 1}: progress [m] made while ONCOMING_TRAFFIC over 1 s windows.

    Args:
        corners: ``(N, T, 5, 2)`` ego box corners and centre [m].
        ego_areas: ``(N, T, 3)`` flags from :func:`ego_areas`.
        center_in_intersection: ``(N, T)`` bool centre strictly inside an INTERSECTION, whose
            progress is exempt (v2); ``None`` for v1.1, which has no exemption.
        config: thresholds.
    """
    corners = checked_corners(corners)
    ego_areas = _checked_areas(ego_areas, corners.shape[:2])
    if center_in_intersection is None:
        exempt = np.zeros(corners.shape[:2], dtype=np.bool_)
    else:
        exempt = checked_mask(center_in_intersection, corners.shape[:2], "center_in_intersection")
    centers = np.ascontiguousarray(corners[:, :, CornerIndex.CENTER])
    return driving_direction_compliance_unchecked(centers, ego_areas, exempt, config)


def driving_direction_compliance_unchecked(
    centers: np.ndarray, ego_areas: np.ndarray, exempt: np.ndarray, config: AreaMetricConfig
) -> np.ndarray:
    """:func:`driving_direction_compliance` of validated box centres ``(N, T, 2)`` and an ``exempt`` mask."""
    oncoming = np.ascontiguousarray(ego_areas[:, :, EgoAreaIndex.ONCOMING_TRAFFIC])
    return driving_direction_kernel(
        centers,
        oncoming,
        np.ascontiguousarray(exempt),
        config.driving_direction_steps,
        config.driving_direction_compliance_threshold,
        config.driving_direction_violation_threshold,
    )


def _checked_areas(ego_areas: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    ego_areas = np.asarray(ego_areas)
    if ego_areas.dtype != np.bool_ or ego_areas.ndim != 3 or ego_areas.shape[2] != len(EgoAreaIndex):
        raise ValueError(f"ego_areas must be a bool array (N, T, 3), got {ego_areas.dtype} {ego_areas.shape}")
    if shape is not None and ego_areas.shape[:2] != shape:
        raise ValueError(f"ego_areas has {ego_areas.shape[:2]} (N, T), corners have {shape}")
    return ego_areas
