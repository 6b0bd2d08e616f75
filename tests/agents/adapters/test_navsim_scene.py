"""NAVSIM Scene -> ScoringScene for privileged planners: route, centerline, map, objects now, lights."""

from __future__ import annotations

import numpy as np
import pytest

from agents.adapters.navsim_scene import scene_from_navsim
from sim.types import AgentType, MapLayer, PastIndex, StateIndex, TrackStateIndex
from tests.agents.adapters.navsim_stand_ins import Annotations, make_scene


def test_route_map_and_ego_from_the_current_frame() -> None:
    scene = make_scene(speed=8.0, lead_x=30.0, cameras=())
    scoring = scene_from_navsim(scene)
    assert set(scoring.route_lane_ids) == {f"lane{block}_{row}" for block in (0, 1) for row in range(3)}
    assert scoring.centerline[0, 0] == -60.0 and scoring.centerline[-1, 0] == 200.0
    assert np.all(scoring.centerline[:, 1] == 0.0) and np.all(np.diff(scoring.centerline[:, 0]) > 0)
    assert sorted(MapLayer(layer).name for layer in set(scoring.map_polygons.layers)) == ["LANE", "ROADBLOCK"]
    assert scoring.ego_init[StateIndex.VX] == 8.0 and scoring.ego_init[StateIndex.X] == 0.0
    np.testing.assert_allclose(scoring.ego_past[:, PastIndex.T], [-1.5, -1.0, -0.5, 0.0])
    assert scoring.agents.num_frames == 41 and scoring.agents.types.tolist() == [AgentType.VEHICLE]


def test_objects_now_move_at_constant_velocity_in_the_global_frame() -> None:
    scene = make_scene(cameras=())
    now = scene.scene_metadata.num_history_frames - 1
    frame = scene.frames[now]
    frame.ego_status.ego_pose = np.array([10.0, 5.0, np.pi / 2])
    frame.annotations = Annotations(
        boxes=np.array([[4.0, 0.0, 0.0, 4.5, 2.0, 1.6, 0.0], [0.0, -3.0, 0.0, 0.5, 0.5, 1.0, 0.0]]),
        names=["vehicle", "traffic_cone"],
        velocity_3d=np.array([[2.0, 0.0, 0.0], [5.0, 0.0, 0.0]]),
        instance_tokens=["i0", "i1"],
        track_tokens=["car", "cone"],
    )
    frame.traffic_lights = [("lc_red", True), ("lc_green", False)]
    scoring = scene_from_navsim(scene)
    car, cone = scoring.agents.states
    np.testing.assert_allclose(car[0, [TrackStateIndex.X, TrackStateIndex.Y]], [10.0, 9.0], atol=1e-12)
    assert car[0, TrackStateIndex.HEADING] == pytest.approx(np.pi / 2)
    np.testing.assert_allclose(car[10, :2] - car[0, :2], [0.0, 2.0], atol=1e-12)  # 1 s at 2 m/s along +y
    np.testing.assert_allclose(cone[40, :2], cone[0, :2])  # static objects stay
    assert scoring.agents.types.tolist() == [AgentType.VEHICLE, AgentType.TRAFFIC_CONE]
    assert scoring.red_light_tokens.tolist() == ["lc_red"] and scoring.red_light_frames.all()


def test_a_scene_without_route_lanes_is_refused() -> None:
    scene = make_scene(cameras=())
    scene.frames[scene.scene_metadata.num_history_frames - 1].roadblock_ids = ["nowhere"]
    with pytest.raises(ValueError, match=r"roadblock ids \['nowhere'\] give no lanes"):
        scene_from_navsim(scene)
