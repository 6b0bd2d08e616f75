"""The camera renderer: mount conventions, clipping and fill kernels, what a real town looks like, BEV raster."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from sim.kernels.render_raster import fill_polygons_kernel, frustum_planes_kernel, project_polygons_kernel
from sim.types import ActorKind, LightState
from sim.world.bev_raster import BevChannel, bev_raster
from sim.world.camera import CameraModel, carla_mount_rotation
from sim.world.camera_rig import camera_spec, rig_specs
from sim.world.render_config import RenderConfig
from sim.world.sensors import SensorSuite
from sim.world.snapshot import EgoSnapshot, WorldSnapshot


def test_mount_rotation_follows_carla():
    np.testing.assert_allclose(carla_mount_rotation(0, -90, 0)[:, 0], [0, 0, -1], atol=1e-12)  # pitch down
    np.testing.assert_allclose(carla_mount_rotation(0, 0, 90)[:, 0], [0, -1, 0], atol=1e-12)  # yaw right
    np.testing.assert_allclose(carla_mount_rotation(90, 0, 0)[:, 1], [0, 0, 1], atol=1e-12)  # roll: right side down
    rot = carla_mount_rotation(10, -20, 35)
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-12)
    assert np.linalg.det(rot) == pytest.approx(1.0)


def test_projection_matches_carla_intrinsics():
    model = CameraModel.from_spec(camera_spec("c", yaw=60.0, width=200, height=100, fov=90))
    assert model.focal == pytest.approx(100.0)
    position, world_to_camera = model.pose(np.zeros(2), 0.0, 0.0)
    np.testing.assert_allclose(position, [1.3, 0.0, 2.3])
    ahead = position + 10 * np.array([math.cos(-math.pi / 3), math.sin(-math.pi / 3), 0.0])  # 60 deg to the right
    u, v, depth = model.project(ahead[None], position, world_to_camera)[0]
    assert (u, v, depth) == pytest.approx((100.0, 50.0, 10.0))
    left_up = ahead + np.array([0.0, 1.0, 1.0])
    u2, v2, _ = model.project(left_up[None], position, world_to_camera)[0]
    assert u2 < 100.0 and v2 < 50.0


def _clip(polygon: np.ndarray, near: float = 0.5):
    planes = frustum_planes_kernel(50.0, 50.0, 50.0, 100, 100, near)
    rotation = np.eye(3)  # world axes are camera axes: x forward, y left, z up
    offsets = np.array([0, polygon.shape[0]], dtype=np.int64)
    return project_polygons_kernel(polygon, offsets, np.array([0]), rotation, np.zeros(3), planes, 50.0, 50.0, 50.0)


def test_clipping_against_the_near_plane():
    ground = np.array([[-5.0, 3.0, -1.0], [20.0, 3.0, -1.0], [20.0, -3.0, -1.0], [-5.0, -3.0, -1.0]])
    xy, offsets, kept = _clip(ground)
    assert kept.tolist() == [0] and offsets[-1] >= 4
    assert np.all(np.isfinite(xy)) and xy[:, 1].max() >= 100.0  # reaches the bottom edge, no wrap-around
    behind = ground - np.array([30.0, 0.0, 0.0])
    assert _clip(behind)[2].size == 0
    image = np.zeros((100, 100, 3), np.uint8)
    fill_polygons_kernel(image, xy, offsets, np.full((1, 3), 255.0), np.zeros(1), np.zeros((100, 100)), np.zeros(3))
    assert np.all(image[-1, 30:70] == 255) and np.all(image[:50] == 0)  # the road under the camera, nothing above


def test_fill_uses_pixel_centres_without_cracks_or_overlap():
    image = np.zeros((20, 20, 3), np.uint8)
    left = [[2.0, 2.0], [7.3, 2.0], [7.3, 12.0], [2.0, 12.0]]
    right = [[7.3, 2.0], [15.0, 2.0], [15.0, 12.0], [7.3, 12.0]]
    xy = np.array(left + right)
    offsets = np.array([0, 4, 8], dtype=np.int64)
    colors = np.array([[100.0, 0, 0], [0, 100.0, 0]])
    fill_polygons_kernel(image, xy, offsets, colors, np.zeros(2), np.zeros((20, 20)), np.zeros(3))
    assert (image[..., 0] == 100).sum() == 5 * 10 and (image[..., 1] == 100).sum() == 8 * 10
    assert ((image[..., 0] > 0) & (image[..., 1] > 0)).sum() == 0


def _scene(network, actors=(), state=LightState.RED, light=0, back=25, size=(320, 240), fov=60.0):
    """Ego on the approach lane of ``light``, ``back`` samples before the junction; actors by (ahead [m], kind)."""
    lane = int(network.lane_predecessors(int(network.traffic_lights.controlled_lanes(light)[0]))[0])
    points = network.lane_points(lane)
    i = max(0, len(points) - back)
    x, y, heading = points[i]
    z = float(network.z[network.lane_offsets[lane] + i])
    ego = EgoSnapshot(np.array([x, y, heading]), np.array([x, y]), z, 0.0, np.zeros(2), 0.0, np.array([4.9, 2.1, 1.5]))
    rows = [
        [x + d * math.cos(heading), y + d * math.sin(heading), heading, 0, 4.5, 1.9, 1.5, kind] for d, kind in actors
    ]
    actors_array = np.array(rows, dtype=np.float64).reshape(-1, 8)
    states = np.full(network.traffic_lights.count, state, dtype=np.int64)
    snap = WorldSnapshot(0, 0.0, network.name, ego, np.arange(len(rows)), actors_array, states)
    spec = camera_spec("front", 0.0, *size, fov=fov)
    return snap, SensorSuite.from_specs([spec], network)


def _rgb(image: np.ndarray) -> np.ndarray:
    return image[..., 2::-1].astype(int)  # BGRA -> RGB


def test_town_view_has_sky_road_and_markings(town01):
    snap, suite = _scene(town01)
    image = _rgb(suite.read(snap, 0)["front"][1])
    config = RenderConfig()
    sky = image[0, image.shape[1] // 2]
    assert sky[2] > sky[0] + 40  # blue above
    bottom = image[-1, image.shape[1] // 2]
    assert np.abs(bottom - np.array(config.road)).max() <= 10  # asphalt straight ahead, below the camera
    yellow = (image[..., 0] > 180) & (image[..., 1] > 140) & (image[..., 2] < 90)
    white = (image > 200).all(axis=-1)
    assert yellow.sum() > 20 and white.sum() > 20  # centre line and edge line


@pytest.mark.parametrize(("state", "channel"), [(LightState.RED, 0), (LightState.GREEN, 1)])
def test_light_state_is_visible(town01, state, channel):
    snap, suite = _scene(town01, state=state, size=(640, 480), fov=60.0)
    image = _rgb(suite.read(snap, 0)["front"][1])
    lamp = (image[..., channel] > 200) & (np.delete(image, channel, axis=-1).max(axis=-1) < 110)
    assert lamp.sum() >= 4


def test_vehicles_are_drawn_far_to_near_and_clipped_behind(town01):
    empty_snap, suite = _scene(town01)
    empty = suite.read(empty_snap, 0)["front"][1]
    snap, _ = _scene(town01, actors=[(8.0, ActorKind.VEHICLE), (20.0, ActorKind.VEHICLE)])  # ids 0 red, 1 blue
    image = _rgb(suite.read(snap, 0)["front"][1])
    h, w = image.shape[:2]
    body = image[int(h * 0.9), w // 2]  # the body below the dark cabin
    assert body[0] > 2 * body[2]  # the near red car hides the far blue one
    behind, _ = _scene(town01, actors=[(-6.0, ActorKind.VEHICLE)])
    np.testing.assert_array_equal(suite.read(behind, 0)["front"][1], empty)


def test_walkers_and_static_props_change_the_image(town05):
    empty_snap, suite = _scene(town05)
    empty = suite.read(empty_snap, 0)["front"][1]
    for kind in (ActorKind.WALKER, ActorKind.STATIC, ActorKind.BICYCLE, ActorKind.EMERGENCY):
        snap, _ = _scene(town05, actors=[(10.0, kind)])
        changed = np.any(suite.read(snap, 0)["front"][1] != empty, axis=-1)
        assert changed[:, changed.shape[1] // 2 - 5 : changed.shape[1] // 2 + 5].sum() > 30, kind


def test_bev_raster_channels(town01):
    snap, _ = _scene(town01, actors=[(10.0, ActorKind.VEHICLE)], back=12)
    bev = bev_raster(snap, town01, size_px=128, metres_per_px=0.5)
    assert bev.shape == (128, 128, len(BevChannel)) and bev.dtype == bool
    assert bev[64, 64, BevChannel.EGO] and bev[64, 64, BevChannel.ROAD]
    vehicle_rows = np.flatnonzero(bev[..., BevChannel.VEHICLES].any(axis=1))
    assert vehicle_rows.size and vehicle_rows.mean() == pytest.approx(64 - 20, abs=3)  # 10 m ahead is up
    assert bev[..., BevChannel.RED_LIGHTS].any() and not bev[..., BevChannel.GREEN_LIGHTS].any()
    assert bev[..., BevChannel.LANE_MARKINGS].any()


def test_right_camera_sees_what_is_on_the_right(town05):
    snap, _ = _scene(town05)
    suite = SensorSuite.from_specs(rig_specs(96, 96), town05)
    empty = suite.read(snap, 0)
    x, y, heading = snap.ego.pose
    right = np.array([[x + 12 * math.sin(heading), y - 12 * math.cos(heading), heading, 0, 4.5, 1.9, 1.5, 0]])
    seen = suite.read(replace(snap, actors=right, actor_ids=np.array([0])), 0)
    changed = {key: bool(np.any(seen[key][1] != empty[key][1])) for key in seen}
    assert changed == {"rgb_left": False, "rgb_front": False, "rgb_right": True}
