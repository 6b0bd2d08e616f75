"""LiDAR, radar, semantic-segmentation and depth cameras: CARLA's formats, frames and scan pattern."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.types import ActorKind
from sim.world.camera_layers import decode_depth, encode_depth, semantic_image
from sim.world.lidar import Lidar
from sim.world.raycast import RayTargets
from sim.world.semantic import SemanticClass, TagSet
from sim.world.sensors import SensorSuite, SensorTrack
from sim.world.snapshot import EgoSnapshot, WorldSnapshot

MOUNT_Z = 2.5  # [m] above the ego's road height
LIDAR = {"type": "sensor.lidar.ray_cast", "id": "lidar", "x": 0.0, "y": 0.0, "z": MOUNT_Z, "roll": 0.0, "pitch": 0.0,
         "yaw": 0.0}  # fmt: skip


def ego_at(heading: float, speed: float = 0.0) -> EgoSnapshot:
    return EgoSnapshot(pose=np.array([0.0, 0.0, heading]), center=np.array([0.0, 0.0]), z=0.0, speed=speed,
                       acceleration=np.zeros(2), yaw_rate=0.0, dimensions=np.array([4.9, 2.1, 1.5]))  # fmt: skip


def scene(heading: float, actors: np.ndarray, speed: float = 0.0) -> tuple[WorldSnapshot, RayTargets]:
    snapshot = WorldSnapshot(0, 0.0, "Flat", ego_at(heading, speed), np.arange(len(actors)), actors, np.zeros(0))
    centers = np.vstack([np.column_stack([actors[:, :2], np.full(len(actors), 1.0)]), [[0.0, 0.0, 0.75]]])
    half = np.vstack([np.column_stack([actors[:, 4] / 2, actors[:, 5] / 2, np.full(len(actors), 1.0)]),
                      [[2.45, 1.05, 0.75]]])  # fmt: skip
    velocity = np.vstack([np.column_stack([actors[:, 3] * np.cos(actors[:, 2]), actors[:, 3] * np.sin(actors[:, 2]),
                                           np.zeros(len(actors))]),
                          [[speed * math.cos(heading), speed * math.sin(heading), 0.0]]])  # fmt: skip
    kinds = np.append(actors[:, 7], ActorKind.VEHICLE).astype(np.int64)
    return snapshot, RayTargets(centers, half, np.append(actors[:, 2], heading), velocity, kinds, 0.0)


def car_at(x: float, y: float, heading: float = 0.0, speed: float = 0.0) -> list[float]:
    return [x, y, heading, speed, 4.0, 2.0, 2.0, float(ActorKind.VEHICLE)]


@pytest.mark.parametrize("heading", [0.0, 1.1, -2.5])
def test_lidar_points_are_carla_formatted_in_the_sensor_frame(heading):
    # a car 10 m ahead-left of the ego in the ego's frame, placed in the world at the ego's heading
    c, s = math.cos(heading), math.sin(heading)
    ahead_left = np.array([10.0, 4.0])
    world_xy = np.array([c * ahead_left[0] - s * ahead_left[1], s * ahead_left[0] + c * ahead_left[1]])
    snapshot, targets = scene(heading, np.array([car_at(*world_xy, heading)]))
    spec = dict(LIDAR, upper_fov=-2.0, dropoff_general_rate=0.0, dropoff_zero_intensity=0.0,
                dropoff_intensity_limit=1.0)  # fmt: skip
    lidar = Lidar(spec, 0.05, np.random.default_rng(0))
    points = np.vstack([lidar.read(snapshot, targets) for _ in range(2)])  # two half sweeps: all around
    assert points.dtype == np.float32 and points.shape[1] == 4
    assert points.shape[0] == 2 * 64 * round(600000 * 0.05 / 64)  # nothing dropped, every ray reaches the ground
    ground = np.abs(points[:, 2] + MOUNT_Z) < 1e-3
    own_roof = (np.abs(points[:, 0]) < 2.46) & (np.abs(points[:, 1]) < 1.06)  # CARLA's LiDAR sees its own vehicle
    on_car = ~ground & ~own_roof
    # CARLA's left-handed sensor frame: x forward, y right; the car is at x 8..12, y -5..-3 (left = -y)
    assert on_car.any() and np.all(points[on_car, 0] > 7.9) and np.all(points[on_car, 0] < 12.1)
    assert np.all(points[on_car, 1] < -2.9) and np.all(points[on_car, 1] > -5.1)
    distance = np.linalg.norm(points[:, :3], axis=1)
    np.testing.assert_allclose(points[:, 3], np.exp(-0.004 * distance), rtol=1e-5)
    assert distance.max() <= 85.0 + 1e-3


def test_lidar_sweeps_half_a_turn_per_tick_and_honours_its_attributes():
    snapshot, targets = scene(0.0, np.zeros((0, 8)))
    no_drop = {"dropoff_general_rate": 0.0, "dropoff_zero_intensity": 0.0, "dropoff_intensity_limit": 1.0}
    spec = dict(LIDAR, channels=4, points_per_second=4000, rotation_frequency=20.0, upper_fov=-10.0, lower_fov=-40.0,
                range=30.0, **no_drop)  # fmt: skip
    lidar = Lidar(spec, 0.05, np.random.default_rng(0))
    points = lidar.read(snapshot, targets)  # 20 Hz at 20 Hz ticks: one full turn per tick
    assert points.shape[0] == 4 * 50
    elevation = np.degrees(np.arctan2(points[:, 2], np.hypot(points[:, 0], points[:, 1])))
    np.testing.assert_allclose(np.unique(elevation.round(3)), [-40.0, -30.0, -20.0, -10.0], atol=1e-3)
    azimuth = np.degrees(np.arctan2(points[:, 1], points[:, 0])) % 360.0
    assert azimuth.max() - azimuth.min() > 350.0
    assert np.linalg.norm(points[:, :3], axis=1).max() <= 30.0 + 1e-3  # the -10 deg ray reaches 14.4 m


def test_radar_reports_depth_altitude_azimuth_and_closing_speed(town01):
    snapshot, targets = scene(0.0, np.array([car_at(20.0, 0.0, 0.0, 2.0)]), speed=5.0)
    radar_spec = {"type": "sensor.other.radar", "id": "radar", "x": 2.0, "y": 0.0, "z": 1.0, "roll": 0.0,
                  "pitch": 0.0, "yaw": 0.0, "fov": 10}  # fmt: skip
    suite = SensorSuite.from_specs([radar_spec], town01, track=SensorTrack.LB1)
    radar = suite.rays["radar"]
    hits = radar.read(snapshot, targets)
    assert hits.dtype == np.float32 and hits.shape[1] == 4 and hits.shape[0] > 0
    height = 1.0 + hits[:, 0] * np.sin(hits[:, 1])  # [m] above the road: 0 on the ground
    on_car, ground = height > 1e-3, np.abs(height) <= 1e-3
    assert on_car.any() and ground.any() and np.all(on_car | ground)
    along = np.cos(hits[:, 2]) * np.cos(hits[:, 1])  # the ray's share of the x axis
    np.testing.assert_allclose(hits[on_car, 3], -3.0 * along[on_car], atol=1e-4)  # closing at 5 - 2 m/s
    np.testing.assert_allclose(hits[ground, 3], -5.0 * along[ground], atol=1e-4)
    np.testing.assert_allclose(hits[on_car, 0] * along[on_car], 16.0, atol=1e-3)  # the car's rear, 16 m ahead
    assert np.all(np.abs(hits[:, 2]) <= math.radians(5.0) + 1e-6)


def test_depth_is_carla_s_24_bit_code_and_decodes_back():
    depth = np.array([[0.0, 1.0, 12.345], [100.0, 999.9, 5000.0]])
    image = encode_depth(depth)
    assert image.dtype == np.uint8 and image.shape == (2, 3, 4) and np.all(image[..., 3] == 255)
    np.testing.assert_allclose(decode_depth(image), np.minimum(depth, 1000.0), atol=1000.0 / (256**3 - 1))


def on_lane_snapshot(network) -> WorldSnapshot:
    lane = int(np.flatnonzero((network.lane_junction_ids < 0) & (network.lane_lengths > 40))[0])
    x, y, heading = network.lane_points(lane)[10]
    ego = EgoSnapshot(pose=np.array([x, y, heading]), center=np.array([x, y]),
                      z=float(network.z[network.lane_offsets[lane] + 10]), speed=0.0, acceleration=np.zeros(2),
                      yaw_rate=0.0, dimensions=np.array([4.9, 2.1, 1.5]))  # fmt: skip
    lights = np.zeros(network.traffic_lights.count, dtype=np.int64)
    return WorldSnapshot(0, 0.0, network.name, ego, np.zeros(0, np.int64), np.zeros((0, 8)), lights)


def test_semantic_camera_writes_carla_s_tags_and_depth_its_code(town01):
    down = {"x": 0.0, "y": 0.0, "z": 2.5, "roll": 0.0, "pitch": -90.0, "yaw": 0.0, "width": 32, "height": 32, "fov": 60}
    specs = [dict(down, type="sensor.camera.semantic_segmentation", id="sem"),
             dict(down, type="sensor.camera.depth", id="depth")]  # fmt: skip
    suite = SensorSuite.from_specs(specs, town01, track=SensorTrack.LMDRIVE)  # LMDrive's fork: CARLA 0.9.10 tags
    data = suite.read(on_lane_snapshot(town01), frame=3)
    semantic = data["sem"][1]
    assert semantic.dtype == np.uint8 and semantic.shape == (32, 32, 4)
    assert np.all(semantic[..., :2] == 0) and semantic[16, 16, 2] == 7  # looking down at the lane: 0.9.10's Road
    np.testing.assert_allclose(decode_depth(data["depth"][1])[16, 16], 2.5, atol=0.05)
    classes = np.array([[SemanticClass.ROAD, SemanticClass.CAR]])
    np.testing.assert_array_equal(semantic_image(classes, TagSet.CARLA_0_9_14)[..., 2], [[1, 14]])  # 0.9.14+ ids
