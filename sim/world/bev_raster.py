"""Ego-centred bird's-eye-view semantic raster of a snapshot (debug views, privileged planners).

The image centre is the ego box centre, the ego's forward direction points up (row 0), its left
points to column 0. Each channel is a boolean mask (:class:`BevChannel`). Traffic lights are drawn
as a patch on every lane they control, at its stop line, in the channel of the light's state.
"""

from __future__ import annotations

import enum

import cv2
import numpy as np

from sim.geometry import box_corners, to_local
from sim.kernels.render_raster import fill_polygons_kernel
from sim.maps.road_network import RoadNetwork
from sim.types import ActorIndex, ActorKind, LightState
from sim.world.render_config import DEFAULT_RENDER_CONFIG, RenderConfig
from sim.world.render_scene import GroundLayer, town_scene
from sim.world.snapshot import WorldSnapshot

LIGHT_PATCH_LENGTH = 2.0  # [m] along the lane, upstream of the stop point
_SUBPIXEL_BITS = 4  # cv2 fixed-point fraction bits for outlines
_SUBPIXEL = float(1 << _SUBPIXEL_BITS)


class BevChannel(enum.IntEnum):
    """Channels of :func:`bev_raster`."""

    ROAD = 0
    LANE_MARKINGS = 1
    VEHICLES = 2  # vehicles, emergency vehicles, bicycles
    WALKERS = 3
    OBSTACLES = 4  # static props
    RED_LIGHTS = 5
    YELLOW_LIGHTS = 6
    GREEN_LIGHTS = 7
    EGO = 8


_ACTOR_CHANNEL = {
    ActorKind.VEHICLE: BevChannel.VEHICLES,
    ActorKind.EMERGENCY: BevChannel.VEHICLES,
    ActorKind.BICYCLE: BevChannel.VEHICLES,
    ActorKind.WALKER: BevChannel.WALKERS,
    ActorKind.STATIC: BevChannel.OBSTACLES,
}
_LIGHT_CHANNEL = {
    LightState.RED: BevChannel.RED_LIGHTS,
    LightState.YELLOW: BevChannel.YELLOW_LIGHTS,
    LightState.GREEN: BevChannel.GREEN_LIGHTS,
}


def _to_pixels(xy: np.ndarray, origin: np.ndarray, size_px: int, metres_per_px: float) -> np.ndarray:
    """``(M, 2)`` pixel column, row of global points ``xy`` in the view centred on ``origin`` (forward up)."""
    forward, left = to_local(xy, origin).T
    return np.column_stack([size_px / 2.0 - left / metres_per_px, size_px / 2.0 - forward / metres_per_px])


class _Canvas:
    """World polygons -> pixel masks of one raster."""

    def __init__(self, center: np.ndarray, heading: float, size_px: int, metres_per_px: float, channels: int):
        self.center, self.size, self.mpp = np.asarray(center, dtype=np.float64), size_px, metres_per_px
        self.origin = np.array([*self.center, heading])
        self.out = np.zeros((size_px, size_px, channels), dtype=bool)
        self._scratch = np.zeros((size_px, size_px, 3), dtype=np.uint8)
        self._zeros = np.zeros((size_px, size_px))

    def to_pixels(self, xy: np.ndarray) -> np.ndarray:
        return _to_pixels(xy, self.origin, self.size, self.mpp)

    def fill(self, channel: int, xy: np.ndarray, offsets: np.ndarray) -> None:
        """Fill world polygons ``xy (M, 2)`` (CSR ``offsets``) into ``channel``."""
        count = offsets.shape[0] - 1
        if count <= 0:
            return
        self._scratch[:] = 0
        pixels = np.ascontiguousarray(self.to_pixels(xy))
        colors = np.full((count, 3), 255.0)
        fill_polygons_kernel(
            self._scratch, pixels, offsets.astype(np.int64), colors, np.zeros(count), self._zeros, np.zeros(3)
        )
        self.out[..., channel] |= self._scratch[..., 0] > 0

    def outline(self, channel: int, xy: np.ndarray, offsets: np.ndarray) -> None:
        """Draw polygon outlines 1 px wide, so thin polygons (lane markings) never vanish."""
        if offsets.shape[0] < 2:
            return
        pixels = np.round(self.to_pixels(xy) * _SUBPIXEL).astype(np.int32)
        rings = np.split(pixels, offsets[1:-1])
        mask = np.zeros((self.size, self.size), dtype=np.uint8)
        cv2.polylines(mask, rings, isClosed=True, color=1, thickness=1, shift=_SUBPIXEL_BITS)
        self.out[..., channel] |= mask > 0

    def fill_boxes(self, channel: int, corners: np.ndarray) -> None:
        self.fill(channel, corners.reshape(-1, 2), np.arange(0, 4 * corners.shape[0] + 1, 4, dtype=np.int64))


