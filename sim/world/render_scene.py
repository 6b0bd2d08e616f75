"""The static 3-D scene of a town for the camera renderer: ground polygons and traffic-light poles.

Built once per town (and render config) from the :class:`RoadNetwork`: lanes become road strips of a
few metres (with the lane's height), lane boundaries become marking ribbons (dashed between
same-direction lanes, solid white at road edges, double yellow between directions), plus sidewalk
bands, crosswalk zebra stripes and stop lines. Polygons are stored in drawing order (layer by
layer), so sorting a selection of ids gives the painter's order. Internal frame, metres.
"""

from __future__ import annotations

import enum
import logging
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from sim.maps.road_network import RoadNetwork, ground_heights
from sim.world.render_config import RenderConfig

logger = logging.getLogger(__name__)

_DEDUPE_STOP = 0.5  # [m] stop lines closer than this are one line


class GroundLayer(enum.IntEnum):
    """Ground polygon classes, in drawing order."""

    SIDEWALK = 0
    ROAD = 1
    JUNCTION = 2
    CROSSWALK = 3
    STOP_LINE = 4
    MARKING_WHITE = 5
    MARKING_YELLOW = 6


def _layer_colors(config: RenderConfig) -> np.ndarray:
    return np.array(
        [
            config.sidewalk,
            config.road,
            config.junction,
            config.crosswalk,
            config.marking_white,
            config.marking_white,
            config.marking_yellow,
        ],
        dtype=np.float64,
    )


@dataclass(frozen=True)
class TownScene:
    """Ground polygons (``P``) and traffic-light poles (``S``) of one town.

    Attributes:
        vertices: ``(V, 3)`` float64 x, y, z [m], CSR with ``offsets`` ``(P + 1,)`` int64.
        layers: ``(P,)`` int64 :class:`GroundLayer`, non-decreasing.
        colors: ``(P, 3)`` float64 RGB.
        centers: ``(P, 2)`` float64 [m] centre of each polygon's bounding circle.
        radii: ``(P,)`` float64 [m] bounding-circle radius.
        light_positions: ``(S, 3)`` float64 [m] pole base of each traffic light.
        light_facing: ``(S,)`` float64 [rad] heading the lamps face (towards approaching traffic).
        lane_points: ``(N, 3)`` float64 centreline x, y, z [m] (ground heights for actors).
    """

    vertices: np.ndarray
    offsets: np.ndarray
    layers: np.ndarray
    colors: np.ndarray
    centers: np.ndarray
    radii: np.ndarray
    light_positions: np.ndarray
    light_facing: np.ndarray
    lane_points: np.ndarray

    @property
    def num_polygons(self) -> int:
        return int(self.layers.shape[0])

    @cached_property
    def _tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.centers)

    @cached_property
    def _ground_tree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.lane_points[:, :2])

    def select(self, xy: np.ndarray, radius: float) -> np.ndarray:
        """``(K,)`` int64 polygons whose bounding circle comes within ``radius`` [m] of ``xy``, drawing order."""
        reach = radius + float(self.radii.max(initial=0.0))
        ids = np.asarray(self._tree.query_ball_point(np.asarray(xy, dtype=np.float64), reach), dtype=np.int64)
        ids = ids[np.hypot(*(self.centers[ids] - xy).T) - self.radii[ids] <= radius]
        return np.sort(ids)

    def ground_z(self, xy: np.ndarray, reference_z: float) -> np.ndarray:
        """``(A,)`` [m] road height under points ``(A, 2)`` (see :func:`sim.maps.road_network.ground_heights`)."""
        return ground_heights(self._ground_tree, self.lane_points[:, 2], xy, reference_z)


