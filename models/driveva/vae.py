"""Video VAE front end: frames ``(B, 3, T, H, W)`` in [-1, 1] <-> latents ``(B, z, 1 + (T-1)/4, H/16, W/16)``.

Wan's VAE is causal in time: frame 0 is its own latent frame, every following group of 4 frames
is one latent frame. The tiny backend keeps that contract with a per-frame strided conv stack and a
linear temporal merge, so the DiT and the closed-loop buffer logic are exercised unchanged. The VAE
is frozen in DriveVA (only the DiT and the trajectory modules are trained).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import torch
from torch import nn

from models.driveva.config import VAEConfig

LOGGER = logging.getLogger(__name__)


class TinyVideoVAE(nn.Module):
    """Small causal video autoencoder (deterministic: the posterior mean is the latent).

    Args:
        config: ``VAEConfig`` with ``backend="tiny"``.
    """

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        self.config = config
        levels = int(math.log2(config.spatial_factor))
        width, z, step = config.hidden, config.latent_channels, config.temporal_factor
        enc: list[nn.Module] = [nn.Conv2d(3, width, 3, padding=1)]
        dec: list[nn.Module] = []
        for _ in range(levels):
            enc += [nn.SiLU(), nn.Conv2d(width, width, 4, stride=2, padding=1)]
            dec += [nn.ConvTranspose2d(width, width, 4, stride=2, padding=1), nn.SiLU()]
        self.frame_encoder = nn.Sequential(*enc, nn.SiLU(), nn.Conv2d(width, z, 1))
        self.frame_decoder = nn.Sequential(nn.Conv2d(z, width, 1), nn.SiLU(), *dec, nn.Conv2d(width, 3, 3, padding=1))
        # Temporal merge / split: a group of `step` frame codes <-> one latent frame.
        self.merge = nn.Conv2d(z * step, z, 1)
        self.split = nn.Conv2d(z, z * step, 1)

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` with ``(T - 1) % 4 == 0`` -> ``(B, z, 1 + (T - 1) / 4, H/16, W/16)``."""
        b, _, t, h, w = video.shape
        step = self.config.temporal_factor
        if (t - 1) % step:
            raise ValueError(f"video needs 1 + {step}k frames, got {t}")
        codes = self.frame_encoder(video.transpose(1, 2).reshape(b * t, 3, h, w))
        codes = codes.reshape(b, t, *codes.shape[1:])
        first = codes[:, :1]
        if t == 1:
            return first.transpose(1, 2)
        rest = codes[:, 1:].reshape(b * (t - 1) // step, step * codes.shape[2], *codes.shape[3:])
        rest = self.merge(rest).reshape(b, (t - 1) // step, *codes.shape[2:])
        return torch.cat([first, rest], dim=1).transpose(1, 2)

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """``(B, z, F, h, w)`` -> ``(B, 3, 1 + 4 (F - 1), 16 h, 16 w)`` in [-1, 1]."""
        b, z, f, h, w = latents.shape
        step = self.config.temporal_factor
        lat = latents.transpose(1, 2)
        codes = [lat[:, :1]]
        if f > 1:
            rest = self.split(lat[:, 1:].reshape(b * (f - 1), z, h, w))
            codes.append(rest.reshape(b, (f - 1) * step, z, h, w))
        codes_t = torch.cat(codes, dim=1)
        frames = self.frame_decoder(codes_t.reshape(-1, z, h, w)).tanh()
        return frames.reshape(b, codes_t.shape[1], *frames.shape[1:]).transpose(1, 2)


class WanVideoVAE(nn.Module):
    """diffusers ``AutoencoderKLWan`` (Wan2.2, z=48) behind the same encode/decode contract.

    Latents are normalised with the VAE config's ``latents_mean`` / ``latents_std`` as Wan does.
    """

    def __init__(self, config: VAEConfig) -> None:
        super().__init__()
        from diffusers import AutoencoderKLWan  # lazy: only the full preset needs it

        path = Path(config.path)
        if not path.exists():
            raise FileNotFoundError(f"vae.path '{path}' does not exist (full preset needs the local Wan2.2 VAE)")
        self.model = AutoencoderKLWan.from_pretrained(str(path))
        mean = torch.tensor(self.model.config.latents_mean).view(1, -1, 1, 1, 1)
        std = torch.tensor(self.model.config.latents_std).view(1, -1, 1, 1, 1)
        self.register_buffer("mean", mean, persistent=False)
        self.register_buffer("std", std, persistent=False)

    def encode(self, video: torch.Tensor) -> torch.Tensor:
        """``(B, 3, T, H, W)`` -> normalised posterior mean ``(B, z, F, h, w)``."""
        return (self.model.encode(video).latent_dist.mode() - self.mean) / self.std

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """``(B, z, F, h, w)`` -> ``(B, 3, T, H, W)``."""
        return self.model.decode(latents * self.std + self.mean).sample


def build_vae(config: VAEConfig) -> nn.Module:
    """The frozen video VAE of ``config.backend`` (parameters with ``requires_grad=False``)."""
    vae = TinyVideoVAE(config) if config.backend == "tiny" else WanVideoVAE(config)
    vae.requires_grad_(False)
    return vae.eval()
