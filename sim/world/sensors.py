"""The agent's sensors in the embedded world: leaderboard spec validation and ``input_data`` emulation.

``SensorSuite.from_specs(agent.sensors(), network)`` checks the list as the leaderboard's
``AgentWrapper.validate_sensor_configuration`` does (types, ids, mount radius, counts per track),
plus the keys each type needs; ``suite.read(snapshot, frame)`` returns ``{id: (frame, payload)}``
in CARLA's formats (specs/carla_leaderboard.md 1.3-1.5): cameras ``(H, W, 4)`` uint8 BGRA, GNSS
float64 ``[lat, lon, alt]``, IMU float64 ``[acc x, y, z, gyro x, y, z, compass]`` in CARLA's
left-handed sensor frame, speedometer ``{'speed': m/s}``, OpenDRIVE ``{'opendrive': text}``.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import math
from collections import Counter
from dataclasses import dataclass

import numpy as np

from sim.frames import compass_from_internal_heading
from sim.maps.road_network import RoadNetwork
from sim.world.camera import CameraModel, CameraRenderer, carla_mount_rotation
from sim.world.render_actors import build_boxes, visible_faces
from sim.world.render_config import DEFAULT_SENSOR_CONFIG, SensorConfig
from sim.world.render_scene import town_scene
from sim.world.snapshot import WorldSnapshot

logger = logging.getLogger(__name__)

CAMERA, LIDAR, RADAR = "sensor.camera.rgb", "sensor.lidar.ray_cast", "sensor.other.radar"
GNSS, IMU, SPEEDOMETER, OPENDRIVE = (
    "sensor.other.gnss",
    "sensor.other.imu",
    "sensor.speedometer",
    "sensor.opendrive_map",
)
ALLOWED_TYPES = (CAMERA, LIDAR, RADAR, GNSS, IMU, OPENDRIVE, SPEEDOMETER)  # the leaderboard's ALLOWED_SENSORS
EMBEDDED_TYPES = (CAMERA, GNSS, IMU, OPENDRIVE, SPEEDOMETER)  # what this world can emulate
_MOUNT_KEYS = ("x", "y", "z")


class SensorTrack(enum.Enum):
    """Whose sensor limits apply."""

    LB1 = "1.0"  # leaderboard 1.0 (and LangAuto)
    LB2_QUALIFIER = "2.0-qualifier"
    LB2 = "2.0"


SENSOR_LIMITS = {
    SensorTrack.LB1: {CAMERA: 4, LIDAR: 1, RADAR: 2, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
    SensorTrack.LB2_QUALIFIER: {CAMERA: 4, LIDAR: 1, RADAR: 2, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
    SensorTrack.LB2: {CAMERA: 8, LIDAR: 2, RADAR: 4, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
}
MAX_CAMERA_SIDE = 4096  # [px] width and height of one camera
MAX_CAMERA_PIXELS = 4096 * 4096  # [px] all cameras of one agent together (~64 MB of BGRA per tick)
REQUIRED_KEYS = {
    CAMERA: ("width", "height", "fov"),
    OPENDRIVE: ("reading_frequency",),
    RADAR: ("fov",),
}
LB2_RADAR_KEYS = ("horizontal_fov", "vertical_fov")


class SensorConfigurationInvalid(ValueError):
    """The agent's sensor list breaks a leaderboard rule; the message names the sensor id and type."""


class UnsupportedSensorError(SensorConfigurationInvalid):
    """A sensor the leaderboard allows but the embedded world cannot emulate (use the CARLA simulator)."""


def _track(track) -> SensorTrack:
    value = getattr(track, "value", track)
    try:
        return SensorTrack(value)
    except ValueError:
        raise ValueError(f"unknown sensor track {track!r}; expected one of {[t.value for t in SensorTrack]}") from None


def _describe(spec: dict) -> str:
    return f"sensor id '{spec.get('id')}' (type '{spec.get('type')}')"


