"""A pretrained (SD1.5 / AnimateDiff-style) U-Net saved with 4 input channels loads into the generator,
which feeds it 8 (noisy latent + last-frame latent): conv_in is widened, the new channels start at zero."""

from __future__ import annotations

import pytest
import torch
from diffusers import UNet2DConditionModel, UNetMotionModel

from models.lmgendrive.config import load_lmgendrive_config
from models.lmgendrive.world_generator import WorldGenerator, expand_input_channels

torch.set_num_threads(1)
LATENT = 4


def pretrained_unet(temporal: bool):
    """A tiny U-Net shaped like SD1.5's (4 latent channels in and out), random weights, no download."""
    common = {"in_channels": LATENT, "out_channels": LATENT, "block_out_channels": (32, 64), "layers_per_block": 1,
              "norm_num_groups": 8, "cross_attention_dim": 32}  # fmt: skip
    if temporal:
        return UNetMotionModel(
            down_block_types=("CrossAttnDownBlockMotion", "DownBlockMotion"),
            up_block_types=("UpBlockMotion", "CrossAttnUpBlockMotion"),
            num_attention_heads=4, motion_num_attention_heads=4, motion_max_seq_length=32, **common,
        )  # fmt: skip
    return UNet2DConditionModel(
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        attention_head_dim=8, **common,
    )  # fmt: skip


@pytest.mark.parametrize("temporal", [True, False], ids=["animatediff_motion_unet", "sd15_unet"])
def test_saved_unet_loads_with_the_last_frame_channels_and_keeps_its_function(tmp_path, temporal: bool) -> None:
    torch.manual_seed(0)
    original = pretrained_unet(temporal).eval()
    original.save_pretrained(tmp_path / "unet")
    config = load_lmgendrive_config(
        "tiny", {"world": {"unet_path": str(tmp_path / "unet"), "temporal_attention": temporal,
                           "concat_last_latent": True, "cond_dim": 32, "latent_channels": LATENT}},
    )  # fmt: skip
    generator = WorldGenerator(config.world).eval()
    assert generator.unet.config.in_channels == 2 * LATENT and generator.unet.conv_in.in_channels == 2 * LATENT
    n, frames, size = 2, config.world.num_future_frames, 8
    noisy = torch.randn(n, LATENT, frames, size, size)
    last = torch.randn(n, LATENT, size, size)
    context = torch.randn(n, 5, 32)
    timesteps = torch.tensor([10, 500])
    with torch.no_grad():
        widened = generator.predict_noise(noisy, timesteps, context, last)  # last-frame latent concatenated
        if temporal:
            expected = original(noisy, timesteps, encoder_hidden_states=context.repeat_interleave(frames, 0)).sample
        else:
            flat = noisy.transpose(1, 2).flatten(0, 1)
            out = original(flat, timesteps.repeat_interleave(frames), context.repeat_interleave(frames, 0)).sample
            expected = out.unflatten(0, (n, frames)).transpose(1, 2)
    torch.testing.assert_close(widened, expected, rtol=1e-4, atol=1e-5)
    assert widened.shape == (n, LATENT, frames, size, size)


def test_the_new_channels_learn(tmp_path) -> None:
    torch.manual_seed(0)
    unet = expand_input_channels(pretrained_unet(temporal=False), 2 * LATENT, "in memory")
    x = torch.randn(1, 2 * LATENT, 8, 8)
    unet(x, torch.tensor([3]), torch.randn(1, 5, 32)).sample.square().mean().backward()
    assert unet.conv_in.weight.grad[:, LATENT:].abs().sum() > 0


def test_a_unet_with_more_channels_than_fed_is_refused() -> None:
    with pytest.raises(ValueError, match="has 4 input channels, the config feeds 2"):
        expand_input_channels(pretrained_unet(temporal=False), 2, "somewhere")
