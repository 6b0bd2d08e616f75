"""Dynamic 3-D geometry of one tick for the camera renderer: actors and traffic lights as shaded boxes.

Every object is a few axis-aligned (in its own frame) boxes: vehicles are wheels, a body, a glass
cabin and a roof; walkers a body and a head; bicycles a frame and a rider; static props one box;
traffic lights a pole, a housing and three lamps (the current state's lamp lit). Objects are sorted
far-to-near and their camera-facing faces listed in that order (painter's algorithm). Internal frame.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from sim.types import ActorIndex, ActorKind, LightState
from sim.world.render_config import RenderConfig
from sim.world.render_scene import TownScene
from sim.world.semantic import SemanticClass
from sim.world.snapshot import WorldSnapshot

# Default heights [m] when a snapshot leaves an actor's height at 0.
DEFAULT_HEIGHT = {ActorKind.VEHICLE: 1.5, ActorKind.WALKER: 1.8, ActorKind.BICYCLE: 1.7, ActorKind.STATIC: 1.0}
DEFAULT_HEIGHT[ActorKind.EMERGENCY] = 2.2
_HEAD = 0.24  # [m] walker head cube
_LAMP_OFFSET = 0.02  # [m] lamps sit this far in front of the housing


class Face(enum.IntEnum):
    """The five drawn faces of a box (the bottom is never seen from a car)."""

    FRONT = 0
    BACK = 1
    LEFT = 2
    RIGHT = 3
    TOP = 4


# Corner order of a unit box: index bits (x+, y+, z+).
_FACE_CORNERS = np.array([[1, 3, 7, 5], [0, 4, 6, 2], [2, 6, 7, 3], [0, 1, 5, 4], [4, 5, 7, 6]])
_FACE_NORMALS = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]], dtype=np.float64)
_UNIT_CORNERS = np.array([[(i >> 0) & 1, (i >> 1) & 1, (i >> 2) & 1] for i in range(8)], dtype=np.float64) - 0.5


@dataclass(frozen=True)
class Boxes:
    """``B`` boxes in drawing order.

    Attributes:
        centers: ``(B, 3)`` float64 world x, y, z [m] of the box centre.
        headings: ``(B,)`` float64 [rad].
        sizes: ``(B, 3)`` float64 length, width, height [m] (a zero size gives a flat quad).
        colors: ``(B, 3)`` float64 RGB.
        emissive: ``(B,)`` bool: not shaded (lit lamps).
        faces: ``(B, 5)`` bool faces that may be drawn.
        objects: ``(B,)`` int64 object each box belongs to (for fog).
        classes: ``(B,)`` int64 :class:`SemanticClass` of each box.
    """

    centers: np.ndarray
    headings: np.ndarray
    sizes: np.ndarray
    colors: np.ndarray
    emissive: np.ndarray
    faces: np.ndarray
    objects: np.ndarray
    classes: np.ndarray


@dataclass(frozen=True)
class FacePolygons:
    """Visible box faces as world polygons (CSR, 4 vertices each), drawing order.

    Attributes:
        vertices: ``(4F, 3)`` float64 [m]; offsets ``(F + 1,)`` int64.
        colors: ``(F, 3)`` float64 shaded RGB.
        distances: ``(F,)`` float64 [m] horizontal distance of the owning object from the rig.
        classes: ``(F,)`` int64 :class:`SemanticClass` of each face.
    """

    vertices: np.ndarray
    offsets: np.ndarray
    colors: np.ndarray
    distances: np.ndarray
    classes: np.ndarray

    @property
    def count(self) -> int:
        return int(self.colors.shape[0])


class _Parts:
    """Accumulates boxes as rows (object, local offset, size, colour, faces, emissive, semantic class)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.part = SemanticClass.UNLABELED  # the class of the boxes added next

    def add(self, obj: int, offset, size, color, faces=(True,) * 5, emissive: bool = False) -> None:
        self.rows.append((obj, offset, size, color, faces, emissive, self.part))


