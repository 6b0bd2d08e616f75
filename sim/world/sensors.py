"""The agent's sensors in the embedded world: leaderboard spec validation and ``input_data`` emulation.

``SensorSuite.from_specs(agent.sensors(), network)`` checks the list as the leaderboard's
``AgentWrapper.validate_sensor_configuration`` does (:mod:`sim.world.sensor_specs`);
``suite.read(snapshot, frame)`` returns ``{id: (frame, payload)}`` in CARLA's formats
(specs/carla_leaderboard.md 1.3-1.5): RGB, semantic-segmentation and depth cameras ``(H, W, 4)`` uint8
BGRA (:mod:`sim.world.camera`, :mod:`sim.world.camera_layers`), LiDAR ``(N, 4)`` float32
(:mod:`sim.world.lidar`), radar ``(N, 4)`` float32 (:mod:`sim.world.radar`), and the ego's GNSS, IMU,
speedometer and OpenDRIVE map (:mod:`sim.world.sensor_ego`). Semantic LiDAR is not emulated.
"""

from __future__ import annotations

import logging

import numpy as np

from sim.maps.road_network import RoadNetwork
from sim.maps.town import town_opendrive
from sim.world.camera import CameraModel, CameraRenderer
from sim.world.camera_layers import LayerRenderer, encode_depth, semantic_image
from sim.world.lidar import Lidar
from sim.world.radar import Radar
from sim.world.raycast import RayTargets
from sim.world.render_actors import build_boxes, visible_faces
from sim.world.render_config import DEFAULT_SENSOR_CONFIG, SensorConfig
from sim.world.render_scene import town_scene
from sim.world.semantic import TagSet
from sim.world.sensor_ego import EgoSensors, Mount
from sim.world.sensor_specs import (  # noqa: F401  (re-exported: the suite's public names)
    ALLOWED_TYPES,
    CAMERA,
    DEPTH,
    EMBEDDED_TYPES,
    LIDAR,
    MAX_CAMERA_PIXELS,
    MAX_CAMERA_SIDE,
    OPENDRIVE,
    RADAR,
    SEMANTIC,
    SensorConfigurationInvalid,
    SensorTrack,
    UnsupportedSensorError,
    _describe,
    validate_sensor_specs,
)  # fmt: skip
from sim.world.snapshot import WorldSnapshot

logger = logging.getLogger(__name__)

DEFAULT_DT = 0.05  # [s] the leaderboard's tick: LiDAR sweeps and radar rays per tick follow from it
_TAGS = {SensorTrack.LB1: TagSet.CARLA_0_9_10, SensorTrack.LMDRIVE: TagSet.CARLA_0_9_10}  # else 0.9.14+


