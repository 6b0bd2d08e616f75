"""Route-centerline sub-metrics of NAVSIM's PDM scorer: lane keeping (LK) and ego progress (EP).

Points are ego box corners from :func:`sim.scoring.ego_geometry.ego_corners`, ``(N, T, 5, 2)`` [m],
global frame; the centerline is the scene's ``(M, 2)`` route polyline. Distances and arc lengths
follow GEOS (shapely ``distance`` / ``line_locate_point``) bit for bit.
"""

from __future__ import annotations

import functools

import numpy as np

from sim.kernels.area_metrics import lane_keeping_kernel, lane_keeping_parallel_kernel
from sim.kernels.ego_box import CornerIndex
from sim.kernels.polyline import (
    build_segment_grid,
    cumulative_lengths,
    line_distances_kernel,
    locate_points_indexed_kernel,
    locate_points_kernel,
)
from sim.scoring.area import AreaMetricConfig
from sim.scoring.array_checks import checked_corners, checked_line, checked_mask, checked_points, checked_vector

DEFAULT_AREA_CONFIG = AreaMetricConfig()

__all__ = [
    "centerline_index",
    "distance_to_polyline",
    "ego_progress",
    "ego_progress_sets",
    "lane_keeping",
    "lane_keeping_unchecked",
    "locate_on_polyline",
    "progress_raw",
    "progress_raw_unchecked",
]

_SEGMENT_CELL_SIZE = 2.0  # [m] centerline grid cell; about two 1 m centerline segments per cell
_PROGRESS_GRID_REACH = 8.0  # [m] box centres this close to the centerline are located through the grid
_PROGRESS_CELL_SIZE = 4.0  # [m]


def lane_keeping(
    corners: np.ndarray,
    center_in_intersection: np.ndarray,
    centerline: np.ndarray,
    config: AreaMetricConfig = DEFAULT_AREA_CONFIG,
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
    corners = checked_corners(corners)
    skip = checked_mask(center_in_intersection, corners.shape[:2], "center_in_intersection")
    centers = np.ascontiguousarray(corners[:, :, CornerIndex.CENTER])
    return lane_keeping_unchecked(centers, skip, checked_line(centerline), config, parallel=parallel)


def lane_keeping_unchecked(
    centers: np.ndarray,
    center_in_intersection: np.ndarray,
    centerline: np.ndarray,
    config: AreaMetricConfig = DEFAULT_AREA_CONFIG,
    *,
    parallel: bool = False,
) -> np.ndarray:
    """:func:`lane_keeping` of validated box centres ``(N, T, 2)``, mask ``(N, T)`` and centerline."""
    limit = float(config.lane_keeping_deviation_limit)
    grid, _ = centerline_index(centerline, limit, _SEGMENT_CELL_SIZE)
    run = lane_keeping_parallel_kernel if parallel else lane_keeping_kernel
    skip = np.ascontiguousarray(center_in_intersection)
    return run(centers, skip, limit, config.lane_keeping_steps, centerline, *grid)


def progress_raw(corners: np.ndarray, centerline: np.ndarray) -> np.ndarray:
    """Raw progress ``(N,)`` [m]: max(0, s(centre at the last step) - s(centre at the first step)).

    ``s`` is the arc length of the nearest centerline point (shapely ``line_locate_point``).
    """
    corners = checked_corners(corners)
    return progress_raw_unchecked(corners[:, :, CornerIndex.CENTER], checked_line(centerline))


def progress_raw_unchecked(centers: np.ndarray, centerline: np.ndarray) -> np.ndarray:
    """:func:`progress_raw` of validated box centres ``(N, T, 2)`` (a view will do) and centerline."""
    line = centerline
    starts = np.ascontiguousarray(centers[:, 0])
    if starts.shape[0] and np.all(starts == starts[0]):
        starts = starts[:1]  # proposals of one batch share their initial state: locate it once
    grid, cumulative = centerline_index(line, _PROGRESS_GRID_REACH, _PROGRESS_CELL_SIZE)
    start_stations, end_stations = (
        locate_points_indexed_kernel(points, line, cumulative, _PROGRESS_GRID_REACH, *grid)
        for points in (starts, np.ascontiguousarray(centers[:, -1]))
    )
    return np.clip(end_stations - start_stations, 0.0, None)


def ego_progress(
    raw: np.ndarray, multiplier: np.ndarray, *, version: str, config: AreaMetricConfig = DEFAULT_AREA_CONFIG
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
    raw = checked_vector(raw, "raw")
    multiplier = checked_vector(multiplier, "multiplier", raw.shape)
    if raw.shape[0] == 0:
        raise ValueError("ego_progress needs at least one proposal")
    return ego_progress_sets(raw[None], multiplier[None], version=version, config=config)[0]


def ego_progress_sets(
    raw: np.ndarray, multiplier: np.ndarray, *, version: str, config: AreaMetricConfig = DEFAULT_AREA_CONFIG
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
    points = checked_points(points)
    return locate_points_kernel(np.ascontiguousarray(points.reshape(-1, 2)), checked_line(line)).reshape(
        points.shape[:-1]
    )


def distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(...)`` distance [m] from each point ``(..., 2)`` to the polyline ``(M, 2)``."""
    points = checked_points(points)
    return line_distances_kernel(np.ascontiguousarray(points.reshape(-1, 2)), checked_line(line)).reshape(
        points.shape[:-1]
    )


def centerline_index(line: np.ndarray, reach: float, cell: float) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Segment grid of ``line`` for queries up to ``reach`` [m] and its cumulative lengths, built once
    per centerline: a scene is scored in many batches (vocabulary chunks, closed-loop steps)."""
    return _cachedcenterline_index(line.tobytes(), line.shape[0], float(reach), float(cell))


@functools.lru_cache(maxsize=16)
def _cachedcenterline_index(line_bytes: bytes, points: int, reach: float, cell: float):
    line = np.frombuffer(line_bytes, dtype=np.float64).reshape(points, 2)
    grid, cumulative = build_segment_grid(line, reach, cell), cumulative_lengths(line)
    for array in (*grid, cumulative):
        array.flags.writeable = False  # shared through the cache
    return grid, cumulative
