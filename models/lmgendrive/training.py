"""The three training stages of the paper: which parameters train, and each stage's loss.

1. Vision pretraining: the vision encoder alone with BEV detection, traffic-light and waypoint heads.
2. Single-step planning and generation: vision encoder frozen (and the LLM, as LMDrive); Q-Former,
   adapter, queries, action head, fusion and U-Net train on L1 waypoints + BCE completion +
   diffusion noise MSE.
3. Multi-step: 2-3 step sequences; the generator (fusion + U-Net) is frozen but gradients flow
   through its differentiable DDIM samples into the next step's inputs, so the planner learns from
   the consequences of its own imagined futures.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from models.common.layers import freeze
from models.lmgendrive.action_head import action_loss
from models.lmgendrive.model import LMGenDrive, PlanOutput, last_valid_frame
from models.lmgendrive.vision_encoder import vision_pretraining_loss


@dataclass
class VisionBatch:
    """Stage 1. images ``(B, V, 3, H, W)``; speed ``(B,)``; detection ``(B, H*W, 1 + det)``;
    light ``(B,)`` int64; waypoints ``(B, num_waypoint_queries, 2)``; bev_semantic ``(B, H*W, C)`` or None."""

    images: torch.Tensor
    speed: torch.Tensor
    detection: torch.Tensor
    light: torch.Tensor
    waypoints: torch.Tensor
    bev_semantic: torch.Tensor | None = None


@dataclass
class DriveBatch:
    """Stages 2 and 3 (``S`` = steps; ``S = 1`` in stage 2).

    Attributes:
        images: ``(B, T, V, 3, H, W)`` history; speed ``(B, T)``; frame_mask ``(B, T)`` bool.
        text_ids, text_mask: ``(B, L)`` instruction.
        waypoints: ``(B, S, W, 2)`` target waypoints of each step [m].
        completed: ``(B, S)`` instruction-completed labels in {0, 1}.
        future: ``(B, S, V, F, 3, h, w)`` true future frames in [-1, 1] at the generator size, or ``None``
            without the generator.
        notice: optional ``(ids (B, Ln), mask (B, Ln), after (B,))`` notice spliced after frame ``after``.
    """

    images: torch.Tensor
    speed: torch.Tensor
    frame_mask: torch.Tensor
    text_ids: torch.Tensor
    text_mask: torch.Tensor
    waypoints: torch.Tensor
    completed: torch.Tensor
    future: torch.Tensor | None
    notice: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None


def configure_stage(model: LMGenDrive, stage: int) -> None:
    """Set ``requires_grad`` for ``stage`` (1, 2 or 3) as the module docstring describes."""
    if stage not in (1, 2, 3):
        raise ValueError(f"training stage must be 1, 2 or 3, got {stage}")
    freeze(model, frozen=False)
    if stage == 1:
        freeze(model.llm)  # only the vision encoder sees the stage-1 loss; keep the rest untouched
        for module in (model.qformer, model.adapter, model.action_head, model.fusion, model.generator):
            if module is not None:
                freeze(module)
        model.action_queries.requires_grad_(False)
        model.world_queries.requires_grad_(False)
        return
    freeze(model.vision)
    freeze(model.llm, model.config.llm.freeze)
    if model.generator is not None:
        freeze(model.generator.vae)
        freeze(model.fusion.clip)
        if stage == 3:
            freeze(model.generator.unet)
            freeze(model.fusion)


def stage1_loss(model: LMGenDrive, batch: VisionBatch) -> dict[str, torch.Tensor]:
    out = model.vision(batch.images, batch.speed)
    return vision_pretraining_loss(
        out, batch.detection, batch.light, batch.waypoints, model.config.loss, batch.bev_semantic
    )


def _diffusion_loss(model: LMGenDrive, last: torch.Tensor, out: PlanOutput, future: torch.Tensor) -> torch.Tensor:
    """Noise MSE of the true future ``(B, V, F, 3, h, w)`` given the last frame ``(B, V, 3, H, W)``."""
    context = model.world_context(last, out)  # (B*V, P', c)
    gen = model.generator
    with torch.no_grad():  # targets and the last-frame latent come from the frozen VAE
        last_latent = gen.encode(model.to_generator_space(last.flatten(0, 1)))
        b, v, f = future.shape[:3]
        target = gen.encode(future.flatten(0, 2)).unflatten(0, (b * v, f)).transpose(1, 2)  # (B*V, C, F, h', w')
    return gen.diffusion_loss(context, last_latent, target)


def _step_losses(model, out, last, batch: DriveBatch, step: int, with_world: bool) -> dict[str, torch.Tensor]:
    losses = action_loss(out.waypoints, out.completion_logit, batch.waypoints[:, step], batch.completed[:, step])
    if with_world:
        losses["diffusion"] = _diffusion_loss(model, last, out, batch.future[:, step])
    return losses


def _total(model: LMGenDrive, losses: dict[str, torch.Tensor]) -> torch.Tensor:
    weights = model.config.loss
    return sum(getattr(weights, name) * value for name, value in losses.items())


def stage2_loss(model: LMGenDrive, batch: DriveBatch) -> dict[str, torch.Tensor]:
    """Single step: plan from the history, learn to generate its true future."""
    with_world = model.generator is not None
    tokens = model.encode_frames(batch.images, batch.speed, batch.text_ids, batch.text_mask)
    out = model.plan(tokens, batch.frame_mask, batch.text_ids, batch.text_mask, with_world, batch.notice)
    losses = _step_losses(model, out, last_valid_frame(batch.images, batch.frame_mask), batch, 0, with_world)
    losses["total"] = _total(model, losses)
    return losses


def stage3_loss(model: LMGenDrive, batch: DriveBatch) -> dict[str, torch.Tensor]:
    """``S`` steps; step ``k > 0`` observes the frames generated at step ``k - 1`` (gradients flow)."""
    with_world = model.generator is not None
    tokens = model.encode_frames(batch.images, batch.speed, batch.text_ids, batch.text_mask)
    mask, last = batch.frame_mask, last_valid_frame(batch.images, batch.frame_mask)
    steps = batch.waypoints.shape[1]
    sums: dict[str, torch.Tensor] = {}
    for step in range(steps):
        out = model.plan(tokens, mask, batch.text_ids, batch.text_mask, with_world, batch.notice)
        for name, value in _step_losses(model, out, last, batch, step, with_world).items():
            sums[name] = sums.get(name, 0.0) + value / steps
        if step + 1 < steps:
            if not with_world:
                raise RuntimeError("stage 3 needs the world generator (world.enabled: true)")
            future = model.generate(last, out, model.config.world.stage3_sampling_steps)
            last, tokens, mask = model.append_generated(future, out, tokens, mask, batch.text_ids, batch.text_mask)
    sums["total"] = _total(model, sums)
    return sums
