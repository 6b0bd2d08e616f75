"""LMGenDrive's training items: the frame history the planner would have buffered, the instruction and
notice, labels from the expert plan, and stage-1 targets on the BEV grid."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from models.common.driving_data import DrivingData
from models.common.driving_data.layout import BoxColumn
from models.common.trajectory import resample_poses
from models.lmgendrive import inputs, targets
from models.lmgendrive.config import load_lmgendrive_config
from models.lmgendrive.data import DriveClips, DriveCollate, VisionSamples, collate_vision
from models.lmgendrive.text import build_tokenizer

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def config():
    return load_lmgendrive_config("cpu")


def test_history_positions_subsample_from_the_oldest_and_keep_the_newest() -> None:
    assert inputs.history_positions(1, 4, 8) == [0]
    assert inputs.history_positions(6, 4, 8) == [0, 4, 5]
    assert inputs.history_positions(9, 4, 8) == [0, 4, 8]
    assert inputs.history_positions(40, 4, 3) == [32, 36, 39]


def test_the_buffer_starts_at_the_last_reset_and_wraps_at_its_size() -> None:
    resets = inputs.buffer_resets(["a", "a", "b", "b", "b", "b"], np.array([0, 0, 0, 1, 0, 0], bool))
    assert resets.tolist() == [True, False, True, False, True, False]
    assert [inputs.buffer_start(resets, i, 400) for i in range(6)] == [0, 0, 2, 2, 4, 4]
    assert inputs.buffer_start(np.zeros(10, bool), 9, 4) == 8  # a full buffer is cleared as the planner's


def test_notice_bookkeeping_follows_lmdrive() -> None:
    current = None
    for position, text in enumerate(["", "red light", "red light", "", "bike"]):
        current = inputs.update_notice(current, text, position)
        if position == 2:
            assert current == ("red light", 1)
    assert current == ("bike", 4)
    assert inputs.notice_slot([0, 4, 8], 5) == 1 and inputs.notice_slot([4, 8], 1) == 0


def test_drive_clip_is_what_the_planner_would_see(cpu_dataset, config) -> None:
    clips = DriveClips(cpu_dataset, config, split="train")
    episode, index = clips.episode(0), 37  # the instruction changed at sample 30
    item = clips.build(episode, index, np.random.default_rng(0))
    frames = [30 + p for p in inputs.history_positions(index - 30 + 1, 4, config.llm.max_frames)]
    assert item["images"].shape == (len(frames), 3, 3, 64, 64)
    expected = inputs.preprocess_views([episode.image(c.id, frames[-1]) for c in config.inputs.cameras], 64, 64)
    torch.testing.assert_close(item["images"][-1], expected)
    assert item["instruction"] == episode.field("instruction")[index]
    plan = resample_poses(episode.field("expert_trajectory")[index], 0.1, 5, 0.5)[:, :2]
    np.testing.assert_allclose(item["waypoints"][0].numpy(), plan, rtol=1e-6)
    assert item["future"].shape == (1, 3, 2, 3, 32, 32) and item["future"].abs().max() <= 1.0


def test_notices_are_inserted_after_their_frame_with_the_configured_probability(cpu_dataset, config) -> None:
    always = dataclasses.replace(config, inputs=dataclasses.replace(config.inputs, notice_probability=1.0))
    clips = DriveClips(cpu_dataset, always, split="train")
    item = clips.build(clips.episode(0), 14, np.random.default_rng(0))  # notice at sample 10, buffer from 0
    assert item["notice"] == "pedestrian ahead" and item["notice_after"] == 2  # frames 0, 4, 8 | 12, 14
    never = DriveClips(cpu_dataset, config, split="train")
    kept = [never.build(never.episode(0), 14, np.random.default_rng(s))["notice_after"] >= 0 for s in range(200)]
    assert 0.15 < np.mean(kept) < 0.35


def test_drive_batches_pad_histories_and_feed_the_model(cpu_dataset, config) -> None:
    from models.lmgendrive.model import LMGenDrive
    from models.lmgendrive.training import stage2_loss

    clips = DriveClips(cpu_dataset, config, split="train")
    batch = DriveCollate(build_tokenizer(config.llm), config)([clips[0], clips[20], clips[45]])
    assert batch.images.shape[1] == batch.frame_mask.shape[1] and batch.frame_mask.sum(1).tolist()[0] == 1
    torch.manual_seed(0)
    losses = stage2_loss(LMGenDrive(config), batch)
    assert torch.isfinite(losses["total"]) and set(losses) == {"waypoints", "completion", "diffusion", "total"}


def test_detection_target_marks_the_box_cell() -> None:
    vision = load_lmgendrive_config("cpu").vision  # 16 x 16 cells of 4 m over 64 m
    box = np.zeros((1, len(BoxColumn)))
    box[0, [BoxColumn.X, BoxColumn.Y, BoxColumn.LENGTH, BoxColumn.WIDTH, BoxColumn.SPEED]] = [11.345, -5.0, 4.5, 2, 3]
    out = targets.detection_targets(box, vision, bev_center_x=1.345)  # centre 10 m ahead, 5 m right
    cell = int(np.flatnonzero(out[:, 0])[0])
    assert divmod(cell, 16) == (5, 9)  # row (32 - 10) // 4, column (32 + 5) // 4
    np.testing.assert_allclose(out[cell, 1:], [0.0, 1.0, 0.0, 1.0, 4.5, 2.0, 3.0], atol=1e-6)  # cell centre y -6


def test_vision_samples_and_semantic_targets(cpu_dataset, config) -> None:
    samples = VisionSamples(cpu_dataset, config, split="train")
    batch = collate_vision([samples[3], samples[4]])
    assert batch.images.shape == (2, 3, 3, 64, 64) and batch.bev_semantic.shape == (2, 256, 9)
    raster = DrivingData(cpu_dataset).episode("ep000").bev(3)
    cells = targets.semantic_targets(raster, 1.0, config.vision)
    road = cells[:, 0].reshape(16, 16)  # the synthetic road covers raster columns 6-9: half of cells 1 and 2
    assert np.all(road[:, 1:3] == 0.5) and road[:, 0].max() == 0.0 and road[:, 3:].max() == 0.0
    with pytest.raises(ValueError, match="cannot give a 64.0 m grid"):
        targets.semantic_targets(raster[:, :32, :32], 1.0, config.vision)
