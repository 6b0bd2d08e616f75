"""LMGenDrive planner (tiny preset, random weights): finite waypoints, buffer kept and cleared as LMDrive."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.base import Observation, Planner
from agents.lmgendrive import LMGenDrivePlanner, LMGenDrivePlannerConfig, waypoints_to_poses

torch.set_num_threads(1)


def observation(planner: LMGenDrivePlanner, instruction: str | None, seed: int = 0) -> Observation:
    rng = np.random.default_rng(seed)
    images = {
        s["id"]: rng.integers(0, 256, size=(s["height"], s["width"], 3), dtype=np.uint8) for s in planner.sensors()
    }
    return Observation(timestamp=0.0, speed=3.0, images=images, instruction=instruction)


@pytest.fixture(scope="module")
def planner() -> LMGenDrivePlanner:
    return LMGenDrivePlanner(LMGenDrivePlannerConfig(preset="tiny", completion_threshold=1.1))  # never completes


def test_planner_returns_finite_waypoints_half_a_second_apart(planner: LMGenDrivePlanner) -> None:
    planner.reset()
    plan = planner.plan(observation(planner, "turn left at the next intersection"))
    assert isinstance(planner, Planner)
    assert plan.is_valid and plan.trajectory.shape == (5, 3)
    assert plan.sampling.interval_length == 0.5
    assert isinstance(plan.instruction_completed, bool)
    assert 0.0 <= plan.info["completion_probability"] <= 1.0


def test_sensors_are_three_224_capable_cameras_as_lmdrive_mounts(planner: LMGenDrivePlanner) -> None:
    sensors = planner.sensors()
    assert [s["yaw"] for s in sensors] == [-60.0, 0.0, 60.0]
    assert all(s["x"] == 1.3 and s["z"] == 2.3 and s["fov"] == 100.0 for s in sensors)
    assert all(min(s["width"], s["height"]) >= 224 for s in sensors)


def test_frame_buffer_grows_subsamples_and_clears_on_a_new_instruction(planner: LMGenDrivePlanner) -> None:
    planner.reset()
    frames = [planner.plan(observation(planner, "follow the lane", seed=i)).info["history_frames"] for i in range(6)]
    assert frames == [1, 2, 2, 2, 2, 3]  # buffer[::4] plus the newest
    plan = planner.plan(observation(planner, "change to the left lane"))
    assert plan.info["history_frames"] == 1


def test_completion_clears_the_buffer() -> None:
    always_done = LMGenDrivePlanner(LMGenDrivePlannerConfig(preset="tiny", completion_threshold=-1.0))
    plan = always_done.plan(observation(always_done, "go straight"))
    assert plan.instruction_completed and always_done._buffer == []


def test_missing_camera_is_a_clear_error(planner: LMGenDrivePlanner) -> None:
    obs = observation(planner, "stop")
    images = dict(obs.images)
    images.pop("rgb_front")
    with pytest.raises(KeyError, match="rgb_front"):
        planner.plan(Observation(timestamp=0.0, speed=0.0, images=images, instruction="stop"))


def test_waypoints_to_poses_heads_along_the_path() -> None:
    poses = waypoints_to_poses(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 1.0]]))
    np.testing.assert_allclose(poses[:, 2], [0.0, np.pi / 2, np.pi / 2])
