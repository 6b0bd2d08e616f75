"""LMGenDrive training stages: which parameters train, and the loss falls on a fixed batch."""

from __future__ import annotations

import math

import pytest
import torch

from models.common.layers import count_parameters
from models.common.training import optimise_steps
from models.lmgendrive.config import load_lmgendrive_config
from models.lmgendrive.model import LMGenDrive
from models.lmgendrive.text import build_tokenizer, encode_instructions
from models.lmgendrive.training import (
    DriveBatch,
    VisionBatch,
    configure_stage,
    stage1_loss,
    stage2_loss,
    stage3_loss,
)

torch.set_num_threads(1)
B, T, V, S = 2, 2, 3, 64


def build(**overrides) -> LMGenDrive:
    torch.manual_seed(0)
    return LMGenDrive(load_lmgendrive_config("tiny", {"vision": {"image_size": S}, **overrides}))


def vision_batch(model: LMGenDrive) -> VisionBatch:
    cfg = model.config.vision
    g = torch.Generator().manual_seed(2)
    cells = cfg.bev_size[0] * cfg.bev_size[1]
    detection = torch.randn(B, cells, 1 + cfg.det_outputs, generator=g)
    detection[..., 0] = (torch.rand(B, cells, generator=g) < 0.1).float()
    return VisionBatch(
        images=torch.randn(B, V, 3, S, S, generator=g),
        speed=torch.tensor([1.0, 4.0]),
        detection=detection,
        light=torch.tensor([0, 2]),
        waypoints=torch.randn(B, cfg.num_waypoint_queries, 2, generator=g).cumsum(1),
    )


def drive_batch(model: LMGenDrive, steps: int) -> DriveBatch:
    g = torch.Generator().manual_seed(3)
    cfg = model.config
    ids, mask = encode_instructions(build_tokenizer(cfg.llm), ["turn right at the next traffic light", "stop"], 24)
    size, frames, w = cfg.world.image_size, cfg.world.num_future_frames, cfg.action.num_waypoints
    return DriveBatch(
        images=torch.randn(B, T, V, 3, S, S, generator=g),
        speed=torch.rand(B, T, generator=g) * 5,
        frame_mask=torch.tensor([[True, True], [True, False]]),
        text_ids=ids,
        text_mask=mask,
        waypoints=torch.rand(B, steps, w, 2, generator=g).cumsum(2),
        completed=torch.tensor([[0.0] * steps, [1.0] * steps]),
        future=torch.rand(B, steps, V, frames, 3, size, size, generator=g) * 2 - 1,
    )


def falls(model: LMGenDrive, loss_fn, batch, steps: int, lr: float) -> list[float]:
    def fixed_noise_loss() -> torch.Tensor:
        torch.manual_seed(7)  # the same diffusion noise and timesteps every step: a fixed objective
        return loss_fn(model, batch)["total"]

    return optimise_steps(model, fixed_noise_loss, steps=steps, lr=lr)


def trainable(module) -> int:
    return count_parameters(module, trainable_only=True)


def test_stage_configuration_freezes_what_the_paper_freezes() -> None:
    model = build()
    configure_stage(model, 1)
    assert trainable(model) == trainable(model.vision) > 0
    configure_stage(model, 2)
    assert trainable(model.vision) == 0 and trainable(model.llm) == 0 and trainable(model.generator.vae) == 0
    assert trainable(model.qformer) > 0 and trainable(model.generator.unet) > 0 and model.world_queries.requires_grad
    configure_stage(model, 3)
    assert trainable(model.generator) == 0 and trainable(model.fusion) == 0 and trainable(model.qformer) > 0
    with pytest.raises(ValueError, match="stage"):
        configure_stage(model, 4)


def test_stage1_vision_pretraining_loss_falls() -> None:
    model = build()
    configure_stage(model, 1)
    losses = falls(model, lambda m, b: stage1_loss(m, b), vision_batch(model), steps=6, lr=3e-3)
    assert losses[-1] < losses[0]


def test_stage2_planning_and_generation_loss_falls() -> None:
    model = build()
    configure_stage(model, 2)
    batch = drive_batch(model, steps=1)
    assert set(stage2_loss(model, batch)) == {"waypoints", "completion", "diffusion", "total"}
    losses = falls(model, stage2_loss, batch, steps=6, lr=3e-3)
    assert losses[-1] < losses[0]


def test_stage3_multi_step_loss_falls() -> None:
    model = build()
    configure_stage(model, 3)
    losses = falls(model, stage3_loss, drive_batch(model, steps=2), steps=5, lr=3e-3)
    assert losses[-1] < losses[0]


def test_stage3_gradients_flow_through_the_frozen_generator() -> None:
    # without the diffusion loss, the world queries reach the loss only through the generated
    # frames of step 0 that step 1 observes (the action queries precede them in the causal LLM)
    model = build(loss={"diffusion": 0.0})
    configure_stage(model, 3)
    torch.manual_seed(7)
    stage3_loss(model, drive_batch(model, steps=2))["total"].backward()
    assert model.world_queries.grad is not None and model.world_queries.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.generator.unet.parameters())


def test_training_cli_chains_the_stages_and_resumes(tmp_path, cpu_dataset) -> None:
    from models.common.checkpoint import read_checkpoint
    from models.lmgendrive import train

    args = ["--data", str(cpu_dataset), "--out", str(tmp_path), "--batch-size", "2", "--warmup-steps", "1"]
    first = train.main([*args, "--max-steps", "2", "--val-samples", "2"])
    assert [len(first[stage]) for stage in (1, 2, 3)] == [2, 2, 2]
    assert all(math.isfinite(v) for losses in first.values() for v in losses)
    for stage in (1, 2, 3):
        assert (tmp_path / f"stage{stage}" / "last.pt").is_file()
        assert any((tmp_path / f"stage{stage}" / "tensorboard").iterdir())
    assert read_checkpoint(tmp_path / "last.pt")["extra"]["stage"] == 3
    resumed = train.main([*args, "--stage", "2", "--max-steps", "3", "--resume"])
    assert len(resumed[2]) == 1, "resuming runs only the missing step"