def _number(spec: dict, key: str) -> float:
    """``spec[key]`` as a finite float, or :class:`SensorConfigurationInvalid` naming the sensor and key."""
    try:
        value = float(spec[key])
    except (TypeError, ValueError, OverflowError):
        raise SensorConfigurationInvalid(f"{_describe(spec)}: {key} = {spec[key]!r:.40} is not a number") from None
    if not math.isfinite(value):
        raise SensorConfigurationInvalid(f"{_describe(spec)}: {key} = {value} is not finite")
    return value


def _check_keys(spec: dict, track: SensorTrack) -> None:
    kind = spec["type"]
    required = REQUIRED_KEYS.get(kind, ())
    if kind == RADAR and track is not SensorTrack.LB1:
        required = LB2_RADAR_KEYS
    missing = [key for key in required if key not in spec]
    if missing:
        raise SensorConfigurationInvalid(f"{_describe(spec)} lacks required key(s) {missing}")
    if kind == CAMERA:
        width, height, fov = _number(spec, "width"), _number(spec, "height"), _number(spec, "fov")
        if int(width) != width or int(height) != height or int(width) < 1 or int(height) < 1:
            raise SensorConfigurationInvalid(f"{_describe(spec)}: width/height must be positive integers")
        if int(width) > MAX_CAMERA_SIDE or int(height) > MAX_CAMERA_SIDE:
            raise SensorConfigurationInvalid(
                f"{_describe(spec)}: {int(width)} x {int(height)} px exceeds the embedded world's limit of "
                f"{MAX_CAMERA_SIDE} x {MAX_CAMERA_SIDE} px per camera"
            )
        if not 0.0 < fov < 180.0:
            raise SensorConfigurationInvalid(f"{_describe(spec)}: fov {fov} deg is outside (0, 180)")
    if kind == OPENDRIVE and not _number(spec, "reading_frequency") > 0.0:
        raise SensorConfigurationInvalid(f"{_describe(spec)}: reading_frequency must be positive")


def validate_sensor_specs(specs: list[dict], track=SensorTrack.LB1, map_track: bool = True, max_radius: float = 3.0):
    """Check ``specs`` as the leaderboard does; raise :class:`SensorConfigurationInvalid` naming the sensor.

    Args:
        specs: the agent's ``sensors()`` list.
        track: :class:`SensorTrack` (or its value, or a ``LeaderboardVersion``) deciding the count limits.
        map_track: the MAP track; on the SENSORS track ``sensor.opendrive_map`` is illegal.
        max_radius: [m] the limit on the mount's distance from the ego origin.
    """
    track = _track(track)
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str) or not isinstance(spec.get("id"), str):
            raise SensorConfigurationInvalid(f"sensor #{index} ({spec!r:.80}) needs a string 'type' and 'id'")
        if spec["id"] in seen:
            raise SensorConfigurationInvalid(f"Duplicated sensor tag [{spec['id']}]: {_describe(spec)}")
        seen.add(spec["id"])
        if spec["type"] not in ALLOWED_TYPES:
            raise SensorConfigurationInvalid(f"Illegal sensor used: {_describe(spec)}; allowed: {list(ALLOWED_TYPES)}")
        if spec["type"] == OPENDRIVE and not map_track:
            raise SensorConfigurationInvalid(f"Illegal sensor used for the SENSORS track: {_describe(spec)}")
        for key in (*_MOUNT_KEYS, "roll", "pitch", "yaw"):
            if key in spec:
                _number(spec, key)
        if all(key in spec for key in _MOUNT_KEYS):
            radius = math.hypot(*(_number(spec, key) for key in _MOUNT_KEYS))
            if radius > max_radius:
                raise SensorConfigurationInvalid(
                    f"Illegal sensor extrinsics: {_describe(spec)} is {radius:.2f} m from the ego (max {max_radius} m)"
                )
        _check_keys(spec, track)
    pixels = sum(int(s["width"]) * int(s["height"]) for s in specs if s["type"] == CAMERA)
    if pixels > MAX_CAMERA_PIXELS:
        raise SensorConfigurationInvalid(
            f"cameras {[s['id'] for s in specs if s['type'] == CAMERA]} render {pixels} px per tick together, over "
            f"the embedded world's budget of {MAX_CAMERA_PIXELS} px per agent"
        )
    counts = Counter(spec["type"] for spec in specs)
    for kind, limit in SENSOR_LIMITS[track].items():
        if counts[kind] > limit:
            ids = [s["id"] for s in specs if s["type"] == kind]
            raise SensorConfigurationInvalid(
                f"Too many {kind} used ({ids}): maximum for track {track.value} is {limit}, got {counts[kind]}"
            )


