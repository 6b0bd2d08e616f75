"""DriveVA (tiny preset): shapes, flow schedule, attention masks, loss falls, checkpoints, training CLI."""

from __future__ import annotations

import pytest
import torch

from models.common import checkpoint as common_checkpoint
from models.common.config import ConfigError, ConfigMismatchError
from models.driveva import config as driveva_config
from models.driveva import flow, synthetic
from models.driveva import train as driveva_train
from models.driveva.config import MODEL_NAME
from models.driveva.model import build_model
from models.driveva.trajectory import denormalise, normalise


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def config() -> driveva_config.DriveVAConfig:
    return driveva_config.load("tiny")


def test_presets_load_and_unknown_keys_are_rejected() -> None:
    full = driveva_config.load("full")
    assert (full.dit.dim, full.dit.num_layers, full.vae.latent_channels, full.flow.num_inference_steps) == (
        3072,
        30,
        48,
        2,
    )
    with pytest.raises(ConfigError, match="dit.nonsense"):
        driveva_config.load("tiny", {"dit": {"nonsense": 1}})


def test_sigma_schedule_with_two_steps() -> None:
    assert torch.allclose(flow.inference_sigmas(2, 5.0), torch.tensor([1.0, 5 * 0.5 / 3.0, 0.0]))
    _, weights = flow.training_schedule(driveva_config.FlowConfig())
    assert weights.mean().item() == pytest.approx(1.0, rel=1e-4)


def test_trajectory_normalisation_round_trip(config) -> None:
    poses = synthetic.arc_trajectory(torch.tensor([3.0, 9.0]), torch.tensor([0, 2]), 8, 0.5)
    assert torch.allclose(denormalise(normalise(poses, config.trajectory), config.trajectory), poses, atol=1e-4)


def test_vae_is_causal_4x_in_time_and_16x_in_space(config) -> None:
    model = build_model(config)
    latents = model.encode_frames(torch.zeros(1, 13, 3, 64, 128))
    assert latents.shape == (1, 8, 4, 4, 8)
    assert model.decode_video(latents).shape == (1, 13, 3, 64, 128)
    assert not any(p.requires_grad for p in model.vae.parameters())


def test_loss_and_sample_shapes(config) -> None:
    model = build_model(config)
    batch = synthetic.make_batch(config, 2, seed=0)
    terms = model.loss(batch)
    assert set(terms) == {"loss", "video", "trajectory"} and torch.isfinite(terms["loss"])
    sample = model.sample(batch["frames"][:, :5], batch["velocity"], batch["command"], ["turn left at the light", None])
    assert sample.trajectory.shape == (2, 8, 3) and torch.isfinite(sample.trajectory).all()
    assert sample.future_latents.shape == (2, 8, 2, 4, 8)  # joint attention denoises the video too


@pytest.mark.parametrize("mode", ["mixed", "joint"])
def test_future_video_reaches_actions_only_in_joint_mode(mode: str) -> None:
    cfg = driveva_config.load("tiny", {"dit": {"attention_mode": mode}})
    model = build_model(cfg).eval()
    batch = synthetic.make_batch(cfg, 1, seed=1)
    latents = model.encode_frames(batch["frames"])
    history, future = latents[:, :, :2], latents[:, :, 2:]
    ctx = model.context(batch["command"], batch["velocity"].norm(dim=-1))
    traj, sigma = torch.zeros(1, 8, 3), torch.tensor([0.5])
    with torch.no_grad():
        _, with_video = model.predict(history, future, traj, batch["velocity"], sigma, ctx)
        _, without = model.predict(history, None, traj, batch["velocity"], sigma, ctx)
    assert torch.allclose(with_video, without, atol=1e-5) == (mode == "mixed")


def test_loss_falls_on_a_fixed_batch(config) -> None:
    model = build_model(config)
    batch = synthetic.make_batch(config, 2, seed=3)
    params = [p for p in model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=2e-3)
    losses = []
    for _ in range(12):
        loss = model.loss(batch, generator=torch.Generator().manual_seed(7))["loss"]  # same noise every step
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_checkpoint_round_trip_and_config_mismatch(config, tmp_path) -> None:
    model = build_model(config).eval()
    path = common_checkpoint.save_checkpoint(tmp_path / "m.pt", model, config, MODEL_NAME)
    reloaded = build_model(driveva_config.load("tiny", {"checkpoint_path": str(path)})).eval()
    batch = synthetic.make_batch(config, 1, seed=2)
    args = (batch["frames"][:, :5], batch["velocity"], batch["command"])
    a = model.sample(*args, generator=torch.Generator().manual_seed(0)).trajectory
    b = reloaded.sample(*args, generator=torch.Generator().manual_seed(0)).trajectory
    assert torch.equal(a, b)
    other = driveva_config.load("tiny", {"dit": {"num_layers": 1}})
    with pytest.raises(ConfigMismatchError, match="dit.num_layers"):
        common_checkpoint.load_checkpoint(path, build_model(other), other, MODEL_NAME)


def test_training_cli_runs_and_resumes(tmp_path, cpu_dataset) -> None:
    args = ["--data", str(cpu_dataset), "--batch-size", "2", "--warmup-steps", "1", "--val-samples", "2"]
    first = driveva_train.main([*args, "--max-steps", "2", "--out", str(tmp_path)])
    assert len(first) == 2 and (tmp_path / "last.pt").is_file()
    resumed = driveva_train.main([*args, "--max-steps", "3", "--out", str(tmp_path), "--resume"])
    assert len(resumed) == 1  # steps 0 and 1 were not repeated


def test_wan_vae_backend_loads_a_local_autoencoder_kl_wan(tmp_path) -> None:
    from diffusers import AutoencoderKLWan

    tiny_wan = AutoencoderKLWan(  # Wan2.2-style (residual, patch 2) at toy width, saved locally: no download
        base_dim=8,
        z_dim=8,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        is_residual=True,
        in_channels=12,
        out_channels=12,
        patch_size=2,
        scale_factor_spatial=16,
        latents_mean=[0.0] * 8,
        latents_std=[1.0] * 8,
    )
    tiny_wan.save_pretrained(tmp_path / "vae")
    cfg = driveva_config.load("tiny", {"vae": {"backend": "wan", "path": str(tmp_path / "vae")}})
    model = build_model(cfg)
    batch = synthetic.make_batch(cfg, 1, seed=0)
    assert model.encode_frames(batch["frames"]).shape == (1, 8, 4, 4, 8)
    assert torch.isfinite(model.loss(batch)["loss"])
