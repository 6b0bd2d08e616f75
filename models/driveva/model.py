"""DriveVA: one DiT jointly denoises future video latents and K action tokens (rectified flow).

Sequence per sample (token groups in this order)::

    [history video latents (clean, t = 0)] [velocity token (t = 0)]
    [future video latents (noisy, t)]      [K future waypoint tokens (noisy, t)]

Shapes: frames ``(B, T, 3, H, W)`` in [-1, 1]; velocity ``(B, 2)`` [m/s] ego frame (raw, as released);
command ``(B,)`` long (0 left, 1 straight, 2 right, 3 unknown); trajectory ``(B, K, 3)`` poses.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from models.common import checkpoint as common_checkpoint
from models.driveva import flow
from models.driveva.config import MODEL_NAME, DriveVAConfig
from models.driveva.dit import DiT
from models.driveva.text import build_text_encoder
from models.driveva.trajectory import TrajectoryEncoder, TrajectoryHead, denormalise, normalise
from models.driveva.vae import build_vae

LOGGER = logging.getLogger(__name__)
HISTORY, FUTURE_VIDEO, FUTURE_TRAJECTORY = 0, 1, 2


@dataclass(frozen=True)
class DriveVASample:
    """Result of :meth:`DriveVA.sample`: ``trajectory (B, K, 3)`` poses and future latents or ``None``."""

    trajectory: torch.Tensor
    future_latents: torch.Tensor | None


class DriveVA(nn.Module):
    """Video-action world model planner (see the module docstring for the token layout)."""

    def __init__(self, config: DriveVAConfig) -> None:
        super().__init__()
        self.config = config
        self.vae = build_vae(config.vae)
        self.text_encoder = build_text_encoder(config.text)
        self.dit = DiT(config.dit, config.vae.latent_channels, config.text.text_dim)
        self.traj_encoder = TrajectoryEncoder(config.dit.dim, config.trajectory.hidden)
        self.traj_head = TrajectoryHead(config.dit.dim)

    @torch.no_grad()
    def encode_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """``(B, T, 3, H, W)`` in [-1, 1] -> latents ``(B, z, F, h, w)`` (the VAE is frozen)."""
        return self.vae.encode(frames.transpose(1, 2))

    @torch.no_grad()
    def decode_video(self, latents: torch.Tensor) -> torch.Tensor:
        """Latents ``(B, z, F, h, w)`` -> frames ``(B, T, 3, H, W)`` (optional, for visualisation)."""
        return self.vae.decode(latents).transpose(1, 2)

    def context(
        self, command: torch.Tensor, speed: torch.Tensor, instructions: Sequence[str | None] | None = None
    ) -> torch.Tensor:
        """Cross-attention context ``(B, Lc, text_dim)`` from command, speed [m/s] and instructions."""
        return self.text_encoder(command, speed, instructions)

    def _layout(self, n_history: int, n_future_video: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Token groups ``(L,)`` and the attention mask ``(L, L)`` (``None`` in joint mode)."""
        k = self.config.trajectory.num_waypoints
        sizes = (n_history + 1, n_future_video, k)
        groups = torch.cat([torch.full((n,), g, device=device) for g, n in enumerate(sizes)])
        if self.config.dit.attention_mode == "joint":
            return groups, None
        # Mixed visibility: history+prefix see only themselves; each future group sees history+prefix and itself.
        return groups, (groups.unsqueeze(0) == HISTORY) | (groups.unsqueeze(0) == groups.unsqueeze(1))

    def _action_positions(self, history_t: int, device: torch.device) -> torch.Tensor:
        """RoPE positions ``(1 + K, 3)``: prefix at the first future latent time, points spread over the future."""
        future_t = self.config.future_latent_frames // self.config.dit.patch_size[0]
        k = self.config.trajectory.num_waypoints
        times = torch.cat([torch.tensor([float(history_t)]), torch.linspace(history_t, history_t + future_t - 1, k)])
        return torch.stack([times, torch.zeros_like(times), torch.zeros_like(times)], dim=-1).to(device)

    def predict(
        self,
        history_latents: torch.Tensor,
        future_latents: torch.Tensor | None,
        trajectory: torch.Tensor,
        velocity: torch.Tensor,
        sigma: torch.Tensor,
        context: torch.Tensor,
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        """Velocity predictions for the noisy future video ``(B, z, Ff, h, w)`` (or ``None``) and trajectory.

        Args:
            history_latents: ``(B, z, Fh, h, w)`` clean.
            future_latents: ``(B, z, Ff, h, w)`` noisy at ``sigma``, or ``None`` (trajectory only).
            trajectory: ``(B, K, 3)`` noisy normalised deltas.
            velocity: ``(B, 2)`` [m/s].
            sigma: ``(B,)`` noise level in [0, 1].
            context: ``(B, Lc, text_dim)``.

        Returns:
            ``(video velocity or None, trajectory velocity (B, K, 3))``.
        """
        b, k = trajectory.shape[0], trajectory.shape[1]
        hist_tok, hist_pos = self.dit.patchify(history_latents)
        history_t = int(hist_pos[:, 0].max().item()) + 1
        action = self.traj_encoder(velocity, trajectory)
        act_pos = self._action_positions(history_t, hist_tok.device)
        tokens, positions = [hist_tok, action[:, :1]], [hist_pos, act_pos[:1]]
        n_future = 0
        if future_latents is not None:
            fut_tok, fut_pos = self.dit.patchify(future_latents)
            fut_pos[:, 0] += history_t
            n_future = fut_tok.shape[1]
            tokens.append(fut_tok)
            positions.append(fut_pos)
        seq = torch.cat([*tokens, action[:, 1:]], dim=1)
        pos = torch.cat([*positions, act_pos[1:]], dim=0)
        groups, mask = self._layout(hist_tok.shape[1], n_future, seq.device)
        t = sigma.view(b, 1) * self.config.flow.num_train_timesteps * (groups != HISTORY).unsqueeze(0)
        hidden, e = self.dit(seq, t, pos, context, mask)
        traj_v = self.traj_head(hidden[:, -k:])
        if future_latents is None:
            return None, traj_v
        start = hist_tok.shape[1] + 1
        video = self.dit.video_head(hidden[:, start : start + n_future], e[:, start : start + n_future])
        grid = tuple(future_latents.shape[2:])
        pt, ph, pw = self.config.dit.patch_size
        return self.dit.unpatchify(video, (grid[0] // pt, grid[1] // ph, grid[2] // pw)), traj_v

    def loss(self, batch: dict, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """Flow-matching loss on future video latents and future waypoints.

        Args:
            batch: ``frames (B, Th + Tf, 3, H, W)``, ``velocity (B, 2)``, ``command (B,)``,
                ``trajectory (B, K, 3)``, optional ``instructions`` (list of str | None).
            generator: optional RNG for timesteps and noise.

        Returns:
            ``{"loss", "video", "trajectory"}`` scalars.
        """
        latents = self.encode_frames(batch["frames"])
        fh = self.config.history_latent_frames
        history, future = latents[:, :, :fh], latents[:, :, fh:]
        b = latents.shape[0]
        sigma, weight = flow.sample_training_sigmas(self.config.flow, b, generator)
        sigma, weight = sigma.to(latents.device), weight.to(latents.device)
        video_noise = torch.randn(future.shape, generator=generator).to(future)
        traj0 = normalise(batch["trajectory"], self.config.trajectory)
        traj_noise = torch.randn(traj0.shape, generator=generator).to(traj0)
        noisy_video = flow.add_noise(future, video_noise, sigma)
        noisy_traj = flow.add_noise(traj0, traj_noise, sigma).clamp(-1.0, 1.0)
        speed = batch["velocity"].norm(dim=-1)
        ctx = self.context(batch["command"], speed, batch.get("instructions"))
        video_v, traj_v = self.predict(history, noisy_video, noisy_traj, batch["velocity"], sigma, ctx)
        video_loss = (F.mse_loss(video_v, video_noise - future, reduction="none").flatten(1).mean(1) * weight).mean()
        traj_loss = (F.mse_loss(traj_v, traj_noise - traj0, reduction="none").flatten(1).mean(1) * weight).mean()
        return {"loss": video_loss + traj_loss, "video": video_loss.detach(), "trajectory": traj_loss.detach()}

    @torch.no_grad()
    def sample(
        self,
        history_frames: torch.Tensor,
        velocity: torch.Tensor,
        command: torch.Tensor,
        instructions: Sequence[str | None] | None = None,
        num_steps: int | None = None,
        with_video: bool | None = None,
        generator: torch.Generator | None = None,
    ) -> DriveVASample:
        """Euler sampling of the future trajectory (and video latents when they take part).

        Args:
            history_frames: ``(B, Th, 3, H, W)`` in [-1, 1], oldest first.
            velocity: ``(B, 2)`` [m/s] ego frame.
            command: ``(B,)`` long.
            instructions: optional language instructions.
            num_steps: Euler steps (default ``config.flow.num_inference_steps``).
            with_video: denoise future video latents too. Default: yes in joint attention mode (the
                actions attend to them), no in mixed mode (trajectory-only, as the released eval).
            generator: RNG for the initial noise.

        Returns:
            :class:`DriveVASample` with poses ``(B, K, 3)`` and future latents or ``None``.
        """
        cfg = self.config
        if with_video is None:
            with_video = cfg.dit.attention_mode == "joint"
        history = self.encode_frames(history_frames)
        b, z, _, h, w = history.shape
        ctx = self.context(command, velocity.norm(dim=-1), instructions)
        traj = torch.randn((b, cfg.trajectory.num_waypoints, 3), generator=generator).to(history).clamp(-1.0, 1.0)
        video = torch.randn((b, z, cfg.future_latent_frames, h, w), generator=generator).to(history)
        video = video if with_video else None
        sigmas = flow.inference_sigmas(num_steps or cfg.flow.num_inference_steps, cfg.flow.shift).tolist()
        for sigma, sigma_next in zip(sigmas[:-1], sigmas[1:], strict=True):
            s = torch.full((b,), sigma, device=history.device)
            video_v, traj_v = self.predict(history, video, traj, velocity, s, ctx)
            traj = flow.euler_step(traj, traj_v, sigma, sigma_next)
            if video is not None:
                video = flow.euler_step(video, video_v, sigma, sigma_next)
        return DriveVASample(trajectory=denormalise(traj, cfg.trajectory), future_latents=video)


def build_model(config: DriveVAConfig) -> DriveVA:
    """A DriveVA; weights from ``config.checkpoint_path`` when that file exists, else random init."""
    model = DriveVA(config)
    path = Path(config.checkpoint_path) if config.checkpoint_path else None
    if path is not None and path.is_file():
        common_checkpoint.load_checkpoint(path, model, config, MODEL_NAME, ignore=IGNORED_CONFIG_PATHS)
        LOGGER.info("loaded DriveVA weights from %s", path)
    elif path is not None:
        LOGGER.warning("DriveVA checkpoint '%s' not found: random weights", path)
    return model


# Local weight locations may differ between the machine that saved a checkpoint and the one loading it.
IGNORED_CONFIG_PATHS = ("checkpoint_path", "vae.path", "text.path")
