"""Lane, roadblock and intersection polygons of a town, packed as :class:`sim.types.MapPolygons`.

Boundaries are the centreline shifted by +-width/2 along its left normal. Polygon ``i`` is lane
``i`` for ``i < L`` (LANE outside junctions, LANE_CONNECTOR inside), then one ROADBLOCK per road
section and driving direction (outside junctions), then the INTERSECTION areas (the closed union
of each junction's lanes). Rings are open, in the internal frame, as the drivable-area index reads
them.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import shapely

from sim.maps.opendrive_reader import LaneArrays
from sim.types import MapLayer, MapPolygons

_SEAM_MARGIN = 0.05  # [m] roadblocks and intersections overlap by this, so no seam of float noise opens


def lane_boundaries(points: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Left and right boundaries ``(n, 2)`` of a centreline ``(n, 3)`` x, y, heading with widths ``(n,)``."""
    normal = np.column_stack([-np.sin(points[:, 2]), np.cos(points[:, 2])])
    half = 0.5 * widths[:, None]
    return points[:, :2] + half * normal, points[:, :2] - half * normal


def lane_tokens(keys: np.ndarray) -> np.ndarray:
    """``(L,)`` str polygon tokens ``lane_<road>_<section>_<lane>`` of lanes with keys ``(L, 3)``."""
    return np.array([f"lane_{r}_{s}_{ln}" for r, s, ln in keys.tolist()], dtype=str)


def _lane_rings(lanes: LaneArrays) -> list[np.ndarray]:
    rings = []
    for i in range(lanes.keys.shape[0]):
        lo, hi = lanes.offsets[i], lanes.offsets[i + 1]
        left, right = lane_boundaries(lanes.points[lo:hi], lanes.widths[lo:hi])
        rings.append(np.concatenate([left, right[::-1]]))
    return rings


def _roadblock_rings(lanes: LaneArrays) -> tuple[list[str], list[np.ndarray]]:
    """One ring per (road, section, direction): outer boundaries of the outermost driving lanes."""
    groups: dict[tuple[int, int, bool], list[int]] = defaultdict(list)
    for i, (road, section, lane) in enumerate(lanes.keys.tolist()):
        if lanes.junction_ids[i] < 0:
            groups[(road, section, lane > 0)].append(i)
    tokens, rings = [], []
    for (road, section, positive), members in sorted(groups.items()):
        # The driver's left is towards the reference line for both directions: smallest |lane_id|.
        members.sort(key=lambda i: abs(int(lanes.keys[i, 2])))
        inner, outer = members[0], members[-1]
        left, _ = lane_boundaries(*_lane_slice(lanes, inner))
        _, right = lane_boundaries(*_lane_slice(lanes, outer))
        tokens.append(f"roadblock_{road}_{section}_{'pos' if positive else 'neg'}")
        rings.append(np.concatenate([left, right[::-1]]))
    return tokens, rings


def _lane_slice(lanes: LaneArrays, i: int) -> tuple[np.ndarray, np.ndarray]:
    """Centreline and widths of lane ``i``, its ends pushed out by ``_SEAM_MARGIN`` along the heading."""
    lo, hi = lanes.offsets[i], lanes.offsets[i + 1]
    points = lanes.points[lo:hi].copy()
    for end, sign in ((0, -1.0), (-1, 1.0)):
        heading = points[end, 2]
        points[end, :2] += sign * _SEAM_MARGIN * np.array([np.cos(heading), np.sin(heading)])
    return points, lanes.widths[lo:hi]


def _intersection_rings(lanes: LaneArrays, lane_rings: list[np.ndarray], closing: float):
    """Per junction, the exteriors of the (closed) union of its lane polygons."""
    tokens, rings = [], []
    for junction in np.unique(lanes.junction_ids[lanes.junction_ids >= 0]).tolist():
        members = np.flatnonzero(lanes.junction_ids == junction)
        shapes = shapely.make_valid([shapely.Polygon(lane_rings[i]) for i in members])
        area = shapely.union_all(shapes).buffer(closing).buffer(_SEAM_MARGIN - closing)
        parts = [g for g in getattr(area, "geoms", [area]) if g.geom_type == "Polygon" and not g.is_empty]
        for k, part in enumerate(sorted(parts, key=lambda g: -g.area)):
            tokens.append(f"intersection_{junction}" + (f"_{k}" if k else ""))
            rings.append(np.asarray(part.exterior.coords, dtype=np.float64)[:-1])
    return tokens, rings


def build_map_polygons(lanes: LaneArrays, closing: float) -> MapPolygons:
    """All polygons of a town (lanes first, so polygon ``i`` is lane ``i``)."""
    lane_rings = _lane_rings(lanes)
    lane_layers = np.where(lanes.junction_ids >= 0, MapLayer.LANE_CONNECTOR, MapLayer.LANE)
    block_tokens, block_rings = _roadblock_rings(lanes)
    junction_tokens, junction_rings = _intersection_rings(lanes, lane_rings, closing)
    rings = lane_rings + block_rings + junction_rings
    layers = np.concatenate(
        [
            lane_layers,
            np.full(len(block_rings), MapLayer.ROADBLOCK),
            np.full(len(junction_rings), MapLayer.INTERSECTION),
        ]
    )
    tokens = np.concatenate([lane_tokens(lanes.keys), np.array(block_tokens + junction_tokens, dtype=str)])
    return MapPolygons.from_rings(tokens, layers, rings)
