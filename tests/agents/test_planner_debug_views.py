"""The planners' debug_view(): imagined futures as uint8 frames, without changing the plan."""

from __future__ import annotations

import numpy as np
import torch

from agents.base import DebugView
from agents.driveva import DriveVAPlanner, DriveVAPlannerConfig
from agents.lmgendrive import LMGenDrivePlanner, LMGenDrivePlannerConfig
from tests.agents.test_driveva_drivejepa_planners import observation as front_observation
from tests.agents.test_lmgendrive_planner import observation as three_camera_observation

torch.set_num_threads(1)


def test_driveva_shows_the_video_it_denoised_with_its_trajectory() -> None:
    planner = DriveVAPlanner(DriveVAPlannerConfig(preset="tiny"))
    assert planner.debug_view() is None, "nothing before the first plan"
    planner.plan(front_observation(0.0))
    view = planner.debug_view()
    frames = view.imagined["rgb_front"]
    cfg = planner.model_config
    assert isinstance(view, DebugView) and frames.dtype == np.uint8 and frames.ndim == 4 and frames.shape[-1] == 3
    assert frames.shape[1:3] == (cfg.image_height, cfg.image_width) and frames.shape[0] >= 1
    planner.reset()
    assert planner.debug_view() is None


def test_lmgendrive_imagines_its_future_only_when_asked_and_plans_the_same() -> None:
    plain = LMGenDrivePlanner(LMGenDrivePlannerConfig(preset="tiny", completion_threshold=1.1))
    dreaming = LMGenDrivePlanner(
        LMGenDrivePlannerConfig(preset="tiny", completion_threshold=1.1, imagine=True, imagine_steps=2)
    )
    obs = three_camera_observation(plain, "follow the lane")
    plan = plain.plan(obs)
    assert plain.debug_view() is None
    dreamed = dreaming.plan(obs)
    assert np.allclose(plan.trajectory, dreamed.trajectory, atol=1e-5), "imagining does not change the plan"
    imagined = dreaming.debug_view().imagined
    world = dreaming.model_config.world
    assert list(imagined) == [camera.id for camera in dreaming.model_config.inputs.cameras]
    first = imagined["rgb_left"]
    assert first.dtype == np.uint8 and first.shape == (world.num_future_frames, world.image_size, world.image_size, 3)
