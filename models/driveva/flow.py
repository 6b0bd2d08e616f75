"""Rectified-flow schedule: shifted sigmas, training timesteps / weights and the Euler update.

Convention (DiffSynth's ``FlowMatchScheduler``): ``x_s = (1 - s) x0 + s eps``, the network predicts
the velocity ``v = eps - x0`` and the model's timestep input is ``1000 s``.
"""

from __future__ import annotations

import torch

from models.driveva.config import FlowConfig


def shift_sigma(sigma: torch.Tensor, shift: float) -> torch.Tensor:
    """``shift s / (1 + (shift - 1) s)``: spends more steps at high noise for large ``shift``."""
    return shift * sigma / (1.0 + (shift - 1.0) * sigma)


def inference_sigmas(num_steps: int, shift: float) -> torch.Tensor:
    """``(num_steps + 1,)`` from 1 down to 0; e.g. 2 steps, shift 5 -> [1, 0.833, 0]."""
    if num_steps < 1:
        raise ValueError(f"num_inference_steps must be >= 1, got {num_steps}")
    base = torch.linspace(1.0, 0.0, num_steps + 1)[:-1]
    return torch.cat([shift_sigma(base, shift), torch.zeros(1)])


def training_schedule(config: FlowConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """Sigmas ``(N,)`` of the ``N`` training timesteps and their loss weights ``(N,)`` (mean 1).

    The weights are DiffSynth's bell curve over the timestep (more weight mid-trajectory).
    """
    n = config.num_train_timesteps
    sigmas = shift_sigma(torch.linspace(1.0, 0.0, n + 1)[:-1], config.shift)
    timesteps = sigmas * n
    bell = torch.exp(-2.0 * ((timesteps - n / 2) / n) ** 2)
    bell = bell - bell.min()
    return sigmas, bell * (n / bell.sum())


def sample_training_sigmas(
    config: FlowConfig, batch: int, generator: torch.Generator | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform timestep index per sample -> ``(sigma (B,), weight (B,))``."""
    sigmas, weights = training_schedule(config)
    index = torch.randint(0, len(sigmas), (batch,), generator=generator)
    return sigmas[index], weights[index]


def add_noise(x0: torch.Tensor, noise: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """``(1 - s) x0 + s eps`` with ``sigma (B,)`` broadcast over the trailing dims of ``x0``."""
    s = sigma.view(-1, *([1] * (x0.dim() - 1)))
    return (1.0 - s) * x0 + s * noise


def euler_step(x: torch.Tensor, velocity: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    """``x + v (s_next - s)``."""
    return x + velocity * (sigma_next - sigma)