def _vehicle(parts: _Parts, obj: int, dims: np.ndarray, color, config: RenderConfig, emergency: bool) -> None:
    parts.part = SemanticClass.TRUCK if emergency else SemanticClass.CAR
    length, width, height = dims
    wheel = min(0.66, 0.45 * height)
    for sx in (-1, 1):
        for sy in (-1, 1):
            offset = (sx * 0.3 * length, sy * (0.5 * width - 0.14), 0.5 * wheel)
            parts.add(obj, offset, (wheel, 0.26, wheel), (25, 25, 25))
    body_lo, body_hi = 0.45 * wheel, 0.58 * height
    parts.add(obj, (0.0, 0.0, 0.5 * (body_lo + body_hi)), (length, width, body_hi - body_lo), color)
    cabin = (0.52 * length, 0.86 * width, 0.92 * height - body_hi)
    parts.add(obj, (-0.06 * length, 0.0, body_hi + 0.5 * cabin[2]), cabin, config.window, (True,) * 4 + (False,))
    roof = (0.5 * length, 0.84 * width, 0.08 * height)
    parts.add(obj, (-0.06 * length, 0.0, 0.96 * height), roof, color)
    if emergency:
        parts.add(
            obj, (-0.06 * length, 0.0, 1.04 * height), (0.25, 0.7 * width, 0.08 * height), config.emergency_stripe
        )


def _walker(parts: _Parts, obj: int, dims: np.ndarray, color, config: RenderConfig) -> None:
    parts.part = SemanticClass.PEDESTRIAN
    length, width, height = dims
    body = (min(length, 0.35), min(width, 0.5), height - _HEAD)
    parts.add(obj, (0.0, 0.0, 0.5 * body[2]), body, color)
    parts.add(obj, (0.0, 0.0, height - 0.5 * _HEAD), (_HEAD, _HEAD, _HEAD), config.skin)


def _bicycle(parts: _Parts, obj: int, dims: np.ndarray, color, config: RenderConfig) -> None:
    length, width, height = dims
    parts.part = SemanticClass.BICYCLE
    parts.add(obj, (0.0, 0.0, 0.45), (length, 0.12, 0.9), config.bicycle)
    parts.part = SemanticClass.RIDER
    rider = (0.4, min(width, 0.45), max(height - 0.9 - _HEAD, 0.3))
    parts.add(obj, (-0.1 * length, 0.0, 0.9 + 0.5 * rider[2]), rider, color)
    parts.add(obj, (-0.1 * length, 0.0, 0.9 + rider[2] + 0.5 * _HEAD), (_HEAD, _HEAD, _HEAD), config.skin)


def _light(parts: _Parts, obj: int, state: int, config: RenderConfig) -> None:
    depth, width, tall = config.housing_size
    parts.part = SemanticClass.POLE
    parts.add(obj, (0.0, 0.0, 0.5 * config.pole_height), (0.18, 0.18, config.pole_height), config.pole)
    parts.part = SemanticClass.TRAFFIC_LIGHT
    parts.add(obj, (0.0, 0.0, config.pole_height + 0.5 * tall), config.housing_size, config.housing)
    lamps = ((LightState.RED, config.lamp_red), (LightState.YELLOW, config.lamp_yellow))
    lamps += ((LightState.GREEN, config.lamp_green),)
    front_only = (True, False, False, False, False)
    for k, (lamp_state, lit) in enumerate(lamps):
        z = config.pole_height + tall * (1.0 - (k + 0.5) / 3.0)
        on = state == lamp_state
        size = (0.0, config.lamp_size, config.lamp_size)
        parts.add(obj, (0.5 * depth + _LAMP_OFFSET, 0.0, z), size, lit if on else config.lamp_off, front_only, on)


def _actor_parts(parts: _Parts, obj: int, row: np.ndarray, actor_id: int, config: RenderConfig) -> None:
    kind = int(row[ActorIndex.KIND])
    dims = row[[ActorIndex.LENGTH, ActorIndex.WIDTH, ActorIndex.HEIGHT]].copy()
    if dims[2] <= 0.0:
        dims[2] = DEFAULT_HEIGHT.get(kind, 1.5)
    if kind == ActorKind.WALKER:
        _walker(parts, obj, dims, config.walker_palette[actor_id % len(config.walker_palette)], config)
    elif kind == ActorKind.BICYCLE:
        _bicycle(parts, obj, dims, config.walker_palette[actor_id % len(config.walker_palette)], config)
    elif kind == ActorKind.STATIC:
        parts.part = SemanticClass.STATIC
        parts.add(obj, (0.0, 0.0, 0.5 * dims[2]), dims, config.static)
    else:
        emergency = kind == ActorKind.EMERGENCY
        color = config.emergency if emergency else config.vehicle_palette[actor_id % len(config.vehicle_palette)]
        _vehicle(parts, obj, dims, color, config, emergency)


