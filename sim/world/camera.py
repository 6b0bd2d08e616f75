"""Pinhole RGB camera of the embedded world: CARLA's intrinsics and mount convention, software rendering.

CARLA's camera: focal length ``f = W / (2 tan(fov / 2))`` [px], principal point at the image centre,
square pixels. The mount pose comes in CARLA's ego frame (x forward, y right, z up [m]; roll, pitch,
yaw [deg], pitch up and yaw right positive, roll right-side-down positive) and is converted once here
to the internal ego frame (x forward, y left, z up). The ego never pitches or rolls, so the sky and
the flat off-road ground behind everything are drawn once per camera and copied every frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import cv2
import numpy as np

from sim.kernels.render_raster import fill_polygons_kernel, frustum_planes_kernel, project_polygons_kernel
from sim.world.render_actors import FacePolygons
from sim.world.render_config import RenderConfig
from sim.world.render_scene import TownScene


def carla_mount_rotation(roll: float, pitch: float, yaw: float) -> np.ndarray:
    """``(3, 3)`` camera -> ego rotation in the internal frame; columns forward, left, up.

    Args:
        roll, pitch, yaw: [deg] CARLA's (Unreal's) rotator of the mount.
    """
    cr, sr = math.cos(math.radians(roll)), math.sin(math.radians(roll))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    forward = np.array([cp * cy, cp * sy, sp])  # Unreal's FRotationMatrix rows, left-handed frame
    right = np.array([sr * sp * cy - cr * sy, sr * sp * sy + cr * cy, -sr * cp])
    up = np.array([-(cr * sp * cy + sr * sy), cy * sr - cr * sp * sy, cr * cp])
    flip = np.array([1.0, -1.0, 1.0])  # left-handed -> right-handed: negate y of every axis
    return np.column_stack([forward * flip, -right * flip, up * flip])


def fog_factor(distance: np.ndarray | float, config: RenderConfig) -> np.ndarray:
    """Blend towards the haze colour [0, 1] at horizontal ``distance`` [m] (smoothstep)."""
    t = np.clip((np.asarray(distance) - config.fog_start) / (config.view_range - config.fog_start), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


@dataclass(frozen=True)
class CameraModel:
    """Intrinsics and mount of one camera.

    Attributes:
        width, height: [px].
        fov: [deg] horizontal field of view.
        mount: ``(3,)`` position in the internal ego frame (x forward, y left, z up) [m], from the box centre
            on the ground.
        rotation: ``(3, 3)`` camera -> ego rotation, columns forward, left, up.
    """

    width: int
    height: int
    fov: float
    mount: np.ndarray
    rotation: np.ndarray

    @classmethod
    def from_spec(cls, spec: dict) -> CameraModel:
        """From a leaderboard camera spec (``width``, ``height``, ``fov``, ``x, y, z, roll, pitch, yaw``)."""
        mount = np.array([float(spec.get("x", 0.0)), -float(spec.get("y", 0.0)), float(spec.get("z", 0.0))])
        rotation = carla_mount_rotation(*(float(spec.get(k, 0.0)) for k in ("roll", "pitch", "yaw")))
        return cls(int(spec["width"]), int(spec["height"]), float(spec["fov"]), mount, rotation)

    @property
    def focal(self) -> float:
        """[px]"""
        return self.width / (2.0 * math.tan(math.radians(self.fov) / 2.0))

    @property
    def principal_point(self) -> tuple[float, float]:
        """``(cx, cy)`` [px]"""
        return self.width / 2.0, self.height / 2.0

    def pose(self, center: np.ndarray, heading: float, ground_z: float) -> tuple[np.ndarray, np.ndarray]:
        """World position ``(3,)`` [m] and world -> camera rotation ``(3, 3)`` for an ego at ``center``, ``heading``."""
        c, s = math.cos(heading), math.sin(heading)
        yaw = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
        position = np.array([center[0], center[1], ground_z]) + yaw @ self.mount
        return position, np.ascontiguousarray((yaw @ self.rotation).T)

    def project(self, points: np.ndarray, position: np.ndarray, world_to_camera: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world points -> ``(N, 3)`` u [px], v [px], depth [m] (no clipping)."""
        cam = (np.asarray(points, dtype=np.float64) - position) @ world_to_camera.T
        cx, cy = self.principal_point
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.column_stack(
                [cx - self.focal * cam[:, 1] / cam[:, 0], cy - self.focal * cam[:, 2] / cam[:, 0], cam[:, 0]]
            )


