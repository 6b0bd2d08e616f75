"""A small synthetic drivable map shared by the area tests (not a test module itself).

Local layout (before the optional rigid transform), all [m]:
- main road x 0..60: on-route lanes y 0..3.5 and 3.5..7 in roadblock y 0..7; an off-route
  oncoming lane y 7..10.5 in its own roadblock;
- an intersection x 60..80, y -10..20, with an on-route connector y 0..7 inside it;
- the road continues x 80..140 (on-route lanes y 0..3.5, 3.5..7, roadblock y 0..7);
- a concave (L-shaped) car park below the first roadblock, sharing its edge y = 0.
The centerline runs along y = 1.75 from x = 0 to 140 at 1 m spacing.
"""

from __future__ import annotations

import numpy as np

from sim.types import MapLayer, MapPolygons


def _box(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


POLYGONS: list[tuple[str, MapLayer, np.ndarray, bool]] = [
    ("rb_main_a", MapLayer.ROADBLOCK, _box(0, 0, 60, 7), False),
    ("lane_a_r", MapLayer.LANE, _box(0, 0, 60, 3.5), True),
    ("lane_a_l", MapLayer.LANE, _box(0, 3.5, 60, 7), True),
    ("rb_opp_a", MapLayer.ROADBLOCK, _box(0, 7, 60, 10.5), False),
    ("lane_opp_a", MapLayer.LANE, _box(0, 7, 60, 10.5), False),
    ("junction", MapLayer.INTERSECTION, _box(60, -10, 80, 20), False),
    ("connector", MapLayer.LANE_CONNECTOR, _box(60, 0, 80, 7), True),
    ("rb_main_b", MapLayer.ROADBLOCK, _box(80, 0, 140, 7), False),
    ("lane_b_r", MapLayer.LANE, _box(80, 0, 140, 3.5), True),
    ("lane_b_l", MapLayer.LANE, _box(80, 3.5, 140, 7), True),
    ("carpark", MapLayer.CARPARK_AREA, np.array([[0, -20], [30, -20], [30, -10], [10, -10], [10, 0], [0, 0]]), False),
]


def transform(points: np.ndarray, pose: tuple[float, float, float]) -> np.ndarray:
    """Rigid transform of ``(..., 2)`` local points to the global frame of ``pose`` (x, y, heading)."""
    c, s = np.cos(pose[2]), np.sin(pose[2])
    x, y = points[..., 0], points[..., 1]
    return np.stack([pose[0] + c * x - s * y, pose[1] + s * x + c * y], axis=-1)


def build_test_map(pose: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> tuple[MapPolygons, np.ndarray, np.ndarray]:
    """``(polygons, on_route (P,), centerline (M, 2))`` placed at ``pose``."""
    rings = [transform(np.asarray(ring, dtype=np.float64), pose) for _, _, ring, _ in POLYGONS]
    offsets = np.concatenate([[0], np.cumsum([len(ring) for ring in rings])]).astype(np.int64)
    polygons = MapPolygons(
        tokens=np.array([name for name, _, _, _ in POLYGONS]),
        layers=np.array([int(layer) for _, layer, _, _ in POLYGONS], dtype=np.int64),
        offsets=offsets,
        vertices=np.ascontiguousarray(np.concatenate(rings)),
    )
    on_route = np.array([route for _, _, _, route in POLYGONS])
    xs = np.arange(0.0, 141.0)
    centerline = transform(np.stack([xs, np.full_like(xs, 1.75)], axis=1), pose)
    return polygons, on_route, centerline
