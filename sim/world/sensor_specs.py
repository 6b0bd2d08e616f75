"""The leaderboard's rules for an agent's sensor list (``AgentWrapper.validate_sensor_configuration``).

Types, ids, mount radius and counts per track, plus the keys each type needs. The official leaderboards
allow RGB cameras, LiDAR, radar, GNSS, IMU, speedometer and (MAP track) the OpenDRIVE map; LMDrive's 1.0
fork, used to collect its data, also semantic-segmentation and depth cameras, up to 10 cameras of each
kind and mounts up to 1000 m away (its top-down map camera flies 100 m above the ego).
"""

from __future__ import annotations

import enum
import math
from collections import Counter

CAMERA, LIDAR, RADAR = "sensor.camera.rgb", "sensor.lidar.ray_cast", "sensor.other.radar"
SEMANTIC, DEPTH = "sensor.camera.semantic_segmentation", "sensor.camera.depth"
SEMANTIC_LIDAR = "sensor.lidar.ray_cast_semantic"
CAMERAS = (CAMERA, SEMANTIC, DEPTH)  # rendered image sensors
GNSS, IMU, SPEEDOMETER, OPENDRIVE = (
    "sensor.other.gnss",
    "sensor.other.imu",
    "sensor.speedometer",
    "sensor.opendrive_map",
)
ALLOWED_TYPES = (CAMERA, LIDAR, RADAR, GNSS, IMU, OPENDRIVE, SPEEDOMETER)  # the leaderboard's ALLOWED_SENSORS
EMBEDDED_TYPES = (CAMERA, SEMANTIC, DEPTH, LIDAR, RADAR, GNSS, IMU, OPENDRIVE, SPEEDOMETER)  # what this world emulates
_MOUNT_KEYS = ("x", "y", "z")


class SensorTrack(enum.Enum):
    """Whose sensor limits apply."""

    LB1 = "1.0"  # leaderboard 1.0 (and LangAuto)
    LB2_QUALIFIER = "2.0-qualifier"
    LB2 = "2.0"
    LMDRIVE = "lmdrive"  # LMDrive's leaderboard 1.0 fork (its data collection): more cameras, semantic and depth


SENSOR_LIMITS = {
    SensorTrack.LB1: {CAMERA: 4, LIDAR: 1, RADAR: 2, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
    SensorTrack.LB2_QUALIFIER: {CAMERA: 4, LIDAR: 1, RADAR: 2, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
    SensorTrack.LB2: {CAMERA: 8, LIDAR: 2, RADAR: 4, GNSS: 1, IMU: 1, OPENDRIVE: 1, SPEEDOMETER: 1},
    SensorTrack.LMDRIVE: {CAMERA: 10, SEMANTIC: 10, DEPTH: 10, LIDAR: 1, SEMANTIC_LIDAR: 1, RADAR: 2, GNSS: 1, IMU: 1,
                          OPENDRIVE: 1, SPEEDOMETER: 1},
}  # fmt: skip
MAX_CAMERA_SIDE = 4096  # [px] width and height of one camera
MAX_CAMERA_PIXELS = 4096 * 4096  # [px] all cameras of one agent together (~64 MB of BGRA per tick)
MAX_MOUNT_RADIUS = {SensorTrack.LMDRIVE: 1000.0}  # [m] tracks whose mount limit is not the leaderboard's 3 m
REQUIRED_KEYS = {
    CAMERA: ("width", "height", "fov"),
    SEMANTIC: ("width", "height", "fov"),
    DEPTH: ("width", "height", "fov"),
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
    if kind == RADAR and track in (SensorTrack.LB2, SensorTrack.LB2_QUALIFIER):
        required = LB2_RADAR_KEYS
    missing = [key for key in required if key not in spec]
    if missing:
        raise SensorConfigurationInvalid(f"{_describe(spec)} lacks required key(s) {missing}")
    if kind in CAMERAS:
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
        max_radius: [m] the limit on the mount's distance from the ego origin (LMDrive's fork: 1000 m).
    """
    track = _track(track)
    max_radius = MAX_MOUNT_RADIUS.get(track, max_radius)
    seen: set[str] = set()
    for index, spec in enumerate(specs):
        if not isinstance(spec, dict) or not isinstance(spec.get("type"), str) or not isinstance(spec.get("id"), str):
            raise SensorConfigurationInvalid(f"sensor #{index} ({spec!r:.80}) needs a string 'type' and 'id'")
        if spec["id"] in seen:
            raise SensorConfigurationInvalid(f"Duplicated sensor tag [{spec['id']}]: {_describe(spec)}")
        seen.add(spec["id"])
        allowed = tuple(SENSOR_LIMITS[track])
        if spec["type"] not in allowed:
            raise SensorConfigurationInvalid(f"Illegal sensor used: {_describe(spec)}; allowed: {list(allowed)}")
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
    cameras = [s for s in specs if s["type"] in CAMERAS]
    pixels = sum(int(s["width"]) * int(s["height"]) for s in cameras)
    if pixels > MAX_CAMERA_PIXELS:
        raise SensorConfigurationInvalid(
            f"cameras {[s['id'] for s in cameras]} render {pixels} px per tick together, over "
            f"the embedded world's budget of {MAX_CAMERA_PIXELS} px per agent"
        )
    counts = Counter(spec["type"] for spec in specs)
    for kind, limit in SENSOR_LIMITS[track].items():
        if counts[kind] > limit:
            ids = [s["id"] for s in specs if s["type"] == kind]
            raise SensorConfigurationInvalid(
                f"Too many {kind} used ({ids}): maximum for track {track.value} is {limit}, got {counts[kind]}"
            )