def build_boxes(snapshot: WorldSnapshot, scene: TownScene, config: RenderConfig) -> tuple[Boxes, np.ndarray]:
    """Boxes of the actors and traffic lights within ``config.view_range`` of the ego, far to near.

    Returns:
        The boxes and ``(O,)`` horizontal distances [m] of their objects from the ego.
    """
    ego_xy = np.asarray(snapshot.ego.center, dtype=np.float64)
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    light_xyz = scene.light_positions
    xy = np.concatenate([actors[:, :2], light_xyz[:, :2]])
    base_z = np.concatenate([scene.ground_z(actors[:, :2], snapshot.ego.z), light_xyz[:, 2]])
    headings = np.concatenate([actors[:, ActorIndex.HEADING], scene.light_facing])
    distance = np.hypot(*(xy - ego_xy).T)
    order = [i for i in np.argsort(-distance, kind="stable") if distance[i] <= config.view_range]
    parts = _Parts()
    states = np.asarray(snapshot.light_states, dtype=np.int64)
    ids = np.asarray(snapshot.actor_ids, dtype=np.int64)
    for obj, i in enumerate(order):
        if i < actors.shape[0]:
            _actor_parts(parts, obj, actors[i], int(ids[i]) if i < ids.shape[0] else i, config)
        else:
            k = i - actors.shape[0]
            _light(parts, obj, int(states[k]) if k < states.shape[0] else int(LightState.OFF), config)
    order = np.asarray(order, dtype=np.int64)
    if not parts.rows:
        empty = np.zeros((0, 3))
        none = np.zeros(0, np.int64)
        boxes = Boxes(empty, np.zeros(0), empty, empty, np.zeros(0, bool), np.zeros((0, 5), bool), none, none)
        return boxes, distance[order]
    obj = np.array([r[0] for r in parts.rows], dtype=np.int64)
    offsets = np.array([r[1] for r in parts.rows], dtype=np.float64)
    heading = headings[order][obj]
    c, s = np.cos(heading), np.sin(heading)
    centers = np.column_stack(
        [
            xy[order][obj, 0] + c * offsets[:, 0] - s * offsets[:, 1],
            xy[order][obj, 1] + s * offsets[:, 0] + c * offsets[:, 1],
            base_z[order][obj] + offsets[:, 2],
        ]
    )
    boxes = Boxes(
        centers=centers,
        headings=heading,
        sizes=np.array([r[2] for r in parts.rows], dtype=np.float64),
        colors=np.array([r[3] for r in parts.rows], dtype=np.float64),
        emissive=np.array([r[5] for r in parts.rows], dtype=bool),
        faces=np.array([r[4] for r in parts.rows], dtype=bool),
        objects=obj,
        classes=np.array([r[6] for r in parts.rows], dtype=np.int64),
    )
    return boxes, distance[order]


def visible_faces(boxes: Boxes, object_distance: np.ndarray, camera: np.ndarray, config: RenderConfig) -> FacePolygons:
    """The faces of ``boxes`` turned towards ``camera`` ``(3,)`` [m], shaded, in drawing order."""
    c, s = np.cos(boxes.headings), np.sin(boxes.headings)
    rot = np.zeros((boxes.centers.shape[0], 3, 3))
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1], rot[:, 2, 2] = c, -s, s, c, 1.0
    corners = boxes.centers[:, None, :] + np.einsum("bij,bkj->bki", rot, _UNIT_CORNERS[None] * boxes.sizes[:, None, :])
    normals = np.einsum("bij,fj->bfi", rot, _FACE_NORMALS)  # (B, 5, 3)
    face_corners = corners[:, _FACE_CORNERS]  # (B, 5, 4, 3)
    to_camera = camera - face_corners.mean(axis=2)
    visible = boxes.faces & (np.einsum("bfi,bfi->bf", normals, to_camera) > 0.0)
    sun = np.asarray(config.sun, dtype=np.float64)
    sun = sun / np.linalg.norm(sun)
    light = config.ambient + (1.0 - config.ambient) * np.clip(normals @ sun, 0.0, 1.0)
    light = np.where(boxes.emissive[:, None], 1.0, light)
    b, f = np.nonzero(visible)  # row-major: boxes in order, faces within a box
    return FacePolygons(
        vertices=np.ascontiguousarray(face_corners[b, f].reshape(-1, 3)),
        offsets=np.arange(0, 4 * b.shape[0] + 1, 4, dtype=np.int64),
        colors=np.ascontiguousarray(boxes.colors[b] * light[b, f][:, None]),
        distances=object_distance[boxes.objects[b]] if b.size else np.zeros(0),
        classes=boxes.classes[b],
    )