def _scene_layers(
    canvas: _Canvas, scene, ids: np.ndarray, layers: tuple[GroundLayer, ...], channel: int, outline: bool = False
) -> None:
    ids = ids[np.isin(scene.layers[ids], layers)]
    starts, stops = scene.offsets[ids], scene.offsets[ids + 1]
    rows = (
        np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)]) if ids.size else np.zeros(0, int)
    )
    offsets = np.concatenate([[0], np.cumsum(stops - starts)]).astype(np.int64)
    canvas.fill(channel, scene.vertices[rows, :2], offsets)
    if outline:
        canvas.outline(channel, scene.vertices[rows, :2], offsets)


def _lights(canvas: _Canvas, network: RoadNetwork, snapshot: WorldSnapshot, radius: float) -> None:
    lights = network.traffic_lights
    states = np.asarray(snapshot.light_states, dtype=np.int64)
    owners = np.repeat(np.arange(lights.count), np.diff(lights.lane_offsets))
    near = np.hypot(*(lights.stop_points - canvas.center).T) <= radius
    for state, channel in _LIGHT_CHANNEL.items():
        rows = np.flatnonzero(near & (states[owners] == state)) if states.shape[0] == lights.count else []
        if len(rows) == 0:
            continue
        lanes = lights.lanes[rows]
        headings = network.points[network.lane_offsets[lanes], 2]
        widths = network.widths[network.lane_offsets[lanes]]
        back = np.column_stack([np.cos(headings), np.sin(headings)]) * (0.5 * LIGHT_PATCH_LENGTH)
        centers = lights.stop_points[rows] - back
        canvas.fill_boxes(channel, box_corners(np.column_stack([centers, headings]), LIGHT_PATCH_LENGTH, widths))


def bev_raster(
    snapshot: WorldSnapshot,
    network: RoadNetwork,
    size_px: int = 256,
    metres_per_px: float = 0.25,
    config: RenderConfig = DEFAULT_RENDER_CONFIG,
) -> np.ndarray:
    """``(size_px, size_px, len(BevChannel))`` bool semantic raster around the ego (forward up).

    Args:
        snapshot: the tick to draw.
        network: its town.
        size_px: raster side [px].
        metres_per_px: [m/px] resolution.
        config: render config whose town scene supplies road and marking polygons.
    """
    scene = town_scene(network, config)
    ego = snapshot.ego
    canvas = _Canvas(ego.center, float(ego.pose[2]), size_px, metres_per_px, len(BevChannel))
    radius = size_px * metres_per_px / np.sqrt(2.0)
    ids = scene.select(canvas.center, radius)
    _scene_layers(canvas, scene, ids, (GroundLayer.ROAD, GroundLayer.JUNCTION), BevChannel.ROAD)
    markings = (GroundLayer.MARKING_WHITE, GroundLayer.MARKING_YELLOW)
    _scene_layers(canvas, scene, ids, markings, BevChannel.LANE_MARKINGS, outline=True)
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    actors = actors[np.hypot(*(actors[:, :2] - canvas.center).T) <= radius + 10.0]
    for kind, channel in _ACTOR_CHANNEL.items():
        rows = actors[actors[:, ActorIndex.KIND] == kind]
        if rows.shape[0]:
            poses = rows[:, [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING]]
            canvas.fill_boxes(channel, box_corners(poses, rows[:, ActorIndex.LENGTH], rows[:, ActorIndex.WIDTH]))
    _lights(canvas, network, snapshot, radius)
    dims = np.asarray(ego.dimensions, dtype=np.float64)
    canvas.fill_boxes(BevChannel.EGO, box_corners(canvas.origin[None], dims[:1], dims[1:2]))
    return canvas.out


def bev_layer_mask(
    snapshot: WorldSnapshot,
    network: RoadNetwork,
    layers: tuple[GroundLayer, ...],
    size_px: int = 256,
    metres_per_px: float = 0.25,
    config: RenderConfig = DEFAULT_RENDER_CONFIG,
) -> np.ndarray:
    """``(size_px, size_px)`` bool mask of the town scene's ``layers`` in :func:`bev_raster`'s view.

    Thin layers (markings) are outlined as well as filled, as :func:`bev_raster` does, so the
    yellow centre lines of the camera's scene can be coloured apart from the white ones.
    """
    scene = town_scene(network, config)
    ego = snapshot.ego
    canvas = _Canvas(ego.center, float(ego.pose[2]), size_px, metres_per_px, 1)
    ids = scene.select(canvas.center, size_px * metres_per_px / np.sqrt(2.0))
    _scene_layers(canvas, scene, ids, layers, 0, outline=True)
    return canvas.out[..., 0]


def bev_pixels(xy: np.ndarray, snapshot: WorldSnapshot, size_px: int = 256, metres_per_px: float = 0.25) -> np.ndarray:
    """``(M, 2)`` float pixel column, row of global points ``(M, 2)`` [m] in :func:`bev_raster`'s view."""
    origin = np.array([*np.asarray(snapshot.ego.center, dtype=np.float64), float(snapshot.ego.pose[2])])
    return _to_pixels(np.asarray(xy, dtype=np.float64).reshape(-1, 2), origin, size_px, metres_per_px)
