"""Defaults of the embedded world's sensors and camera renderer, in frozen dataclasses.

Colours are RGB [0..255] (the camera converts to CARLA's BGRA at the end). Sizes are [m]. The
looks are modelling choices of this package (a clean, CARLA-like town without buildings); the
noise values are the leaderboard's (specs/carla_leaderboard.md 1.3).
"""

from __future__ import annotations

from dataclasses import dataclass, field

RGB = tuple[int, int, int]


@dataclass(frozen=True)
class RenderConfig:
    """How the camera renderer draws the world.

    Attributes:
        view_range: [m] nothing farther than this from the camera is drawn (fog hides the cut).
        fog_start: [m] distance where colours start fading into the haze colour.
        near: [m] near clipping plane.
        chunk_segments: centreline segments (about 1 m each) per road / marking polygon; smaller
            chunks cull more precisely, larger ones mean fewer polygons.
        road_margin: [m] lane polygons are widened by this on each side so neighbours overlap.
        sidewalk_width: [m] band drawn outside road edges.
        marking_width: [m] lane-marking line width.
        dash_length, dash_period: [m] dashed lines: painted length and repeat distance.
        centre_gap: [m] half the gap between the two yellow lines of a centre line.
        stop_line_width: [m] depth of a stop line along the lane.
        crosswalk_stripe, crosswalk_period: [m] zebra stripe width and repeat distance.
        pole_height: [m] traffic light pole; the housing sits on top.
        housing_size: [m] depth, width, height of a traffic light housing.
        lamp_size: [m] side of one lamp square.
        sun: direction towards the light (x, y, z), for face shading.
        ambient: share of a face's colour that is always lit.
        supersample: render at this many times the resolution and average down (anti-aliasing).
    """

    view_range: float = 100.0
    fog_start: float = 35.0
    near: float = 0.1
    chunk_segments: int = 6
    road_margin: float = 0.05
    sidewalk_width: float = 2.5
    marking_width: float = 0.15
    dash_length: float = 3.0
    dash_period: float = 9.0
    centre_gap: float = 0.12
    stop_line_width: float = 0.4
    crosswalk_stripe: float = 0.5
    crosswalk_period: float = 1.0
    pole_height: float = 3.2
    housing_size: tuple[float, float, float] = (0.35, 0.45, 1.15)
    lamp_size: float = 0.3
    sun: tuple[float, float, float] = (0.35, 0.45, 0.82)
    ambient: float = 0.55
    supersample: int = 2
    sky_top: RGB = (70, 125, 200)
    sky_horizon: RGB = (190, 205, 220)
    offroad: RGB = (96, 112, 80)
    sidewalk: RGB = (150, 146, 140)
    road: RGB = (72, 72, 76)
    junction: RGB = (78, 77, 80)
    marking_white: RGB = (225, 225, 220)
    marking_yellow: RGB = (220, 180, 40)
    crosswalk: RGB = (215, 215, 210)
    vehicle_palette: tuple[RGB, ...] = (
        (170, 30, 30),
        (30, 60, 150),
        (210, 210, 210),
        (30, 30, 30),
        (120, 120, 125),
        (30, 110, 60),
        (200, 150, 30),
        (100, 40, 110),
    )
    emergency: RGB = (240, 240, 240)
    emergency_stripe: RGB = (220, 20, 20)
    window: RGB = (40, 50, 65)
    bicycle: RGB = (20, 120, 160)
    walker_palette: tuple[RGB, ...] = ((40, 60, 120), (140, 30, 40), (60, 60, 60), (200, 170, 60), (60, 120, 80))
    skin: RGB = (220, 180, 150)
    static: RGB = (240, 110, 20)
    pole: RGB = (60, 62, 66)
    housing: RGB = (35, 35, 38)
    lamp_off: RGB = (20, 22, 24)
    lamp_red: RGB = (255, 30, 20)
    lamp_yellow: RGB = (255, 200, 0)
    lamp_green: RGB = (40, 255, 90)


@dataclass(frozen=True)
class NoiseConfig:
    """Sensor noise; off by default (LMDrive comments the GNSS noise out), seeded when on.

    Attributes:
        gnss: add Gaussian noise to latitude, longitude and altitude.
        gnss_std: [deg, deg, m] standard deviations (the leaderboard's 0.000005 for all three).
        imu: add Gaussian noise to the accelerometer and gyroscope.
        accel_std: [m/s^2] x, y, z (the leaderboard's 0.001, 0.001, 0.015).
        gyro_std: [rad/s] x, y, z (the leaderboard's 0.001).
        seed: seed of the noise generator.
    """

    gnss: bool = False
    gnss_std: tuple[float, float, float] = (0.000005, 0.000005, 0.000005)
    imu: bool = False
    accel_std: tuple[float, float, float] = (0.001, 0.001, 0.015)
    gyro_std: tuple[float, float, float] = (0.001, 0.001, 0.001)
    seed: int = 0


@dataclass(frozen=True)
class SensorConfig:
    """Everything the sensor suite needs besides the specs.

    Attributes:
        render: camera look and range.
        noise: GNSS / IMU noise.
        gravity: [m/s^2] the accelerometer's z reading at rest (CARLA: +9.81).
        max_mount_radius: [m] the leaderboard's limit on sqrt(x^2 + y^2 + z^2) of a mount.
    """

    render: RenderConfig = field(default_factory=RenderConfig)
    noise: NoiseConfig = field(default_factory=NoiseConfig)
    gravity: float = 9.81
    max_mount_radius: float = 3.0


DEFAULT_RENDER_CONFIG = RenderConfig()
DEFAULT_SENSOR_CONFIG = SensorConfig()
