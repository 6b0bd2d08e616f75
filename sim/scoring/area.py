"""Map-side PDMS / EPDMS sub-metrics: ego-area flags, DAC, DDC, LK and EP (NAVSIM's PDM scorer).

All wrappers validate shapes, dtypes and finiteness, then call the numba kernels. Points are ego box
corners from :func:`sim.scoring.ego_geometry.ego_corners`, ``(N, T, 5, 2)`` [m], global frame,
``T`` steps ``AreaMetricConfig.step_interval`` apart. Containment is strict everywhere: a point on
an edge or a vertex is outside.
"""

from __future__ import annotations

import enum
import functools
import math
from dataclasses import dataclass

import numpy as np

from sim.kernels.area_metrics import (
    driving_direction_kernel,
    ego_areas_kernel,
    ego_areas_parallel_kernel,
    lane_keeping_kernel,
    lane_keeping_parallel_kernel,
    map_flags_kernel,
    map_flags_parallel_kernel,
)
from sim.kernels.ego_box import CornerIndex
from sim.kernels.polygons import points_in_layer_kernel, points_in_layer_parallel_kernel
from sim.kernels.polyline import (
    build_segment_grid,
    cumulative_lengths,
    line_distances_kernel,
    locate_points_indexed_kernel,
    locate_points_kernel,
)
from sim.scoring.drivable_map import DrivableMapIndex
from sim.types import MapLayer

__all__ = [
    "AreaMetricConfig",
    "EgoAreaIndex",
    "distance_to_polyline",
    "drivable_area_compliance",
    "driving_direction_compliance",
    "ego_areas",
    "ego_progress",
    "ego_progress_sets",
    "lane_keeping",
    "locate_on_polyline",
    "map_flags",
    "points_in_layer",
    "progress_raw",
]

_SEGMENT_CELL_SIZE = 2.0  # [m] centerline grid cell; about two 1 m centerline segments per cell
_PROGRESS_GRID_REACH = 8.0  # [m] box centres this close to the centerline are located through the grid
_PROGRESS_CELL_SIZE = 4.0  # [m]


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
    corners = _checked_corners(corners)
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
    corners = _checked_corners(corners)
    rear = _checked_points(rear_axle)
    if rear.shape != corners.shape[:2] + (2,):
        raise ValueError(f"rear_axle must have shape {corners.shape[:2] + (2,)}, got {rear.shape}")
    run = map_flags_parallel_kernel if parallel else map_flags_kernel
    areas, inside = run(corners, np.ascontiguousarray(rear), index.flags, *index.kernel_arrays())
    return areas, inside[..., 0], inside[..., 1]


def points_in_layer(
    points: np.ndarray, index: DrivableMapIndex, layer: MapLayer, *, parallel: bool = False
) -> np.ndarray:
    """``(...)`` bool: the point ``(..., 2)`` [m] is strictly inside some polygon of ``layer``."""
    points = _checked_points(points)
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
    corners = _checked_corners(corners)
    ego_areas = _checked_areas(ego_areas, corners.shape[:2])
    if center_in_intersection is None:
        exempt = np.zeros(corners.shape[:2], dtype=np.bool_)
    else:
        exempt = _checked_mask(center_in_intersection, corners.shape[:2], "center_in_intersection")
    oncoming = np.ascontiguousarray(ego_areas[:, :, EgoAreaIndex.ONCOMING_TRAFFIC])
    centers = np.ascontiguousarray(corners[:, :, CornerIndex.CENTER])
    return driving_direction_kernel(
        centers,
        oncoming,
        exempt,
        config.driving_direction_steps,
        config.driving_direction_compliance_threshold,
        config.driving_direction_violation_threshold,
    )


