"""The sensor suite: leaderboard validation rules and the formats of every input_data entry."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.frames import compass_from_internal_heading
from sim.world.camera_rig import rig_specs, time_camera_rig
from sim.world.render_config import NoiseConfig, SensorConfig
from sim.world.sensors import (
    SensorConfigurationInvalid,
    SensorSuite,
    SensorTrack,
    UnsupportedSensorError,
    validate_sensor_specs,
)
from sim.world.snapshot import EgoSnapshot, WorldSnapshot

GNSS = {"type": "sensor.other.gnss", "id": "gps", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0, "pitch": 0, "yaw": 0}
IMU = {"type": "sensor.other.imu", "id": "imu", "x": 0.0, "y": 0.0, "z": 0.0, "roll": 0, "pitch": 0, "yaw": 0}
SPEED = {"type": "sensor.speedometer", "id": "speed", "reading_frequency": 20}
ODR = {"type": "sensor.opendrive_map", "id": "hd_map", "reading_frequency": 1}


def camera(sensor_id: str, **extra) -> dict:
    spec = {"type": "sensor.camera.rgb", "id": sensor_id, "x": 1.3, "y": 0.0, "z": 2.3, "roll": 0, "pitch": 0, "yaw": 0}
    spec.update({"width": 64, "height": 48, "fov": 100})
    spec.update(extra)
    return spec


def snapshot_on_lane(network, time: float = 0.0, speed: float = 4.0, yaw_rate: float = 0.2) -> WorldSnapshot:
    lane = int(np.flatnonzero((network.lane_junction_ids < 0) & (network.lane_lengths > 40))[0])
    x, y, heading = network.lane_points(lane)[10]
    ego = EgoSnapshot(
        pose=np.array([x - 1.4 * math.cos(heading), y - 1.4 * math.sin(heading), heading]),
        center=np.array([x, y]),
        z=float(network.z[network.lane_offsets[lane] + 10]),
        speed=speed,
        acceleration=np.array([1.5, 0.7]),
        yaw_rate=yaw_rate,
        dimensions=np.array([4.9, 2.1, 1.5]),
    )
    states = np.zeros(network.traffic_lights.count, dtype=np.int64)
    return WorldSnapshot(0, time, network.name, ego, np.zeros(0, np.int64), np.zeros((0, 8)), states)


@pytest.mark.parametrize(
    ("specs", "words"),
    [
        ([camera("a"), camera("a")], ["Duplicated", "'a'"]),
        ([{"type": "sensor.camera.depth", "id": "d"}], ["Illegal", "'d'", "sensor.camera.depth"]),
        ([camera("far", x=2.5, z=2.0)], ["extrinsics", "'far'", "sensor.camera.rgb"]),
        ([{k: v for k, v in camera("nofov").items() if k != "fov"}], ["'nofov'", "fov"]),
        ([{k: v for k, v in ODR.items() if k != "reading_frequency"}], ["'hd_map'", "reading_frequency"]),
        ([camera(f"c{i}") for i in range(5)], ["Too many", "sensor.camera.rgb"]),
        ([GNSS, dict(GNSS, id="gps2")], ["Too many", "sensor.other.gnss"]),
        ([camera("bad", fov=190)], ["'bad'", "fov"]),
        ([{"id": "x"}], ["#0"]),
    ],
)
def test_invalid_specs_are_rejected_naming_the_sensor(specs, words):
    with pytest.raises(SensorConfigurationInvalid) as error:
        validate_sensor_specs(specs, SensorTrack.LB1)
    for word in words:
        assert word in str(error.value)


def test_limits_depend_on_the_track():
    five = [camera(f"c{i}") for i in range(5)]
    validate_sensor_specs(five, SensorTrack.LB2)
    validate_sensor_specs(five, "2.0")
    with pytest.raises(SensorConfigurationInvalid, match="Too many"):
        validate_sensor_specs(five, SensorTrack.LB2_QUALIFIER)
    with pytest.raises(SensorConfigurationInvalid, match="Too many"):
        validate_sensor_specs([camera(f"c{i}") for i in range(9)], SensorTrack.LB2)
    lidars = [{"type": "sensor.lidar.ray_cast", "id": f"l{i}", "x": 0, "y": 0, "z": 2.5} for i in range(2)]
    validate_sensor_specs(lidars, SensorTrack.LB2)
    with pytest.raises(SensorConfigurationInvalid, match="Too many"):
        validate_sensor_specs(lidars, SensorTrack.LB1)
    with pytest.raises(SensorConfigurationInvalid, match="SENSORS track"):
        validate_sensor_specs([ODR], SensorTrack.LB1, map_track=False)
    with pytest.raises(ValueError, match="unknown sensor track"):
        validate_sensor_specs([GNSS], "3.0")


def test_semantic_and_depth_cameras_follow_lmdrive_s_fork_and_semantic_lidar_is_not_emulated(town01):
    top_down = camera("map", type="sensor.camera.semantic_segmentation", z=100.0, pitch=-90.0)
    depth = camera("depth", type="sensor.camera.depth")
    with pytest.raises(SensorConfigurationInvalid, match="Illegal sensor used.*'depth'"):
        validate_sensor_specs([depth], SensorTrack.LB2)  # the official leaderboards allow RGB cameras only
    with pytest.raises(SensorConfigurationInvalid, match="extrinsics.*'map'"):
        validate_sensor_specs([dict(top_down, type="sensor.camera.rgb")], SensorTrack.LB1)
    SensorSuite.from_specs([top_down, depth, GNSS], town01, track=SensorTrack.LMDRIVE)  # LMDrive's fork: legal
    semantic_lidar = {"type": "sensor.lidar.ray_cast_semantic", "id": "slidar", "x": 0, "y": 0, "z": 2.5}
    validate_sensor_specs([semantic_lidar], SensorTrack.LMDRIVE)
    with pytest.raises(UnsupportedSensorError, match="'slidar'"):
        SensorSuite.from_specs([semantic_lidar], town01, track=SensorTrack.LMDRIVE)


def test_input_data_formats(town01):
    specs = [camera("front"), GNSS, IMU, SPEED, ODR]
    suite = SensorSuite.from_specs(specs, town01)
    snap = snapshot_on_lane(town01)
    data = suite.read(snap, frame=7)
    assert set(data) == {"front", "gps", "imu", "speed", "hd_map"}
    assert all(frame == 7 for frame, _ in data.values())
    image = data["front"][1]
    assert image.dtype == np.uint8 and image.shape == (48, 64, 4)
    assert np.all(image[..., 3] == 255)
    gps = data["gps"][1]
    assert gps.dtype == np.float64 and gps.shape == (3,)
    np.testing.assert_allclose(town01.geo.gps_to_internal(gps), snap.ego.center, atol=1e-6)
    assert data["speed"][1] == {"speed": pytest.approx(4.0)}
    assert data["hd_map"][1]["opendrive"].lstrip().startswith("<?xml")


def test_imu_in_carla_frame(town01):
    suite = SensorSuite.from_specs([IMU], town01)
    right = SensorSuite.from_specs([dict(IMU, id="imu_right", yaw=90.0)], town01)
    snap = snapshot_on_lane(town01, yaw_rate=0.2)
    imu = suite.read(snap, 0)["imu"][1]
    assert imu.dtype == np.float64 and imu.shape == (7,)
    np.testing.assert_allclose(imu[:3], [1.5, -0.7, 9.81])  # lateral left (internal) is CARLA -y
    np.testing.assert_allclose(imu[3:6], [0.0, 0.0, -0.2], atol=1e-12)  # CCW yaw rate is CARLA's -z
    assert imu[6] == pytest.approx(compass_from_internal_heading(snap.ego.pose[2]))
    turned = right.read(snap, 0)["imu_right"][1]
    assert (turned[6] - imu[6]) % (2 * math.pi) == pytest.approx(math.pi / 2)  # yaw right: compass clockwise
    np.testing.assert_allclose(turned[:2], [-0.7, -1.5], atol=1e-12)  # x now points right, y backwards


def test_speedometer_is_signed_and_opendrive_keeps_its_rate(town01):
    suite = SensorSuite.from_specs([SPEED, ODR], town01)
    assert suite.read(snapshot_on_lane(town01, 0.0, speed=-1.2), 0)["speed"][1]["speed"] == pytest.approx(-1.2)
    assert "hd_map" not in suite.read(snapshot_on_lane(town01, 0.05), 1)
    assert "hd_map" in suite.read(snapshot_on_lane(town01, 1.0), 20)


def test_noise_is_off_by_default_and_seeded_when_on(town01):
    snap = snapshot_on_lane(town01)
    clean = SensorSuite.from_specs([GNSS, IMU], town01).read(snap, 0)
    noisy = SensorConfig(noise=NoiseConfig(gnss=True, imu=True, seed=5))
    first = SensorSuite.from_specs([GNSS, IMU], town01, noisy).read(snap, 0)
    second = SensorSuite.from_specs([GNSS, IMU], town01, noisy).read(snap, 0)
    np.testing.assert_array_equal(first["gps"][1], second["gps"][1])
    np.testing.assert_array_equal(first["imu"][1], second["imu"][1])
    assert not np.array_equal(first["gps"][1], clean["gps"][1])
    assert not np.array_equal(first["imu"][1][:6], clean["imu"][1][:6])


def test_rendering_is_deterministic_and_timing_helper_reports(town01):
    snap = snapshot_on_lane(town01)
    suite = SensorSuite.from_specs(rig_specs(96, 96), town01)
    a, b = suite.read(snap, 0), suite.read(snap, 0)
    for key in a:
        np.testing.assert_array_equal(a[key][1], b[key][1])
    timing = time_camera_rig(town01, snap, n_frames=2, width=96, height=96)
    assert timing["single_camera_ms"] > 0 and timing["rig_ms"] > 0 and timing["town"] == "Town01"
