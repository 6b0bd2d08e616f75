"""DriveVA's training clips: 2 Hz history ending now (first frame repeated at a route start), future frames
for flow matching, the expert plan on 8 x 0.5 s, the planner's own preprocessing."""

from __future__ import annotations

import numpy as np
import torch

from models.common.trajectory import resample_poses
from models.driveva import config as driveva_config
from models.driveva import inputs
from models.driveva.data import DriveVAClips, collate
from models.driveva.model import build_model

torch.set_num_threads(1)


def test_clip_frames_labels_and_ego_inputs(cpu_dataset) -> None:
    config = driveva_config.load("cpu")
    clips = DriveVAClips(cpu_dataset, config, split="train")
    episode, index = clips.episode(1), 12
    item = clips.build(episode, index, np.random.default_rng(0))
    assert item["frames"].shape == (13, 3, 64, 128)
    expected = [0, 0, 2, 7, 12, 17, 22, 27, 32, 37, 39, 39, 39]  # t-2 s..t clamped at 0, t+0.5..4 s at the end
    for k, sample in enumerate(expected):
        frame = inputs.model_frames(inputs.camera_frame(episode.image("rgb_front_narrow", sample), config))
        torch.testing.assert_close(item["frames"][k], frame)
    plan = resample_poses(episode.field("expert_trajectory")[index], 0.1, 8, 0.5)
    np.testing.assert_allclose(item["trajectory"].numpy(), plan, rtol=1e-6)
    assert item["velocity"].tolist() == [np.float32(episode.field("speed")[index]), 0.0]
    assert item["command"].item() == inputs.navsim_command(episode.field("command")[index])


def test_instructions_are_dropped_at_the_configured_rate(cpu_dataset) -> None:
    clips = DriveVAClips(cpu_dataset, driveva_config.load("cpu"), split="train")
    kept = [bool(clips.build(clips.episode(0), 5, np.random.default_rng(s))["instruction"]) for s in range(200)]
    assert 0.35 < np.mean(kept) < 0.65


def test_batches_train_the_model(cpu_dataset) -> None:
    config = driveva_config.load("cpu")
    clips = DriveVAClips(cpu_dataset, config, split="train")
    batch = collate([clips[0], clips[30]])
    torch.manual_seed(0)
    losses = build_model(config).loss(batch, torch.Generator().manual_seed(0))
    assert torch.isfinite(losses["loss"]) and batch["frames"].shape[0] == 2
