"""Stand-ins mirroring NAVSIM's AgentInput / Scene / Frame / EgoStatus / Cameras and nuPlan's map API (tests only).

Field names and call signatures follow navsim/common/dataclasses.py (main 0a380a9) and nuPlan's
``AbstractMap`` (``get_map_object``, ``get_proximal_map_objects``; roadblocks with ``interior_edges``,
lanes with ``polygon``, ``baseline_path.discrete_path``, ``outgoing_edges``, ``speed_limit_mps``).
The map is a straight two-segment road along +x with three 3.5 m lanes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import shapely

from agents.adapters.navsim_camera import NAVSIM_CAMERAS

LANE_WIDTH = 3.5  # [m]
SEGMENTS = ((-60.0, 60.0), (60.0, 200.0))  # [m] x ranges of the two roadblocks


@dataclass
class Camera:
    image: np.ndarray | None = None


@dataclass
class EgoStatus:
    ego_pose: np.ndarray
    ego_velocity: np.ndarray
    ego_acceleration: np.ndarray
    driving_command: np.ndarray
    in_global_frame: bool = False


@dataclass
class Lidar:
    lidar_pc: np.ndarray | None = None


@dataclass
class AgentInput:
    ego_statuses: list[EgoStatus]
    cameras: list
    lidars: list[Lidar]


@dataclass
class Annotations:
    boxes: np.ndarray
    names: list[str]
    velocity_3d: np.ndarray
    instance_tokens: list[str]
    track_tokens: list[str]


@dataclass
class SceneMetadata:
    log_name: str
    scene_token: str
    map_name: str
    initial_token: str
    num_history_frames: int
    num_future_frames: int


@dataclass
class Frame:
    token: str
    timestamp: int
    roadblock_ids: list[str]
    traffic_lights: list[tuple[str, bool]]
    annotations: Annotations
    ego_status: EgoStatus
    lidar: Lidar
    cameras: SimpleNamespace


@dataclass
class Scene:
    scene_metadata: SceneMetadata
    map_api: StraightRoadMap
    frames: list[Frame] = field(default_factory=list)

    def get_future_trajectory(self, num_trajectory_frames: int | None = None) -> SimpleNamespace:
        """Future ego poses relative to now (the ego drives straight along +x here)."""
        now = self.scene_metadata.num_history_frames - 1
        count = num_trajectory_frames or self.scene_metadata.num_future_frames
        origin = self.frames[now].ego_status.ego_pose
        poses = np.array([self.frames[now + k].ego_status.ego_pose - origin for k in range(1, count + 1)])
        return SimpleNamespace(poses=poses.astype(np.float32))

    def get_agent_input(self) -> AgentInput:
        now = self.scene_metadata.num_history_frames - 1
        origin = self.frames[now].ego_status.ego_pose
        history = self.frames[: now + 1]
        statuses = [
            EgoStatus(
                f.ego_status.ego_pose - origin,
                f.ego_status.ego_velocity,
                f.ego_status.ego_acceleration,
                f.ego_status.driving_command,
            )  # fmt: skip
            for f in history
        ]
        return AgentInput(statuses, [f.cameras for f in history], [f.lidar for f in history])


def _cameras(rng: np.random.Generator, loaded: tuple[str, ...]) -> SimpleNamespace:
    return SimpleNamespace(**{
        name: Camera((rng.random((90, 160, 3)) * 255).astype(np.uint8) if name in loaded else None)
        for name in NAVSIM_CAMERAS
    })  # fmt: skip


def make_scene(
    *, speed: float = 8.0, num_history: int = 4, num_future: int = 10, lead_x: float | None = 30.0,
    cameras: tuple[str, ...] = ("cam_f0",), seed: int = 0,
) -> Scene:  # fmt: skip
    """A scene on :class:`StraightRoadMap`: the ego on the centre lane at x = 0 now, driving ``speed`` [m/s]."""
    rng = np.random.default_rng(seed)
    frames = []
    for k in range(num_history + num_future):
        t = (k - (num_history - 1)) * 0.5
        boxes = np.zeros((0, 7)) if lead_x is None else np.array([[lead_x - speed * t, 0.0, 0.0, 4.5, 2.0, 1.6, 0.0]])
        names = [] if lead_x is None else ["vehicle"]
        frames.append(Frame(
            token=f"frame{k}", timestamp=int(1e9 + t * 1e6), roadblock_ids=["rb0", "rb1"], traffic_lights=[],
            annotations=Annotations(boxes, names, np.zeros((len(names), 3)), names and ["i0"], names and ["lead"]),
            ego_status=EgoStatus(np.array([speed * t, 0.0, 0.0]), np.array([speed, 0.0]), np.zeros(2),
                                 np.array([0, 1, 0, 0])),
            lidar=Lidar(), cameras=_cameras(rng, cameras),
        ))  # fmt: skip
    metadata = SceneMetadata("log", "scene", "straight", f"frame{num_history - 1}", num_history, num_future)
    return Scene(metadata, StraightRoadMap(), frames)


@dataclass(eq=False)
class _Lane:
    id: str
    polygon: shapely.Polygon
    baseline_path: SimpleNamespace
    speed_limit_mps: float
    outgoing_edges: list = field(default_factory=list)


class StraightRoadMap:
    """nuPlan ``AbstractMap`` subset: two roadblocks of three lanes each, lanes linked block to block."""

    def __init__(self) -> None:
        self.blocks: dict[str, SimpleNamespace] = {}
        previous: list[_Lane] = []
        for index, (x0, x1) in enumerate(SEGMENTS):
            lanes = []
            for row, y in enumerate((-LANE_WIDTH, 0.0, LANE_WIDTH)):
                path = [SimpleNamespace(x=x, y=y, heading=0.0) for x in np.arange(x0, x1 + 0.5, 1.0)]
                polygon = shapely.box(x0, y - LANE_WIDTH / 2, x1, y + LANE_WIDTH / 2)
                lanes.append(_Lane(f"lane{index}_{row}", polygon, SimpleNamespace(discrete_path=path), 13.9))
            for before, after in zip(previous, lanes, strict=False):
                before.outgoing_edges.append(after)
            polygon = shapely.box(x0, -1.5 * LANE_WIDTH, x1, 1.5 * LANE_WIDTH)
            self.blocks[f"rb{index}"] = SimpleNamespace(id=f"rb{index}", polygon=polygon, interior_edges=lanes)
            previous = lanes

    def get_map_object(self, object_id: str, layer) -> SimpleNamespace | None:
        return self.blocks.get(object_id) if int(layer) == 17 else None

    def get_proximal_map_objects(self, point, radius: float, layers: list) -> dict:
        found = {layer: [] for layer in layers}
        for layer in layers:
            if int(layer) == 17:
                found[layer] = list(self.blocks.values())
            elif int(layer) == 0:
                found[layer] = [lane for block in self.blocks.values() for lane in block.interior_edges]
        return found
