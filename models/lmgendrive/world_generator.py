"""Latent-diffusion world generator: VAE + U-Net with temporal attention + DDPM / DDIM schedulers.

SD1.5 + AnimateDiff in the paper: ``UNetMotionModel`` (spatial cross-attention + temporal motion
modules over the future frames). Each view is one sample; its frames are the video axis. With
``concat_last_latent`` the last observed frame's latent is concatenated to every noisy frame,
so the U-Net predicts how *this* scene evolves rather than a new one.
"""

from __future__ import annotations

from pathlib import Path

import torch
from diffusers import AutoencoderKL, DDIMScheduler, DDPMScheduler, UNet2DConditionModel, UNetMotionModel
from torch import nn
from torch.nn import functional as F

from models.common.layers import freeze
from models.lmgendrive.config import WorldConfig


def _exists(path: str | None) -> bool:
    return bool(path) and Path(path).is_dir()


def build_vae(config: WorldConfig) -> AutoencoderKL:
    if _exists(config.vae_path):
        return AutoencoderKL.from_pretrained(config.vae_path)
    n = len(config.vae_channels)
    return AutoencoderKL(
        down_block_types=("DownEncoderBlock2D",) * n,
        up_block_types=("UpDecoderBlock2D",) * n,
        block_out_channels=config.vae_channels,
        layers_per_block=1,
        latent_channels=config.latent_channels,
        norm_num_groups=config.norm_groups,
        sample_size=config.image_size,
        scaling_factor=config.vae_scaling,
    )


def expand_input_channels(unet: nn.Module, in_channels: int, where: str) -> nn.Module:
    """Widen a pretrained U-Net's ``conv_in`` to ``in_channels`` as InstructPix2Pix does: the pretrained
    kernels keep their input channels, the new ones start at zero, so the loaded U-Net computes
    exactly what it did before until training gives the extra (last-frame latent) channels a use.

    Raises:
        ValueError: the U-Net already has more input channels than wanted.
    """
    conv = unet.conv_in
    if conv.in_channels == in_channels:
        return unet
    if conv.in_channels > in_channels:
        raise ValueError(f"U-Net at '{where}' has {conv.in_channels} input channels, the config feeds {in_channels}")
    wider = nn.Conv2d(in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding)
    with torch.no_grad():
        wider.weight.zero_()
        wider.weight[:, : conv.in_channels] = conv.weight
        wider.bias.copy_(conv.bias)
    unet.conv_in = wider.to(conv.weight.dtype)
    unet.register_to_config(in_channels=in_channels)
    return unet


def build_unet(config: WorldConfig) -> nn.Module:
    """``UNetMotionModel`` (temporal attention) or ``UNet2DConditionModel`` (frames independent); a
    pretrained one (``unet_path``) gets the input channels ``concat_last_latent`` needs."""
    in_channels = config.latent_channels * (2 if config.concat_last_latent else 1)
    n = len(config.unet_channels)
    common = {
        "in_channels": in_channels,
        "out_channels": config.latent_channels,
        "block_out_channels": config.unet_channels,
        "layers_per_block": config.unet_layers_per_block,
        "norm_num_groups": config.norm_groups,
        "cross_attention_dim": config.cond_dim,
    }
    if config.temporal_attention:
        if _exists(config.unet_path):
            return expand_input_channels(
                UNetMotionModel.from_pretrained(config.unet_path), in_channels, config.unet_path
            )
        return UNetMotionModel(
            down_block_types=("CrossAttnDownBlockMotion",) * (n - 1) + ("DownBlockMotion",),
            up_block_types=("UpBlockMotion",) + ("CrossAttnUpBlockMotion",) * (n - 1),
            num_attention_heads=config.unet_heads,
            motion_num_attention_heads=config.unet_heads,
            motion_max_seq_length=32,
            **common,
        )
    if _exists(config.unet_path):
        unet = UNet2DConditionModel.from_pretrained(config.unet_path)
        return expand_input_channels(unet, in_channels, config.unet_path)
    return UNet2DConditionModel(
        down_block_types=("CrossAttnDownBlock2D",) * (n - 1) + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * (n - 1),
        attention_head_dim=config.unet_channels[0] // config.unet_heads,
        **common,
    )


class WorldGenerator(nn.Module):
    """Future-frame latents per view from the fused context (see module docstring)."""

    def __init__(self, config: WorldConfig) -> None:
        super().__init__()
        self.config = config
        self.vae = freeze(build_vae(config))  # the VAE is never trained here (SD practice)
        self.unet = build_unet(config)
        self.train_scheduler = DDPMScheduler(num_train_timesteps=config.train_timesteps)
        self.sample_scheduler = DDIMScheduler(num_train_timesteps=config.train_timesteps)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """``(N, 3, h, w)`` in [-1, 1] -> scaled latents ``(N, C, h/f, w/f)`` (posterior mean)."""
        return self.vae.encode(images).latent_dist.mean * self.config.vae_scaling

    def decode(self, latents: torch.Tensor) -> torch.Tensor:
        """Scaled latents ``(N, C, h', w')`` -> images ``(N, 3, h, w)`` in [-1, 1]."""
        return self.vae.decode(latents / self.config.vae_scaling).sample.clamp(-1.0, 1.0)

    def predict_noise(
        self, noisy: torch.Tensor, timesteps: torch.Tensor, context: torch.Tensor, last: torch.Tensor | None
    ) -> torch.Tensor:
        """Args: noisy ``(N, C, F, h, w)``; timesteps ``(N,)``; context ``(N, L, c)``; last ``(N, C, h, w)``."""
        n, _, f = noisy.shape[:3]
        x = noisy
        if self.config.concat_last_latent:
            x = torch.cat([noisy, last[:, :, None].expand(-1, -1, f, -1, -1)], dim=1)
        context = context.repeat_interleave(f, dim=0)  # diffusers' motion U-Net wants one context per frame
        if self.config.temporal_attention:
            return self.unet(x, timesteps, encoder_hidden_states=context).sample
        flat = x.transpose(1, 2).flatten(0, 1)  # (N*F, C_in, h, w): frames are independent images
        out = self.unet(flat, timesteps.repeat_interleave(f), encoder_hidden_states=context).sample
        return out.unflatten(0, (n, f)).transpose(1, 2)

    def diffusion_loss(self, context: torch.Tensor, last: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
        """Noise-prediction MSE. future ``(N, C, F, h, w)`` clean scaled latents."""
        noise = torch.randn_like(future)
        t = torch.randint(0, self.config.train_timesteps, (future.shape[0],), device=future.device)
        noisy = self.train_scheduler.add_noise(future, noise, t)
        return F.mse_loss(self.predict_noise(noisy, t, context, last), noise)

    def sample(
        self, context: torch.Tensor, last: torch.Tensor, steps: int, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """DDIM sampling (differentiable when grad is enabled). Returns latents ``(N, C, F, h, w)``."""
        n, c, h, w = last.shape
        latents = torch.randn(
            (n, c, self.config.num_future_frames, h, w), generator=generator, device=last.device, dtype=last.dtype
        )
        scheduler = DDIMScheduler.from_config(self.sample_scheduler.config)  # own copy: timesteps are state
        scheduler.set_timesteps(steps, device=last.device)
        for t in scheduler.timesteps:
            eps = self.predict_noise(latents, t.expand(n), context, last)
            latents = scheduler.step(eps, t, latents).prev_sample
        return latents
