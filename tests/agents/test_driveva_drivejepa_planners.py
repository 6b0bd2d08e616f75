"""DriveVA and Drive-JEPA planners with tiny random weights: plans from fake observations, buffers, commands."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agents.base import Observation, Planner, RoadOption
from agents.drivejepa import DriveJEPAPlanner, DriveJEPAPlannerConfig
from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig, FrameHistory, navsim_command


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)


def observation(t: float, seed: int = 0, camera: str = "rgb_front", **kwargs) -> Observation:
    image = np.random.default_rng(seed).integers(0, 256, (90, 160, 3), dtype=np.uint8)
    return Observation(timestamp=t, speed=4.0, images={camera: image}, command=RoadOption.LEFT, **kwargs)


@pytest.fixture(scope="module")
def driveva() -> DriveVAPlanner:
    return DriveVAPlanner(DriveVAPlannerConfig(preset="tiny"))


@pytest.fixture(scope="module")
def drivejepa() -> DriveJEPAPlanner:
    return DriveJEPAPlanner(DriveJEPAPlannerConfig(preset="tiny"))


def test_frame_history_samples_a_regular_grid_ending_now() -> None:
    history = FrameHistory(num_frames=3, interval=0.5)
    for i in range(30):  # 10 Hz for 2.9 s
        history.push(0.1 * i, torch.tensor(float(i)))
    assert history.clip().tolist() == [19.0, 24.0, 29.0]
    assert len(history) <= 17  # frames older than 1.5 s (+ slack) are forgotten
    history.reset()
    history.push(0.0, torch.tensor(5.0))
    assert history.clip().tolist() == [5.0, 5.0, 5.0]  # start of a route: the first frame repeated


def test_commands_map_to_navsim() -> None:
    assert [navsim_command(c) for c in (1, 2, 3, 4, 5, 6, -1, 99)] == [0, 2, 1, 1, 0, 2, 3, 3]


def test_driveva_plans_finite_waypoints_and_keeps_its_history(driveva: DriveVAPlanner) -> None:
    assert isinstance(driveva, Planner)
    assert driveva.sensors()[0]["id"] == "rgb_front"
    driveva.reset()
    plans = [driveva.plan(observation(0.25 * i, seed=i, instruction="turn left" if i else None)) for i in range(6)]
    plan = plans[-1]
    assert plan.trajectory.shape == (8, 3) and plan.is_valid
    assert plan.sampling.num_poses == 8 and plan.sampling.interval_length == 0.5
    assert [p.info["history_frames"] for p in plans] == [1, 2, 3, 4, 5, 6]
    driveva.reset()
    assert driveva.plan(observation(10.0)).info["history_frames"] == 1


def test_drivejepa_returns_all_proposals_with_scores(drivejepa: DriveJEPAPlanner) -> None:
    assert isinstance(drivejepa, Planner)
    drivejepa.reset()
    plans = [drivejepa.plan(observation(0.25 * i, seed=i)) for i in range(4)]
    plan = plans[-1]
    assert plan.proposals.shape == (32, 8, 3) and plan.scores.shape == (32,)
    assert plan.chosen == int(np.argmax(plan.scores))
    assert np.array_equal(plan.trajectory, plan.proposals[plan.chosen]) and plan.is_valid
    assert np.all((plan.scores > 0) & (plan.scores < 1))
    assert plan.info["subscores"].shape == (32, 9)
    assert [p.info["history_frames"] for p in plans] == [1, 2, 3, 4]
    assert plan.with_choice(3).chosen == 3  # the agent layer may re-select


def test_drivejepa_clip_uses_the_frame_half_a_second_ago(drivejepa: DriveJEPAPlanner) -> None:
    drivejepa.reset()
    for i in range(6):
        drivejepa.plan(observation(0.1 * i, seed=i))
    clip = drivejepa.history.clip()
    times = [t for t, _ in drivejepa.history._frames]
    assert clip.shape[0] == 2 and times[-1] == pytest.approx(0.5)
    first = drivejepa.history._frames[times.index(0.0)][1]
    assert torch.equal(clip[0], first)


def test_missing_camera_is_a_clear_error(driveva: DriveVAPlanner, drivejepa: DriveJEPAPlanner) -> None:
    for planner in (driveva, drivejepa):
        with pytest.raises(KeyError, match="rgb_front"):
            planner.plan(observation(0.0, camera="rgb_left"))
