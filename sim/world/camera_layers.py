"""Semantic-segmentation and depth images from the RGB camera's scene: CARLA's two other camera outputs.

The same ground polygons and box faces as :class:`sim.world.camera.CameraRenderer`, painted far to near,
without fog, shading or anti-aliasing. Off-road ground is a flat plane at the ego's road height (class
terrain), everything above the horizon is sky at CARLA's far plane (1000 m).

- ``sensor.camera.semantic_segmentation``: ``(H, W, 4)`` uint8 BGRA with CARLA's tag id in the red
  channel (:mod:`sim.world.semantic`: the tag set of the leaderboard's CARLA version).
- ``sensor.camera.depth``: ``(H, W, 4)`` uint8 BGRA encoding the planar depth ``d`` [m] as CARLA does:
  ``(R + 256 G + 65536 B) / (256^3 - 1) = d / 1000``. Where painter's order and a depth buffer would
  disagree (interpenetrating boxes), the nearest object's depth is not guaranteed.
"""

from __future__ import annotations

import numpy as np

from sim.kernels.render_depth import fill_depth_kernel, polygon_planes_kernel
from sim.kernels.render_raster import fill_polygons_kernel, frustum_planes_kernel, project_polygons_kernel
from sim.world.camera import CameraModel, ray_elevation
from sim.world.render_actors import FacePolygons
from sim.world.render_config import RenderConfig
from sim.world.render_scene import GroundLayer, TownScene
from sim.world.semantic import SemanticClass, TagSet, tag_lookup

FAR_PLANE = 1000.0  # [m] CARLA's depth camera range
DEPTH_SCALE = 256**3 - 1  # CARLA's 24-bit depth code
GROUND_CLASSES = {GroundLayer.SIDEWALK: SemanticClass.SIDEWALK, GroundLayer.ROAD: SemanticClass.ROAD,
                  GroundLayer.JUNCTION: SemanticClass.ROAD, GroundLayer.CROSSWALK: SemanticClass.ROAD_LINE,
                  GroundLayer.STOP_LINE: SemanticClass.ROAD_LINE, GroundLayer.MARKING_WHITE: SemanticClass.ROAD_LINE,
                  GroundLayer.MARKING_YELLOW: SemanticClass.ROAD_LINE}  # fmt: skip


def encode_depth(depth: np.ndarray) -> np.ndarray:
    """``(H, W)`` planar depth [m] -> ``(H, W, 4)`` uint8 BGRA in CARLA's depth code (clipped to the far plane)."""
    code = np.rint(np.clip(np.asarray(depth, dtype=np.float64) / FAR_PLANE, 0.0, 1.0) * DEPTH_SCALE).astype(np.int64)
    red, green, blue = code % 256, (code // 256) % 256, code // 65536
    return np.stack([blue, green, red, np.full_like(code, 255)], axis=-1).astype(np.uint8)


def decode_depth(bgra: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_depth` (CARLA's formula): ``(H, W)`` float64 [m]."""
    image = np.asarray(bgra, dtype=np.float64)
    return FAR_PLANE * (image[..., 2] + 256.0 * image[..., 1] + 65536.0 * image[..., 0]) / DEPTH_SCALE


class LayerRenderer:
    """Class and depth images of one camera (native resolution)."""

    def __init__(self, model: CameraModel, scene: TownScene, config: RenderConfig) -> None:
        self.model, self.scene, self.config = model, scene, config
        cx, cy = model.principal_point
        self._planes = frustum_planes_kernel(model.focal, cx, cy, model.width, model.height, config.near)
        dz = ray_elevation(model)  # sine of each pixel ray's elevation
        below = dz < 0.0
        self._background_classes = np.where(below, SemanticClass.TERRAIN, SemanticClass.SKY).astype(np.uint8)
        u = (np.arange(model.width) + 0.5 - cx) / model.focal
        v = (np.arange(model.height) + 0.5 - cy) / model.focal
        rays_up = model.rotation[2, 0] - model.rotation[2, 1] * u[None, :] - model.rotation[2, 2] * v[:, None]
        height = max(float(model.mount[2]), 0.05)
        with np.errstate(divide="ignore"):
            ground = np.where(rays_up < 0.0, height / np.maximum(-rays_up, 1e-12), FAR_PLANE)
        self._background_depth = np.minimum(ground, FAR_PLANE)
        self._ground_classes = np.array([GROUND_CLASSES[GroundLayer(layer)] for layer in range(len(GroundLayer))])

    def _project(self, vertices, offsets, ids, position, world_to_camera):
        m = self.model
        cx, cy = m.principal_point
        return project_polygons_kernel(vertices, offsets, ids, world_to_camera, position, self._planes, m.focal, cx, cy)

    def render(
        self, center: np.ndarray, heading: float, ground_z: float, ground_ids: np.ndarray, faces: FacePolygons,
        depth_only: bool = False,
    ) -> tuple[np.ndarray | None, np.ndarray]:  # fmt: skip
        """``(H, W)`` uint8 :class:`SemanticClass` (None when ``depth_only``) and ``(H, W)`` float64 planar depth
        [m], from the same arguments as :meth:`sim.world.camera.CameraRenderer.render`."""
        m, scene = self.model, self.scene
        position, world_to_camera = m.pose(center, heading, ground_z)
        classes = np.repeat(self._background_classes[..., None], 3, axis=-1)
        depth = self._background_depth.copy()
        f, (cx, cy) = m.focal, m.principal_point
        sources = [(scene.vertices, scene.offsets, np.ascontiguousarray(ground_ids, dtype=np.int64),
                    lambda kept: self._ground_classes[scene.layers[kept]])]  # fmt: skip
        if faces.count:
            sources.append((faces.vertices, faces.offsets, np.arange(faces.count, dtype=np.int64),
                            lambda kept: faces.classes[kept]))  # fmt: skip
        none, zeros = np.zeros(3), np.zeros(m.height * m.width).reshape(m.height, m.width)
        for vertices, offsets, ids, class_of in sources:
            xy, out_offsets, kept = self._project(vertices, offsets, ids, position, world_to_camera)
            selected = ids[kept]
            if depth_only:
                planes = polygon_planes_kernel(vertices, offsets, selected, world_to_camera, position)
                fill_depth_kernel(depth, xy, out_offsets, planes, f, cx, cy)
                continue
            colors = np.repeat(class_of(selected).astype(np.float64)[:, None], 3, axis=1)
            fill_polygons_kernel(classes, xy, out_offsets, np.ascontiguousarray(colors), np.zeros(len(kept)), zeros,
                                 none)  # fmt: skip
        return (None if depth_only else classes[..., 0]), np.minimum(depth, FAR_PLANE)


def semantic_image(classes: np.ndarray, tags: TagSet) -> np.ndarray:
    """``(H, W)`` :class:`SemanticClass` -> ``(H, W, 4)`` uint8 BGRA with CARLA's tag in the red channel."""
    red = tag_lookup(tags)[classes]
    zero = np.zeros_like(red)
    return np.stack([zero, zero, red, np.full_like(red, 255)], axis=-1)