def lane_keeping(
    corners: np.ndarray,
    center_in_intersection: np.ndarray,
    centerline: np.ndarray,
    config: AreaMetricConfig = AreaMetricConfig(),
    *,
    parallel: bool = False,
) -> np.ndarray:
    """LK ``(N,)`` float64 in {0, 1} (v2).

    0 once the box centre is farther than ``lane_keeping_deviation_limit`` from the centerline for
    ``lane_keeping_steps`` consecutive steps; steps with the centre in an INTERSECTION are skipped
    without resetting the count.

    Args:
        corners: ``(N, T, 5, 2)`` ego box corners and centre [m].
        center_in_intersection: ``(N, T)`` bool.
        centerline: ``(M, 2)`` route centerline [m], M >= 2.
        config: thresholds.
        parallel: run over proposals in parallel threads (same result).
    """
    corners = _checked_corners(corners)
    skip = _checked_mask(center_in_intersection, corners.shape[:2], "center_in_intersection")
    line = _checked_line(centerline)
    limit = float(config.lane_keeping_deviation_limit)
    grid, _ = _centerline_index(line, limit, _SEGMENT_CELL_SIZE)
    centers = np.ascontiguousarray(corners[:, :, CornerIndex.CENTER])
    run = lane_keeping_parallel_kernel if parallel else lane_keeping_kernel
    return run(centers, skip, limit, config.lane_keeping_steps, line, *grid)


def progress_raw(corners: np.ndarray, centerline: np.ndarray) -> np.ndarray:
    """Raw progress ``(N,)`` [m]: max(0, s(centre at the last step) - s(centre at the first step)).

    ``s`` is the arc length of the nearest centerline point (shapely ``line_locate_point``).
    """
    corners = _checked_corners(corners)
    line = _checked_line(centerline)
    starts = np.ascontiguousarray(corners[:, 0, CornerIndex.CENTER])
    if starts.shape[0] and np.all(starts == starts[0]):
        starts = starts[:1]  # proposals of one batch share their initial state: locate it once
    grid, cumulative = _centerline_index(line, _PROGRESS_GRID_REACH, _PROGRESS_CELL_SIZE)
    start_stations, end_stations = (
        locate_points_indexed_kernel(points, line, cumulative, _PROGRESS_GRID_REACH, *grid)
        for points in (starts, np.ascontiguousarray(corners[:, -1, CornerIndex.CENTER]))
    )
    return np.clip(end_stations - start_stations, 0.0, None)


def ego_progress(
    raw: np.ndarray, multiplier: np.ndarray, *, version: str, config: AreaMetricConfig = AreaMetricConfig()
) -> np.ndarray:
    """EP ``(N,)`` normalised over exactly the given set of proposals.

    Args:
        raw: ``(N,)`` raw progress [m] from :func:`progress_raw`.
        multiplier: ``(N,)`` product of the multiplicative metrics (v1: NC*DAC; v2: NC*DAC*DDC*TLC).
        version: ``"v1"`` (PDMS: EP masked by the multiplier) or ``"v2"`` (EPDMS: clip(raw / norm, 0, 1),
            not masked).
        config: ``progress_distance_threshold``; a normaliser at or below it gives EP 1 (v1: 0 where
            the multiplier is 0).
    """
    raw = _checked_vector(raw, "raw")
    multiplier = _checked_vector(multiplier, "multiplier", raw.shape)
    if raw.shape[0] == 0:
        raise ValueError("ego_progress needs at least one proposal")
    return ego_progress_sets(raw[None], multiplier[None], version=version, config=config)[0]


def ego_progress_sets(
    raw: np.ndarray, multiplier: np.ndarray, *, version: str, config: AreaMetricConfig = AreaMetricConfig()
) -> np.ndarray:
    """:func:`ego_progress` of ``S`` independent sets at once: row ``s`` is normalised over itself.

    Args:
        raw: ``(S, K)`` raw progress [m]; multiplier: ``(S, K)``; as in :func:`ego_progress`.

    Returns:
        ``(S, K)`` EP (the official path scores S pairs [PDM-Closed, proposal], K = 2).
    """
    raw = np.asarray(raw, dtype=np.float64)
    multiplier = np.asarray(multiplier, dtype=np.float64)
    if raw.ndim != 2 or raw.shape[1] == 0 or multiplier.shape != raw.shape:
        raise ValueError(
            f"raw and multiplier must have the same shape (S, K >= 1), got {raw.shape}, {multiplier.shape}"
        )
    if not (np.all(np.isfinite(raw)) and np.all(np.isfinite(multiplier))):
        raise ValueError("raw or multiplier contains NaN or inf")
    masked = raw * multiplier
    norm = masked.max(axis=1, keepdims=True)
    normalised = norm > config.progress_distance_threshold  # (S, 1): the other rows take the fallback
    safe_norm = np.where(normalised, norm, 1.0)
    if version == "v1":
        return np.where(normalised, masked / safe_norm, np.where(multiplier == 0.0, 0.0, 1.0))
    if version == "v2":
        return np.where(normalised, np.clip(raw / safe_norm, 0.0, 1.0), 1.0)
    raise ValueError(f"version must be 'v1' or 'v2', got {version!r}")


