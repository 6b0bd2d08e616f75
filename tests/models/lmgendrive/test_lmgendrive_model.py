"""LMGenDrive (tiny preset, random weights): shapes of both modes, presets, checkpoints, history packing."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from models.common.config import ConfigMismatchError
from models.lmgendrive.config import PRESET_DIR, load_lmgendrive_config
from models.lmgendrive.llm import pack_sequence
from models.lmgendrive.model import LMGenDrive, append_frame, last_valid_frame
from models.lmgendrive.text import build_tokenizer, encode_instructions

torch.set_num_threads(1)
B, T, V, S = 2, 2, 3, 64  # tests run the vision encoder at 64 px to stay fast; the preset is 224


def tiny_config(**overrides):
    return load_lmgendrive_config("tiny", {"vision": {"image_size": S}, **overrides})


def make_inputs(config):
    torch.manual_seed(1)
    tokenizer = build_tokenizer(config.llm)
    ids, mask = encode_instructions(tokenizer, ["turn left at the next intersection", "follow the lane"], 24)
    images = torch.randn(B, T, V, 3, S, S)
    speed = torch.tensor([[2.0, 3.0], [0.0, 1.0]])
    frame_mask = torch.tensor([[True, True], [True, False]])
    return images, speed, frame_mask, ids, mask


@pytest.fixture(scope="module")
def model() -> LMGenDrive:
    torch.manual_seed(0)
    return LMGenDrive(tiny_config()).eval()


@pytest.mark.parametrize("preset", sorted(p.stem for p in PRESET_DIR.glob("*.yaml")))
def test_every_preset_builds_a_config(preset: str) -> None:
    config = load_lmgendrive_config(preset)
    assert config.qformer.num_queries == 8 and config.vision.num_waypoint_queries == 4


def test_online_mode_plans_without_generating(model: LMGenDrive) -> None:
    with torch.no_grad():
        out, future = model(*make_inputs(model.config), mode="online")
    assert future is None and out.world_states is None
    assert out.waypoints.shape == (B, model.config.action.num_waypoints, 2)
    assert out.completion_logit.shape == (B,)
    assert torch.isfinite(out.waypoints).all()


def test_offline_mode_generates_future_views(model: LMGenDrive) -> None:
    world = model.config.world
    with torch.no_grad():
        out, future = model(*make_inputs(model.config), mode="offline")
    assert out.world_states.shape == (B, world.num_queries, model.config.llm.hidden_size)
    assert future.shape == (B, V, world.num_future_frames, 3, world.image_size, world.image_size)
    assert future.abs().max() <= 1.0


def test_rollout_feeds_generated_frames_into_the_history(model: LMGenDrive) -> None:
    results = model.rollout(*make_inputs(model.config), steps=2, sampling_steps=1)
    assert len(results) == 2
    # the second plan sees one more frame, so it must differ from the first
    assert not torch.allclose(results[0][0].waypoints, results[1][0].waypoints)


def test_the_world_queries_do_not_change_the_plan(model: LMGenDrive) -> None:
    inputs = make_inputs(model.config)
    with torch.no_grad():
        online, _ = model(*inputs, mode="online")
        tokens = model.encode_frames(inputs[0], inputs[1], inputs[3], inputs[4])
        offline = model.plan(tokens, inputs[2], inputs[3], inputs[4], with_world=True)
    # action queries precede the world queries in a causal LLM: both modes plan the same
    torch.testing.assert_close(online.waypoints, offline.waypoints, rtol=1e-4, atol=1e-5)


def test_invalid_frames_are_ignored(model: LMGenDrive) -> None:
    images, speed, frame_mask, ids, mask = make_inputs(model.config)
    with torch.no_grad():
        reference, _ = model(images, speed, frame_mask, ids, mask)
        images[1, 1] = 100.0  # the padded frame of sample 1
        perturbed, _ = model(images, speed, frame_mask, ids, mask)
    torch.testing.assert_close(reference.waypoints, perturbed.waypoints, rtol=1e-4, atol=1e-5)


def test_pack_sequence_moves_valid_tokens_left_in_order() -> None:
    embeds = torch.arange(6.0).reshape(1, 6, 1)
    packed, valid = pack_sequence([(embeds[:, :3], torch.tensor([[1, 0, 1]])), (embeds[:, 3:], torch.ones(1, 3))])
    assert packed[0, :, 0].tolist()[:4] == [0.0, 2.0, 3.0, 4.0] and valid[0].tolist() == [1, 1, 1, 1, 1, 0]


def test_history_helpers() -> None:
    images = torch.arange(3.0)[None, :, None, None, None, None].expand(2, 3, 1, 1, 1, 1)
    mask = torch.tensor([[1, 1, 0], [1, 1, 1]]).bool()
    assert last_valid_frame(images, mask).flatten().tolist() == [1.0, 2.0]
    tokens, new_mask = append_frame(torch.zeros(2, 3, 1, 1), mask, torch.ones(2, 1, 1, 1), max_frames=3)
    assert tokens.shape == (2, 3, 1, 1) and new_mask[:, -1].all()


def test_save_and_reload_give_identical_outputs(model: LMGenDrive, tmp_path: Path) -> None:
    path = model.save(tmp_path / "lmgendrive.pt", extra={"stage": 2})
    torch.manual_seed(123)  # a different random init, overwritten by the checkpoint
    reloaded = LMGenDrive.load(path, model.config).eval()
    inputs = make_inputs(model.config)
    with torch.no_grad():
        assert torch.equal(model(*inputs)[0].waypoints, reloaded(*inputs)[0].waypoints)


def test_loading_a_checkpoint_into_another_config_fails(model: LMGenDrive, tmp_path: Path) -> None:
    path = model.save(tmp_path / "lmgendrive.pt")
    other = tiny_config(qformer={"num_queries": 4})
    with pytest.raises(ConfigMismatchError, match="qformer.num_queries"):
        LMGenDrive.load(path, other)


def test_generator_variants_are_switchable() -> None:
    torch.manual_seed(0)
    flat = LMGenDrive(tiny_config(world={"temporal_attention": False, "concat_last_latent": False})).eval()
    with torch.no_grad():
        _, future = flat(*make_inputs(flat.config), mode="offline", sampling_steps=1)
    assert future.shape[:3] == (B, V, flat.config.world.num_future_frames)
    planner_only = LMGenDrive(tiny_config(world={"enabled": False})).eval()
    assert planner_only.generator is None
    with pytest.raises(RuntimeError, match="world generation is disabled"):
        planner_only(*make_inputs(planner_only.config), mode="offline")