class SensorSuite:
    """The sensors of one agent on one town; :meth:`read` gives the leaderboard's ``input_data``."""

    def __init__(self, specs: list[dict], network: RoadNetwork, config: SensorConfig, opendrive_text: str | None,
                 track: SensorTrack = SensorTrack.LB1, dt: float = DEFAULT_DT) -> None:  # fmt: skip
        self.specs, self.network, self.config = [dict(s) for s in specs], network, config
        self.tags = _TAGS.get(track, TagSet.CARLA_0_9_14)
        self.scene = town_scene(network, config.render)
        self.cameras = {s["id"]: CameraRenderer(CameraModel.from_spec(s), self.scene, config.render)
                        for s in specs if s["type"] == CAMERA}  # fmt: skip
        self.layers = {s["id"]: (s["type"], LayerRenderer(CameraModel.from_spec(s), self.scene, config.render))
                       for s in specs if s["type"] in (SEMANTIC, DEPTH)}  # fmt: skip
        rng = np.random.SeedSequence(config.noise.seed).spawn(len(specs) + 1)
        self.rays = {s["id"]: (Lidar if s["type"] == LIDAR else Radar)(s, dt, np.random.default_rng(rng[i]))
                     for i, s in enumerate(specs) if s["type"] in (LIDAR, RADAR)}  # fmt: skip
        self.others = {s["id"]: Mount.from_spec(s) for s in specs if s["id"] not in {**self.cameras, **self.layers,
                                                                                     **self.rays}}  # fmt: skip
        self.ego_sensors = EgoSensors(network, config, opendrive_text)
        models = [c.model for c in self.cameras.values()] + [layer.model for _, layer in self.layers.values()]
        self._reach = config.render.view_range + max((float(np.hypot(*m.mount[:2])) for m in models), default=0.0)

    @classmethod
    def from_specs(
        cls,
        specs: list[dict],
        network: RoadNetwork,
        config: SensorConfig = DEFAULT_SENSOR_CONFIG,
        track=SensorTrack.LB1,
        map_track: bool = True,
        opendrive_text: str | None = None,
        dt: float = DEFAULT_DT,
    ) -> SensorSuite:
        """Validate ``specs`` (see :func:`validate_sensor_specs`) and build the suite.

        Args:
            track: whose rules and whose CARLA version's semantic tags apply.
            opendrive_text: the town's xodr text for ``sensor.opendrive_map``; read from the data
                directory when needed and not given.
            dt: [s] the world's tick.

        Raises:
            SensorConfigurationInvalid: a leaderboard rule is broken (names the sensor id and type).
            UnsupportedSensorError: a sensor the embedded world cannot emulate (semantic LiDAR).
        """
        track = SensorTrack(getattr(track, "value", track))
        validate_sensor_specs(specs, track, map_track, config.max_mount_radius)
        for spec in specs:
            if spec["type"] not in EMBEDDED_TYPES:
                raise UnsupportedSensorError(
                    f"{_describe(spec)} is not emulated by the embedded world (it renders RGB, semantic and depth "
                    "cameras, LiDAR, radar, GNSS, IMU, speedometer and OpenDRIVE); drop it or run on CARLA"
                )
        if opendrive_text is None and any(s["type"] == OPENDRIVE for s in specs):
            opendrive_text = town_opendrive(network)
        return cls(specs, network, config, opendrive_text, track, dt)

    def read(self, snapshot: WorldSnapshot, frame: int) -> dict[str, tuple[int, object]]:
        """``{sensor id: (frame, payload)}`` of this tick, as the leaderboard's sensor interface returns it."""
        ego = snapshot.ego
        data: dict[str, tuple[int, object]] = {}
        if self.cameras or self.layers:
            ground_ids = self.scene.select(np.asarray(ego.center, dtype=np.float64), self._reach)
            boxes, distances = build_boxes(snapshot, self.scene, self.config.render)
            heading = float(ego.pose[2])
            for sensor_id, camera in self.cameras.items():
                position, _ = camera.model.pose(ego.center, heading, ego.z)
                faces = visible_faces(boxes, distances, position, self.config.render)
                data[sensor_id] = (frame, camera.render(ego.center, heading, float(ego.z), ground_ids, faces))
            for sensor_id, (kind, layer) in self.layers.items():
                position, _ = layer.model.pose(ego.center, heading, ego.z)
                faces = visible_faces(boxes, distances, position, self.config.render)
                classes, depth = layer.render(ego.center, heading, float(ego.z), ground_ids, faces, kind == DEPTH)
                image = semantic_image(classes, self.tags) if kind == SEMANTIC else encode_depth(depth)
                data[sensor_id] = (frame, image)
        if self.rays:
            targets = RayTargets.from_snapshot(snapshot, self.network)
            data.update({sensor_id: (frame, sensor.read(snapshot, targets)) for sensor_id, sensor in self.rays.items()})
        for sensor_id, sensor in self.others.items():
            payload = self.ego_sensors.read(sensor, snapshot)
            if payload is not None:
                data[sensor_id] = (frame, payload)
        return data