@dataclass(frozen=True)
class _Pseudo:
    """A non-camera sensor: its spec, mount in the internal ego frame and camera -> ego rotation."""

    spec: dict
    mount: np.ndarray
    rotation: np.ndarray

    @classmethod
    def from_spec(cls, spec: dict) -> _Pseudo:
        mount = np.array([float(spec.get("x", 0.0)), -float(spec.get("y", 0.0)), float(spec.get("z", 0.0))])
        rotation = carla_mount_rotation(*(float(spec.get(k, 0.0)) for k in ("roll", "pitch", "yaw")))
        return cls(spec, mount, rotation)


class SensorSuite:
    """The sensors of one agent on one town; :meth:`read` gives the leaderboard's ``input_data``."""

    def __init__(self, specs: list[dict], network: RoadNetwork, config: SensorConfig, opendrive_text: str | None):
        self.specs, self.network, self.config = [dict(s) for s in specs], network, config
        self.scene = town_scene(network, config.render)
        self.cameras = {
            s["id"]: CameraRenderer(CameraModel.from_spec(s), self.scene, config.render)
            for s in specs
            if s["type"] == CAMERA
        }
        self.others = {s["id"]: _Pseudo.from_spec(s) for s in specs if s["type"] != CAMERA}
        self._opendrive_text = opendrive_text
        self._opendrive_last: dict[str, float] = {}
        self._rng = np.random.default_rng(config.noise.seed)
        reach = [float(np.hypot(*c.model.mount[:2])) for c in self.cameras.values()]
        self._reach = config.render.view_range + max(reach, default=0.0)

    @classmethod
    def from_specs(
        cls,
        specs: list[dict],
        network: RoadNetwork,
        config: SensorConfig = DEFAULT_SENSOR_CONFIG,
        track=SensorTrack.LB1,
        map_track: bool = True,
        opendrive_text: str | None = None,
    ) -> SensorSuite:
        """Validate ``specs`` (see :func:`validate_sensor_specs`) and build the suite.

        Args:
            opendrive_text: the town's xodr text for ``sensor.opendrive_map``; read from the data
                directory when needed and not given.

        Raises:
            SensorConfigurationInvalid: a leaderboard rule is broken (names the sensor id and type).
            UnsupportedSensorError: LiDAR or radar (not emulated; run the CARLA simulator).
        """
        validate_sensor_specs(specs, track, map_track, config.max_mount_radius)
        for spec in specs:
            if spec["type"] not in EMBEDDED_TYPES:
                raise UnsupportedSensorError(
                    f"{_describe(spec)} is not emulated by the embedded world (it renders cameras, GNSS, IMU, "
                    "speedometer and OpenDRIVE only); drop it or run the agent on the CARLA simulator"
                )
        if opendrive_text is None and any(s["type"] == OPENDRIVE for s in specs):
            opendrive_text = _read_opendrive(network)
        return cls(specs, network, config, opendrive_text)

    def read(self, snapshot: WorldSnapshot, frame: int) -> dict[str, tuple[int, object]]:
        """``{sensor id: (frame, payload)}`` of this tick, as the leaderboard's sensor interface returns it."""
        ego = snapshot.ego
        data: dict[str, tuple[int, object]] = {}
        if self.cameras:
            ground_ids = self.scene.select(np.asarray(ego.center, dtype=np.float64), self._reach)
            boxes, distances = build_boxes(snapshot, self.scene, self.config.render)
            heading = float(ego.pose[2])
            for sensor_id, camera in self.cameras.items():
                position, _ = camera.model.pose(ego.center, heading, ego.z)
                faces = visible_faces(boxes, distances, position, self.config.render)
                data[sensor_id] = (frame, camera.render(ego.center, heading, float(ego.z), ground_ids, faces))
        for sensor_id, sensor in self.others.items():
            payload = self._pseudo(sensor, snapshot)
            if payload is not None:
                data[sensor_id] = (frame, payload)
        return data

    def _pseudo(self, sensor: _Pseudo, snapshot: WorldSnapshot):
        kind = sensor.spec["type"]
        if kind == GNSS:
            return self._gnss(sensor, snapshot)
        if kind == IMU:
            return self._imu(sensor, snapshot)
        if kind == SPEEDOMETER:
            return {"speed": float(snapshot.ego.speed)}
        return self._opendrive(sensor, snapshot)

    def _gnss(self, sensor: _Pseudo, snapshot: WorldSnapshot) -> np.ndarray:
        ego = snapshot.ego
        c, s = math.cos(ego.pose[2]), math.sin(ego.pose[2])
        xy = np.asarray(ego.center, dtype=np.float64) + np.array(
            [c * sensor.mount[0] - s * sensor.mount[1], s * sensor.mount[0] + c * sensor.mount[1]]
        )
        gps = self.network.geo.internal_to_gps(xy, float(ego.z) + sensor.mount[2]).astype(np.float64)
        if self.config.noise.gnss:
            gps = gps + self._rng.normal(0.0, self.config.noise.gnss_std)
        return gps

    def _imu(self, sensor: _Pseudo, snapshot: WorldSnapshot) -> np.ndarray:
        ego = snapshot.ego
        accel = np.array([ego.acceleration[0], ego.acceleration[1], self.config.gravity]) @ sensor.rotation
        gyro = np.array([0.0, 0.0, ego.yaw_rate]) @ sensor.rotation
        accel[1] = -accel[1]  # right-handed (y left) -> CARLA's left-handed sensor frame (y right)
        gyro = np.array([-gyro[0], gyro[1], -gyro[2]])  # an angular velocity is a pseudo-vector: flips twice
        if self.config.noise.imu:
            accel = accel + self._rng.normal(0.0, self.config.noise.accel_std)
            gyro = gyro + self._rng.normal(0.0, self.config.noise.gyro_std)
        forward = sensor.rotation[:, 0]
        compass = compass_from_internal_heading(ego.pose[2] + math.atan2(forward[1], forward[0]))
        return np.array([*accel, *gyro, float(compass)], dtype=np.float64)

    def _opendrive(self, sensor: _Pseudo, snapshot: WorldSnapshot) -> dict | None:
        sensor_id, period = sensor.spec["id"], 1.0 / float(sensor.spec["reading_frequency"])
        last = self._opendrive_last.get(sensor_id)
        if last is not None and snapshot.time - last < period - 1e-9:
            return None  # the leaderboard does not wait for the map reader: it appears at its own rate
        self._opendrive_last[sensor_id] = float(snapshot.time)
        return {"opendrive": self._opendrive_text}


def _read_opendrive(network: RoadNetwork) -> str:
    from sim.maps.town import town_path

    text = town_path(network.name).read_text(encoding="utf-8")
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != network.source_sha256:
        logger.warning("OpenDRIVE file of %s differs from the one its road network was built from", network.name)
    return text
