"""A drivable map indexed for fast strict point-in-polygon queries (NAVSIM's ``PDMDrivableMap``).

The index is built once per scene: every polygon is listed in the uniform-grid cells it overlaps,
so a query point tests only the few polygons of its own cell instead of the whole map.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.kernels.area_metrics import POLYGON_DRIVABLE, POLYGON_INTERSECTION, POLYGON_LANE, POLYGON_ON_ROUTE
from sim.kernels.polygon_grid import build_polygon_grid
from sim.types import MapLayer, MapPolygons

__all__ = ["DEFAULT_CELL_SIZE", "DrivableMapIndex", "build_drivable_map_index"]

DEFAULT_CELL_SIZE = 1.0  # [m] most box corners then fall in cells wholly inside their polygons (no test)
_GRID_MARGIN = 1e-6  # [m] cells grow by this in the overlap test (cell index rounding slack)
_MAX_GRID_CELLS = 1 << 22  # cells; larger maps get coarser cells instead of more memory

_DRIVABLE_LAYERS = (MapLayer.ROADBLOCK, MapLayer.INTERSECTION, MapLayer.DRIVABLE_AREA, MapLayer.CARPARK_AREA)
_LANE_LAYERS = (MapLayer.LANE, MapLayer.LANE_CONNECTOR)


@dataclass(frozen=True)
class DrivableMapIndex:
    """Map polygons with their classes and a uniform grid over them; global frame, all [m].

    Attributes:
        tokens: ``(P,)`` str polygon ids (for messages only).
        layers: ``(P,)`` int64 :class:`MapLayer` values.
        flags: ``(P,)`` int64 bitmask of ``POLYGON_DRIVABLE`` / ``POLYGON_LANE`` / ``POLYGON_ON_ROUTE`` /
            ``POLYGON_INTERSECTION`` (:mod:`sim.kernels.area_metrics`).
        offsets: ``(P + 1,)`` int64 CSR offsets into ``vertices``.
        vertices: ``(V, 2)`` float64 open rings.
        bounds: ``(P, 4)`` float64 xmin, ymin, xmax, ymax per polygon.
        grid: ``(3,)`` float64 x0, y0 of the grid corner and the cell size.
        shape: ``(2,)`` int64 cells along x and y; cell ``(ix, iy)`` has id ``ix * ny + iy``.
        cell_offsets: ``(nx * ny + 1,)`` int64 CSR offsets into ``cell_polygons``.
        cell_polygons: ``(K,)`` int64 polygons that may hold a point of the cell (a superset).
        cell_tests: ``(K,)`` int64 how a point of the cell is tested against that polygon
            (:func:`sim.kernels.polygons.entry_holds`): not at all, against one edge, or the whole ring.
    """

    tokens: np.ndarray
    layers: np.ndarray
    flags: np.ndarray
    offsets: np.ndarray
    vertices: np.ndarray
    bounds: np.ndarray
    grid: np.ndarray
    shape: np.ndarray
    cell_offsets: np.ndarray
    cell_polygons: np.ndarray
    cell_tests: np.ndarray

    @property
    def num_polygons(self) -> int:
        return int(self.layers.shape[0])

    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """``offsets, vertices, bounds, grid, shape, cell_offsets, cell_polygons, cell_tests`` in kernel order."""
        return (
            self.offsets,
            self.vertices,
            self.bounds,
            self.grid,
            self.shape,
            self.cell_offsets,
            self.cell_polygons,
            self.cell_tests,
        )


def build_drivable_map_index(
    map_polygons: MapPolygons, on_route: np.ndarray, cell_size: float = DEFAULT_CELL_SIZE
) -> DrivableMapIndex:
    """Index ``map_polygons`` for strict point-in-polygon queries.

    Args:
        map_polygons: the scene's drivable map (``ScoringScene.map_polygons``).
        on_route: ``(P,)`` bool, polygon token is in the route (``ScoringScene.on_route_mask()``);
            only LANE / LANE_CONNECTOR polygons use it, as in NAVSIM.
        cell_size: [m] grid cell edge; grown automatically for very large maps.

    Raises:
        ValueError: malformed polygons or arguments; the message names the field.
    """
    offsets, vertices, layers = _validated_polygons(map_polygons)
    on_route = np.asarray(on_route)
    if on_route.shape != layers.shape or on_route.dtype != np.bool_:
        raise ValueError(
            f"on_route must be a bool array of shape {layers.shape}, got {on_route.dtype} {on_route.shape}"
        )
    if not (math.isfinite(cell_size) and cell_size > 0.0):
        raise ValueError(f"cell_size must be a positive number of metres, got {cell_size}")
    flags = np.zeros(layers.shape, dtype=np.int64)
    flags[np.isin(layers, _DRIVABLE_LAYERS)] = POLYGON_DRIVABLE
    lanes = np.isin(layers, _LANE_LAYERS)
    flags[lanes] = POLYGON_LANE
    flags[lanes & on_route] |= POLYGON_ON_ROUTE
    flags[layers == MapLayer.INTERSECTION] |= POLYGON_INTERSECTION
    bounds = _polygon_bounds(offsets, vertices)
    grid, shape = _grid_geometry(bounds, cell_size)
    cell_offsets, cell_polygons, cell_tests = build_polygon_grid(offsets, vertices, bounds, grid, shape, _GRID_MARGIN)
    return DrivableMapIndex(
        tokens=np.asarray(map_polygons.tokens),
        layers=layers,
        flags=flags,
        offsets=offsets,
        vertices=vertices,
        bounds=bounds,
        grid=grid,
        shape=shape,
        cell_offsets=cell_offsets,
        cell_polygons=cell_polygons,
        cell_tests=cell_tests,
    )


def _validated_polygons(map_polygons: MapPolygons) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    offsets = np.ascontiguousarray(map_polygons.offsets, dtype=np.int64)
    vertices = np.ascontiguousarray(map_polygons.vertices, dtype=np.float64)
    layers = np.ascontiguousarray(map_polygons.layers, dtype=np.int64)
    count = layers.shape[0]
    if offsets.shape != (count + 1,) or (count and offsets[0] != 0):
        raise ValueError(f"map_polygons.offsets must have shape ({count + 1},) and start at 0, got {offsets[:3]}...")
    if vertices.ndim != 2 or vertices.shape[1] != 2 or offsets[-1] != vertices.shape[0]:
        raise ValueError(f"map_polygons.vertices must have shape ({offsets[-1]}, 2), got {vertices.shape}")
    sizes = np.diff(offsets)
    if np.any(sizes < 3):
        bad = int(np.argmax(sizes < 3))
        raise ValueError(f"map polygon '{map_polygons.tokens[bad]}' has {sizes[bad]} vertices; a ring needs 3")
    if not np.all(np.isfinite(vertices)):
        raise ValueError("map_polygons.vertices contain NaN or inf")
    known = np.isin(layers, [int(layer) for layer in MapLayer])
    if not np.all(known):
        raise ValueError(f"map_polygons.layers holds unknown layer values {np.unique(layers[~known])}")
    return offsets, vertices, layers


def _polygon_bounds(offsets: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    bounds = np.empty((offsets.shape[0] - 1, 4))
    if bounds.shape[0]:
        starts = offsets[:-1]
        bounds[:, :2] = np.minimum.reduceat(vertices, starts, axis=0)
        bounds[:, 2:] = np.maximum.reduceat(vertices, starts, axis=0)
    return bounds


def _grid_geometry(bounds: np.ndarray, cell_size: float) -> tuple[np.ndarray, np.ndarray]:
    if bounds.shape[0] == 0:
        return np.array([0.0, 0.0, cell_size]), np.array([1, 1], dtype=np.int64)
    low = bounds[:, :2].min(axis=0) - _GRID_MARGIN
    extent = bounds[:, 2:].max(axis=0) + _GRID_MARGIN - low
    cell = max(cell_size, math.sqrt(float(extent[0] * extent[1]) / _MAX_GRID_CELLS))
    shape = (extent // cell).astype(np.int64) + 1
    return np.array([low[0], low[1], cell]), shape
