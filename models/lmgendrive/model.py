"""LMGenDrive: vision encoder -> Q-Former -> LLM with action and world queries -> planner / world generator.

Two modes (paper): **online** planning runs the vision encoder on the new frame, the Q-Former and
adapter (one frame token block, cached by the caller between steps), and the LLM with the action
queries; the generator is skipped. **Offline** generation also appends the world queries and runs
the diffusion generator; :meth:`LMGenDrive.rollout` feeds the last generated frames (and the
predicted action, through the generator's conditioning) into the next step.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from models.common import checkpoint
from models.common.layers import freeze
from models.lmgendrive.action_head import ActionHead
from models.lmgendrive.config import PATH_FIELDS, LMGenDriveConfig
from models.lmgendrive.inputs import to_generator_space, to_vision_space
from models.lmgendrive.llm import LanguageModel
from models.lmgendrive.qformer import Adapter, QFormer
from models.lmgendrive.vision_encoder import VisionEncoder
from models.lmgendrive.world_fusion import WorldFusion
from models.lmgendrive.world_generator import WorldGenerator

LOGGER = logging.getLogger(__name__)
MODEL_NAME = "lmgendrive"


@dataclass
class PlanOutput:
    """Attributes:
    waypoints: ``(B, W, 2)`` ego frame x forward, y left [m], 0.5 s apart.
    completion_logit: ``(B,)`` instruction-completed logit.
    world_states: ``(B, K_w, D)`` LLM states at the world queries, or ``None`` (online mode).
    """

    waypoints: torch.Tensor
    completion_logit: torch.Tensor
    world_states: torch.Tensor | None = None


class LMGenDrive(nn.Module):
    """The whole model; see the module docstring. All images are ImageNet-normalised unless noted."""

    def __init__(self, config: LMGenDriveConfig) -> None:
        super().__init__()
        self.config = config
        self.vision = VisionEncoder(config.vision)
        self.qformer = QFormer(config.qformer, config.vision.dim, config.llm.vocab_size)
        self.llm = LanguageModel(config.llm)
        d = self.llm.hidden_size
        self.adapter = Adapter(config.qformer.dim, d)
        self.action_queries = nn.Parameter(torch.randn(config.action.num_queries, d) * 0.02)
        self.action_head = ActionHead(config.action, d)
        self.world_queries = nn.Parameter(torch.randn(config.world.num_queries, d) * 0.02)
        self.fusion = None
        self.generator = None
        if config.world.enabled:
            self.fusion = WorldFusion(config.world, d, config.vision.num_views, config.action.num_waypoints)
            freeze(self.fusion.clip)  # choice: CLIP stays at its (pretrained) weights
            self.generator = WorldGenerator(config.world)

    # ---- frames -> tokens -------------------------------------------------------------------
    def encode_frames(
        self, images: torch.Tensor, speed: torch.Tensor, text_ids: torch.Tensor, text_mask: torch.Tensor
    ) -> torch.Tensor:
        """Frame tokens for the LLM.

        Args:
            images: ``(B, T, V, 3, H, W)``; speed ``(B, T)`` [m/s].
            text_ids, text_mask: ``(B, L)`` instruction (the Q-Former reads it with every frame).

        Returns:
            ``(B, T, Q, D)`` adapted Q-Former outputs.
        """
        b, t = images.shape[:2]
        vision = self.vision(images.flatten(0, 1), speed.flatten()).tokens  # (B*T, N_tok, d_v)
        ids = text_ids.repeat_interleave(t, dim=0)
        mask = text_mask.repeat_interleave(t, dim=0)
        queries = self.qformer(vision, ids, mask)  # (B*T, Q, d_q)
        return self.adapter(queries).unflatten(0, (b, t))

    # ---- planning ---------------------------------------------------------------------------
    def plan(
        self,
        frame_tokens: torch.Tensor,
        frame_mask: torch.Tensor,
        text_ids: torch.Tensor,
        text_mask: torch.Tensor,
        with_world: bool = False,
        notice: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
    ) -> PlanOutput:
        """LLM over ``[instruction][frames (with a notice after its frame)][action queries][world queries]``.

        Args: frame_tokens ``(B, T, Q, D)``; frame_mask ``(B, T)`` bool; text ``(B, L)``; notice: see
        :meth:`models.lmgendrive.llm.LanguageModel.forward`.
        """
        b = frame_tokens.shape[0]
        queries = [self.action_queries]
        if with_world:
            queries.append(self.world_queries)
        queries = torch.cat(queries, dim=0)[None].expand(b, -1, -1).to(frame_tokens.dtype)
        states = self.llm(text_ids, text_mask, frame_tokens, frame_mask, queries, notice)  # (B, K, D)
        n_action = self.config.action.num_queries
        waypoints, completion = self.action_head(states[:, :n_action])
        return PlanOutput(waypoints, completion, states[:, n_action:] if with_world else None)

    def forward(
        self,
        images: torch.Tensor,
        speed: torch.Tensor,
        frame_mask: torch.Tensor,
        text_ids: torch.Tensor,
        text_mask: torch.Tensor,
        mode: str = "online",
        sampling_steps: int | None = None,
    ) -> tuple[PlanOutput, torch.Tensor | None]:
        """One step from raw frames. mode ``"online"``: no generation; ``"offline"``: also returns the
        generated future ``(B, V, F, 3, h, w)`` in [-1, 1] from the last valid frame."""
        if mode not in ("online", "offline"):
            raise ValueError(f"mode must be 'online' or 'offline', got {mode!r}")
        tokens = self.encode_frames(images, speed, text_ids, text_mask)
        out = self.plan(tokens, frame_mask, text_ids, text_mask, with_world=(mode == "offline"))
        if mode == "online":
            return out, None
        return out, self.generate(last_valid_frame(images, frame_mask), out, sampling_steps)

    # ---- world generation -------------------------------------------------------------------
    def _require_world(self) -> None:
        if self.generator is None:
            raise RuntimeError("world generation is disabled (world.enabled: false)")

    def world_context(self, last_images: torch.Tensor, out: PlanOutput) -> torch.Tensor:
        """U-Net context ``(B*V, P', c)`` from the last frame ``(B, V, 3, H, W)`` and the plan."""
        self._require_world()
        return self.fusion(last_images, out.world_states, out.waypoints)

    def to_generator_space(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, 3, H, W)`` ImageNet-normalised -> ``(N, 3, s, s)`` in [-1, 1] at the generator size."""
        return to_generator_space(images, self.config.world.image_size)

    def to_vision_space(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, 3, s, s)`` in [-1, 1] -> ImageNet-normalised at the vision encoder's size."""
        return to_vision_space(images, self.config.vision.image_size)

    def generate(
        self,
        last_images: torch.Tensor,
        out: PlanOutput,
        sampling_steps: int | None = None,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Future frames ``(B, V, F, 3, h, w)`` in [-1, 1] (DDIM; differentiable when grad is on)."""
        self._require_world()
        b, v = last_images.shape[:2]
        context = self.world_context(last_images, out)
        last_latent = self.generator.encode(self.to_generator_space(last_images.flatten(0, 1)))  # (B*V, C, h', w')
        steps = sampling_steps or self.config.world.sampling_steps
        latents = self.generator.sample(context, last_latent, steps, generator)  # (B*V, C, F, h', w')
        f = latents.shape[2]
        frames = self.generator.decode(latents.transpose(1, 2).flatten(0, 1))  # (B*V*F, 3, h, w)
        return frames.unflatten(0, (b, v, f))

    @torch.no_grad()
    def rollout(
        self,
        images: torch.Tensor,
        speed: torch.Tensor,
        frame_mask: torch.Tensor,
        text_ids: torch.Tensor,
        text_mask: torch.Tensor,
        steps: int,
        sampling_steps: int | None = None,
    ) -> list[tuple[PlanOutput, torch.Tensor]]:
        """Offline autoregressive generation: ``steps`` x (plan, generate, append the last generated frame)."""
        tokens = self.encode_frames(images, speed, text_ids, text_mask)
        last = last_valid_frame(images, frame_mask)
        results = []
        for _ in range(steps):
            out = self.plan(tokens, frame_mask, text_ids, text_mask, with_world=True)
            future = self.generate(last, out, sampling_steps)
            results.append((out, future))
            last, tokens, frame_mask = self.append_generated(future, out, tokens, frame_mask, text_ids, text_mask)
        return results

    def append_generated(
        self,
        future: torch.Tensor,
        out: PlanOutput,
        tokens: torch.Tensor,
        frame_mask: torch.Tensor,
        text_ids: torch.Tensor,
        text_mask: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Encode the last generated frame as the next observation and append it to the history.

        The next speed is the predicted one, ``|waypoint_0| / interval`` (choice: no odometry offline).

        Args:
            future: ``(B, V, F, 3, h, w)`` generated frames in [-1, 1].
            out: the plan that conditioned them.
            tokens, frame_mask: ``(B, T, Q, D)`` / ``(B, T)`` history.
            text_ids, text_mask: ``(B, L)`` instruction.

        Returns:
            the new last frame ``(B, V, 3, H, W)`` (vision space), tokens and mask with it appended.
        """
        last = self.to_vision_space(future[:, :, -1].flatten(0, 1)).unflatten(0, future.shape[:2])  # (B, V, 3, H, W)
        speed = out.waypoints[:, 0].norm(dim=-1) / self.config.action.waypoint_interval
        new = self.encode_frames(last[:, None], speed[:, None], text_ids, text_mask)  # (B, 1, Q, D)
        tokens, frame_mask = append_frame(tokens, frame_mask, new, self.config.llm.max_frames)
        return last, tokens, frame_mask

    # ---- checkpoints ------------------------------------------------------------------------
    def save(self, path: str | Path, extra: dict | None = None) -> Path:
        return checkpoint.save_checkpoint(path, self, self.config, MODEL_NAME, extra)

    @classmethod
    def load(cls, path: str | Path, config: LMGenDriveConfig) -> LMGenDrive:
        """Build from ``config`` and load ``path``; raises ConfigMismatchError if it was saved with another."""
        model = cls(config)
        checkpoint.load_checkpoint(path, model, config, MODEL_NAME, ignore=PATH_FIELDS)
        return model


def last_valid_frame(images: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
    """``(B, T, V, 3, H, W)`` -> ``(B, V, 3, H, W)`` at each sample's last valid frame."""
    index = (frame_mask.long().cumsum(1).argmax(1)).clamp(min=0)  # first index where the count peaks
    return images[torch.arange(images.shape[0], device=images.device), index]


def append_frame(
    tokens: torch.Tensor, frame_mask: torch.Tensor, new: torch.Tensor, max_frames: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Append ``new`` ``(B, 1, Q, D)`` after the history, keeping the newest ``max_frames`` slots."""
    tokens = torch.cat([tokens, new], dim=1)[:, -max_frames:]
    mask = torch.cat([frame_mask.bool(), torch.ones_like(frame_mask[:, :1], dtype=torch.bool)], dim=1)
    return tokens, mask[:, -max_frames:]
