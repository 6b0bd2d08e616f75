"""NAVSIM adapter without NAVSIM: AgentInput -> Observation (camera names, commands), ScoringScene -> Observation."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from agents import pdm_closed, registry
from agents.adapters import navsim_agent, navsim_camera
from agents.base import RoadOption
from sim.types import StateIndex
from tests.data_guard import missing_data


def fake_agent_input() -> SimpleNamespace:
    statuses = [
        SimpleNamespace(
            ego_pose=np.array([-1.5 * (3 - k) * 4.0, 0.0, 0.0], dtype=np.float32),
            ego_velocity=np.array([3.0, 4.0], dtype=np.float32),
            ego_acceleration=np.array([0.5, -0.1], dtype=np.float32),
            driving_command=np.array([0, 0, 1, 0]),
        )
        for k in range(4)
    ]
    cams = SimpleNamespace(cam_f0=SimpleNamespace(image=np.zeros((4, 6, 3), dtype=np.uint8)), cam_b0=None)
    return SimpleNamespace(ego_statuses=statuses, cameras=[cams] * 4, lidars=[])


def test_observation_from_agent_input() -> None:
    obs = navsim_camera.observation_from_agent_input(fake_agent_input())
    assert obs.speed == pytest.approx(5.0) and obs.command == RoadOption.RIGHT
    assert obs.pose_history.shape == (4, 3) and np.allclose(obs.pose_history[-1], 0.0)
    assert set(obs.images) == {"cam_f0"} and obs.images["cam_f0"].shape == (4, 6, 3)
    plan = registry.make_planner("constant_velocity").plan(obs)
    assert plan.trajectory[-1, 0] == pytest.approx(20.0)


def test_planner_cameras_are_named_as_the_planner_names_them() -> None:
    obs = navsim_camera.observation_from_agent_input(fake_agent_input(), {"rgb_front": "cam_f0"}, frame=1)
    assert set(obs.images) == {"rgb_front"} and obs.timestamp == pytest.approx(-1.0)
    assert obs.pose_history.shape == (2, 3)


def test_camera_maps_follow_the_planners_sensors() -> None:
    lmgendrive_like = [{"type": "sensor.camera.rgb", "id": name} for name in ("rgb_left", "rgb_front", "rgb_right")]
    assert navsim_camera.camera_map_for(lmgendrive_like) == {"rgb_left": "cam_l0", "rgb_front": "cam_f0",
                                                             "rgb_right": "cam_r0"}  # fmt: skip
    assert navsim_camera.camera_map_for(lmgendrive_like, {"rgb_left": "cam_l1"})["rgb_left"] == "cam_l1"
    with pytest.raises(ValueError, match="planner camera 'rgb_top' has no NAVSIM camera"):
        navsim_camera.camera_map_for([{"type": "sensor.camera.rgb", "id": "rgb_top"}])
    with pytest.raises(ValueError, match="NAVSIM cameras are"):
        navsim_camera.camera_map_for(lmgendrive_like, {"rgb_left": "cam_x9"})


def test_navsim_commands() -> None:
    assert navsim_camera.command_from_one_hot([0, 0, 0, 1]) == RoadOption.LANEFOLLOW
    assert navsim_camera.command_from_one_hot([1, 0, 0, 0]) == RoadOption.LEFT
    assert navsim_camera.navsim_command_index([0, 0, 1, 0]) == 2
    assert navsim_camera.navsim_command_index([0, 0, 0, 0]) == 3


def test_scoring_scene_observation_drives_pdm_proposals(data_dir: Path) -> None:
    from sim.scoring.scene_io import load_scoring_scene

    scene_files = sorted((data_dir / "navsim_parity").glob("*/scene_v2.json"))
    if not scene_files:
        missing_data("no parity scenes in the data directory")
    scene = load_scoring_scene(scene_files[0])
    obs = navsim_agent.observation_from_scoring_scene(scene)
    assert obs.speed == pytest.approx(np.hypot(scene.ego_init[StateIndex.VX], scene.ego_init[StateIndex.VY]))
    assert np.allclose(obs.pose_history[-1], 0.0, atol=1e-6)  # the last past pose is now
    centerline = obs.route
    assert obs.scene is scene
    assert np.min(np.linalg.norm(centerline, axis=-1)) < 5.0  # the route passes by the ego
    proposals = pdm_closed.generate_proposals(centerline, obs.speed)
    assert proposals.shape == (15, 40, 3) and np.all(np.isfinite(proposals))