def locate_on_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(...)`` arc length [m] of the polyline point nearest to each point ``(..., 2)`` (in [0, length])."""
    points = _checked_points(points)
    return locate_points_kernel(np.ascontiguousarray(points.reshape(-1, 2)), _checked_line(line)).reshape(
        points.shape[:-1]
    )


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(...)`` distance [m] from each point ``(..., 2)`` to the polyline ``(M, 2)``."""
    points = _checked_points(points)
    return line_distances_kernel(np.ascontiguousarray(points.reshape(-1, 2)), _checked_line(line)).reshape(
        points.shape[:-1]
    )


def _centerline_index(line: np.ndarray, reach: float, cell: float) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Segment grid of ``line`` for queries up to ``reach`` [m] and its cumulative lengths, built once
    per centerline: a scene is scored in many batches (vocabulary chunks, closed-loop steps)."""
    return _cached_centerline_index(line.tobytes(), line.shape[0], float(reach), float(cell))


@functools.lru_cache(maxsize=16)
def _cached_centerline_index(line_bytes: bytes, points: int, reach: float, cell: float):
    line = np.frombuffer(line_bytes, dtype=np.float64).reshape(points, 2)
    grid, cumulative = build_segment_grid(line, reach, cell), cumulative_lengths(line)
    for array in (*grid, cumulative):
        array.flags.writeable = False  # shared through the cache
    return grid, cumulative


def _checked_points(points: np.ndarray) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim < 1 or points.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("points contain NaN or inf")
    return points


def _checked_corners(corners: np.ndarray) -> np.ndarray:
    corners = np.asarray(corners, dtype=np.float64)
    if corners.ndim != 4 or corners.shape[2:] != (5, 2) or corners.shape[1] < 1:
        raise ValueError(f"corners must have shape (N, T, 5, 2) with T >= 1, got {corners.shape}")
    if not np.all(np.isfinite(corners)):
        raise ValueError("corners contain NaN or inf")
    return np.ascontiguousarray(corners)


def _checked_areas(ego_areas: np.ndarray, shape: tuple[int, ...] | None = None) -> np.ndarray:
    ego_areas = np.asarray(ego_areas)
    if ego_areas.dtype != np.bool_ or ego_areas.ndim != 3 or ego_areas.shape[2] != len(EgoAreaIndex):
        raise ValueError(f"ego_areas must be a bool array (N, T, 3), got {ego_areas.dtype} {ego_areas.shape}")
    if shape is not None and ego_areas.shape[:2] != shape:
        raise ValueError(f"ego_areas has {ego_areas.shape[:2]} (N, T), corners have {shape}")
    return ego_areas


def _checked_mask(mask: np.ndarray, shape: tuple[int, ...], name: str) -> np.ndarray:
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != shape:
        raise ValueError(f"{name} must be a bool array of shape {shape}, got {mask.dtype} {mask.shape}")
    return np.ascontiguousarray(mask)


def _checked_line(line: np.ndarray) -> np.ndarray:
    line = np.asarray(line, dtype=np.float64)
    if line.ndim != 2 or line.shape[1] != 2 or line.shape[0] < 2:
        raise ValueError(f"centerline must have shape (M, 2) with M >= 2, got {line.shape}")
    if not np.all(np.isfinite(line)):
        raise ValueError("centerline contains NaN or inf")
    return np.ascontiguousarray(line)


def _checked_vector(values: np.ndarray, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or (shape is not None and values.shape != shape):
        raise ValueError(f"{name} must have shape {shape or '(N,)'}, got {values.shape}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name} contains NaN or inf")
    return values