def ray_elevation(model: CameraModel) -> np.ndarray:
    """``(H, W)`` sine of each pixel centre ray's elevation above the horizontal."""
    cx, cy = model.principal_point
    u = (np.arange(model.width) + 0.5 - cx) / model.focal
    v = (np.arange(model.height) + 0.5 - cy) / model.focal
    left, up = -u[None, :], -v[:, None]
    rays = model.rotation[2, 0] + model.rotation[2, 1] * left + model.rotation[2, 2] * up
    return rays / np.sqrt(1.0 + left * left + up * up)


def background(model: CameraModel, config: RenderConfig) -> tuple[np.ndarray, np.ndarray]:
    """Sky gradient and flat off-road ground: ``(H, W, 3)`` uint8 RGB and the ground fog ``(H, W)`` float64."""
    dz = ray_elevation(model)
    height = max(model.mount[2], 0.05)
    with np.errstate(divide="ignore"):
        distance = np.where(dz < 0.0, height * np.sqrt(np.maximum(1.0 - dz * dz, 0.0)) / np.maximum(-dz, 1e-9), np.inf)
    fog = np.where(np.isfinite(distance), fog_factor(np.minimum(distance, 1e9), config), 1.0)
    haze = np.asarray(config.sky_horizon, dtype=np.float64)
    ground = np.asarray(config.offroad, dtype=np.float64) * (1.0 - fog[..., None]) + haze * fog[..., None]
    lift = np.clip(dz / math.sin(math.radians(40.0)), 0.0, 1.0)[..., None] ** 0.7
    sky = haze * (1.0 - lift) + np.asarray(config.sky_top, dtype=np.float64) * lift
    image = np.where((dz < 0.0)[..., None], ground, sky)
    return np.ascontiguousarray(np.clip(image + 0.5, 0, 255).astype(np.uint8)), np.ascontiguousarray(fog)


class CameraRenderer:
    """Renders one camera from a :class:`TownScene` and the tick's visible box faces."""

    def __init__(self, model: CameraModel, scene: TownScene, config: RenderConfig) -> None:
        self.model, self.scene, self.config = model, scene, config
        scale = max(int(config.supersample), 1)
        self._inner = replace(model, width=model.width * scale, height=model.height * scale)  # same fov
        inner = self._inner
        cx, cy = inner.principal_point
        self._planes = frustum_planes_kernel(inner.focal, cx, cy, inner.width, inner.height, config.near)
        self._background, self._fog_map = background(inner, config)
        self._haze = np.asarray(config.sky_horizon, dtype=np.float64)

    def render(
        self, center: np.ndarray, heading: float, ground_z: float, ground_ids: np.ndarray, faces: FacePolygons
    ) -> np.ndarray:
        """``(H, W, 4)`` uint8 BGRA image, as CARLA's ``sensor.camera.rgb`` gives it.

        Args:
            center: ``(2,)`` ego box centre [m]; ``heading`` [rad]; ``ground_z`` [m] road height under the ego.
            ground_ids: ground polygons of the scene near the ego (drawing order), see :meth:`TownScene.select`.
            faces: the tick's box faces (drawing order), see :func:`sim.world.render_actors.visible_faces`.
        """
        model, scene = self._inner, self.scene
        position, world_to_camera = model.pose(center, heading, ground_z)
        f, (cx, cy) = model.focal, model.principal_point
        image = self._background.copy()
        ids = np.ascontiguousarray(ground_ids, dtype=np.int64)
        xy, offsets, kept = project_polygons_kernel(
            scene.vertices, scene.offsets, ids, world_to_camera, position, self._planes, f, cx, cy
        )
        ids = ids[kept]
        far = np.hypot(*(scene.centers[ids] - position[:2]).T) + scene.radii[ids]
        fog = -1.0 - fog_factor(far, self.config)
        fill_polygons_kernel(image, xy, offsets, scene.colors[ids], fog, self._fog_map, self._haze)
        if faces.count:
            everything = np.arange(faces.count, dtype=np.int64)
            xy, offsets, kept = project_polygons_kernel(
                faces.vertices, faces.offsets, everything, world_to_camera, position, self._planes, f, cx, cy
            )
            fog = fog_factor(faces.distances[kept], self.config)
            colors = np.ascontiguousarray(faces.colors[kept])
            fill_polygons_kernel(image, xy, offsets, colors, np.ascontiguousarray(fog), self._fog_map, self._haze)
        if model is not self.model and model.width != self.model.width:
            image = cv2.resize(image, (self.model.width, self.model.height), interpolation=cv2.INTER_AREA)
        return cv2.cvtColor(image, cv2.COLOR_RGB2BGRA)