def _band(points: np.ndarray, z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Ring ``(2n, 3)`` between lateral offsets ``lo`` and ``hi`` [m] (left positive) of a centreline ``(n, 3)``."""
    normal = np.column_stack([-np.sin(points[:, 2]), np.cos(points[:, 2])])
    left = points[:, :2] + hi[:, None] * normal
    right = points[:, :2] + lo[:, None] * normal
    ring = np.concatenate([left, right[::-1]])
    return np.column_stack([ring, np.concatenate([z, z[::-1]])])


def _chunks(start: int, stop: int, size: int):
    """Sample ranges ``[a, b]`` (inclusive, overlapping by one) covering ``start..stop - 1``."""
    a = start
    while a < stop - 1:
        b = min(a + size, stop - 1)
        yield a, b
        a = b


class _Builder:
    """Collects rings per layer."""

    def __init__(self) -> None:
        self.rings: dict[int, list[np.ndarray]] = {layer: [] for layer in GroundLayer}

    def add_band(self, layer: GroundLayer, pts, z, lo, hi, size: int) -> None:
        for a, b in _chunks(0, pts.shape[0], size):
            self.rings[layer].append(_band(pts[a : b + 1], z[a : b + 1], lo[a : b + 1], hi[a : b + 1]))

    def add_runs(self, layer: GroundLayer, pts, z, lo, hi, on: np.ndarray, size: int) -> None:
        """Bands over the runs of consecutive segments where ``on`` ``(n - 1,)`` is True."""
        edges = np.flatnonzero(np.diff(np.concatenate([[0], on.astype(np.int8), [0]])))
        for a, b in zip(edges[::2], edges[1::2], strict=True):
            self.add_band(layer, pts[a : b + 1], z[a : b + 1], lo[a : b + 1], hi[a : b + 1], size)


def _lane_geometry(builder: _Builder, network: RoadNetwork, lane: int, config: RenderConfig) -> None:
    lo_i, hi_i = network.lane_offsets[lane], network.lane_offsets[lane + 1]
    if hi_i - lo_i < 2:
        return
    pts, z, half = network.points[lo_i:hi_i], network.z[lo_i:hi_i], 0.5 * network.widths[lo_i:hi_i]
    size = config.chunk_segments
    margin = config.road_margin
    junction = network.lane_junction_ids[lane] >= 0
    builder.add_band(
        GroundLayer.JUNCTION if junction else GroundLayer.ROAD, pts, z, -half - margin, half + margin, size
    )
    if junction:
        return
    mw = 0.5 * config.marking_width
    left_edge = network.lane_left[lane] < 0 and network.lane_oncoming[lane] < 0
    if network.lane_right[lane] < 0:
        builder.add_band(GroundLayer.SIDEWALK, pts, z, -half - config.sidewalk_width, -half, size)
        builder.add_band(GroundLayer.MARKING_WHITE, pts, z, -half + 2 * mw, -half + 4 * mw, size)
    else:
        s = network.s[lo_i:hi_i]
        on = (0.5 * (s[:-1] + s[1:])) % config.dash_period < config.dash_length
        builder.add_runs(GroundLayer.MARKING_WHITE, pts, z, -half - mw, -half + mw, on, size)
    if left_edge:
        builder.add_band(GroundLayer.SIDEWALK, pts, z, half, half + config.sidewalk_width, size)
        builder.add_band(GroundLayer.MARKING_WHITE, pts, z, half - 4 * mw, half - 2 * mw, size)
    elif network.lane_left[lane] < 0:  # a centre line: each direction paints its own yellow line
        inner = half - config.centre_gap
        builder.add_band(GroundLayer.MARKING_YELLOW, pts, z, inner - 2 * mw, inner, size)


def _crosswalk_stripes(builder: _Builder, ring: np.ndarray, z: float, config: RenderConfig) -> None:
    polygon = shapely.make_valid(shapely.Polygon(ring))
    if polygon.is_empty or polygon.area < 0.5:
        return
    box = np.asarray(shapely.minimum_rotated_rectangle(polygon).exterior.coords)[:4]
    sides = np.diff(np.concatenate([box, box[:1]]), axis=0)[:2]
    long_side = sides[int(np.argmax(np.hypot(*sides.T)))]
    length = float(np.hypot(*long_side))
    axis = long_side / length
    across = np.array([-axis[1], axis[0]])
    centre = np.asarray(polygon.centroid.coords[0])
    reach = float(np.hypot(*sides.T).max()) * 2.0
    for t in np.arange(-0.5 * length + 0.25, 0.5 * length, config.crosswalk_period):
        a, b = centre + axis * t, centre + axis * (t + config.crosswalk_stripe)
        bar = shapely.Polygon([a - across * reach, b - across * reach, b + across * reach, a + across * reach])
        piece = polygon.intersection(bar)
        for part in getattr(piece, "geoms", [piece]):
            if part.geom_type == "Polygon" and part.area > 0.01:
                xy = np.asarray(part.exterior.coords)[:-1]
                builder.rings[GroundLayer.CROSSWALK].append(np.column_stack([xy, np.full(len(xy), z)]))


def _stop_lines(builder: _Builder, network: RoadNetwork, config: RenderConfig) -> None:
    seen: list[np.ndarray] = []
    for groups in (network.traffic_lights, network.stop_signs):
        for lane, point in zip(groups.lanes, groups.stop_points, strict=True):
            if any(np.hypot(*(point - other)) < _DEDUPE_STOP for other in seen):
                continue
            seen.append(point)
            samples = network.lane_points(int(lane))
            k = int(np.argmin(np.hypot(*(samples[:, :2] - point).T)))
            row = network.lane_offsets[lane] + k
            heading, half = samples[k, 2], 0.5 * network.widths[row]
            fwd, left = np.array([np.cos(heading), np.sin(heading)]), np.array([-np.sin(heading), np.cos(heading)])
            back = point - fwd * config.stop_line_width
            ring = np.array([back - left * half, point - left * half, point + left * half, back + left * half])
            builder.rings[GroundLayer.STOP_LINE].append(np.column_stack([ring, np.full(4, network.z[row])]))


def _light_facing(network: RoadNetwork) -> np.ndarray:
    lights = network.traffic_lights
    facing = np.zeros(lights.count)
    for k in range(lights.count):
        lanes = lights.controlled_lanes(k)
        if lanes.size:
            headings = network.points[network.lane_offsets[lanes], 2]
            facing[k] = np.arctan2(np.sin(headings).mean(), np.cos(headings).mean()) + np.pi
    return facing


def build_town_scene(network: RoadNetwork, config: RenderConfig) -> TownScene:
    """The static render geometry of ``network`` (about a second for the largest towns)."""
    started = time.perf_counter()
    builder = _Builder()
    for lane in range(network.num_lanes):
        _lane_geometry(builder, network, lane, config)
    lane_xyz = np.column_stack([network.points[:, :2], network.z])
    scene_stub = TownScene(*([np.zeros((0, 3))] * 8), lane_points=lane_xyz)
    for c in range(network.crosswalk_offsets.shape[0] - 1):
        ring = network.crosswalk(c)
        _crosswalk_stripes(builder, ring, float(scene_stub.ground_z(ring.mean(axis=0), 0.0)[0]), config)
    _stop_lines(builder, network, config)
    rings, layers = [], []
    for layer in GroundLayer:
        rings += builder.rings[layer]
        layers += [layer] * len(builder.rings[layer])
    layers = np.asarray(layers, dtype=np.int64)
    lo = np.array([r[:, :2].min(axis=0) for r in rings]).reshape(-1, 2)
    hi = np.array([r[:, :2].max(axis=0) for r in rings]).reshape(-1, 2)
    light_xyz = np.array(network.traffic_lights.positions, dtype=np.float64).reshape(-1, 3).copy()
    light_xyz[:, 2] = np.maximum(light_xyz[:, 2], scene_stub.ground_z(light_xyz[:, :2], 0.0))
    scene = TownScene(
        vertices=np.ascontiguousarray(np.concatenate(rings) if rings else np.zeros((0, 3))),
        offsets=np.concatenate([[0], np.cumsum([len(r) for r in rings])]).astype(np.int64),
        layers=layers,
        colors=np.ascontiguousarray(_layer_colors(config)[layers]),
        centers=0.5 * (lo + hi),
        radii=0.5 * np.hypot(*(hi - lo).T),
        light_positions=light_xyz,
        light_facing=_light_facing(network),
        lane_points=lane_xyz,
    )
    logger.info(
        "render scene of %s: %d polygons in %.2f s", network.name, scene.num_polygons, time.perf_counter() - started
    )
    return scene


_SCENES: dict[tuple, TownScene] = {}
_MAX_SCENES = 4


def town_scene(network: RoadNetwork, config: RenderConfig) -> TownScene:
    """:func:`build_town_scene`, cached per (town, OpenDRIVE content, config)."""
    key = (network.name, network.source_sha256, config)
    if key not in _SCENES:
        if len(_SCENES) >= _MAX_SCENES:
            _SCENES.pop(next(iter(_SCENES)))
        _SCENES[key] = build_town_scene(network, config)
    return _SCENES[key]
