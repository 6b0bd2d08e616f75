"""Drive-JEPA (tiny preset): shapes, geometry of the reference points, losses, loss falls, checkpoints, CLI."""

from __future__ import annotations

import math

import pytest
import torch

from models.common import checkpoint as common_checkpoint
from models.common.config import ConfigMismatchError
from models.drivejepa import config as drivejepa_config
from models.drivejepa import synthetic
from models.drivejepa import train as drivejepa_train
from models.drivejepa.config import MODEL_NAME, SCORE_NAMES
from models.drivejepa.deformable import DeformableCrossAttention, ego_box_points, project_to_image
from models.drivejepa.losses import distillation_l1, drivejepa_loss, masked_bce, min_over_proposals_l1
from models.drivejepa.model import build_model


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)


@pytest.fixture(scope="module")
def config() -> drivejepa_config.DriveJEPAConfig:
    return drivejepa_config.load("tiny")


def test_full_preset_has_vit_large_shapes() -> None:
    full = drivejepa_config.load("full")
    assert (full.encoder.embed_dim, full.encoder.depth, full.planner.d_model, full.feature_size) == (
        1024,
        24,
        256,
        (16, 32),
    )


def test_forward_shapes(config) -> None:
    model = build_model(config)
    batch = synthetic.make_batch(config, 2, seed=0)
    out = model(batch["clip"], batch["status"])
    assert out["proposals"].shape == (2, 32, 8, 3)
    assert out["proposals_per_iteration"].shape == (4, 2, 32, 8, 3)
    assert out["score_logits"].shape == (2, 32, len(SCORE_NAMES)) and out["scores"].shape == (2, 32)
    assert out["map_logits"].shape == out["collision_logits"].shape == (2, 32, 8)
    assert out["proposals"][..., 2].abs().max() <= math.pi


def test_ego_box_reference_points() -> None:
    cfg = drivejepa_config.PlannerConfig()
    points = ego_box_points(torch.zeros(1, 3), cfg)  # rear axle at the origin, heading 0
    assert points.shape == (1, 16, 3)
    assert points[0, :, 0].max().item() == pytest.approx(1.461 + 2.838, abs=1e-4)
    assert points[0, :, 1].min().item() == pytest.approx(-1.2485, abs=1e-4)
    turned = ego_box_points(torch.tensor([[0.0, 0.0, math.pi / 2]]), cfg)
    assert turned[0, :, 1].max().item() == pytest.approx(1.461 + 2.838, abs=1e-4)


def test_projection_centre_and_behind_camera() -> None:
    camera = drivejepa_config.CameraConfig()
    points = torch.tensor([[20.0, 0.0, camera.position[2]], [-5.0, 0.0, 0.0], [20.0, 5.0, camera.position[2]]])
    uv, valid = project_to_image(points, camera)
    assert torch.allclose(uv[0], torch.zeros(2), atol=1e-6)
    assert valid.tolist() == [True, False, True]
    assert uv[2, 0] < 0  # a point on the left appears left of the image centre


def test_deformable_attention_ignores_invalid_references() -> None:
    attn = DeformableCrossAttention(8, 2, num_refs=3, points_per_ref=1)
    query, value = torch.randn(1, 4, 8), torch.randn(1, 8, 5, 6)
    refs = torch.zeros(1, 4, 3, 2)
    out = attn(query, value, refs, torch.zeros(1, 4, 3, dtype=torch.bool))
    assert torch.allclose(out, attn.out.bias.expand_as(out))
    out = attn(query, value, refs, torch.ones(1, 4, 3, dtype=torch.bool))
    assert not torch.allclose(out, attn.out.bias.expand_as(out))


def test_trajectory_losses_take_the_best_proposal() -> None:
    target = torch.zeros(1, 8, 3)
    proposals = torch.stack([torch.ones(8, 3), torch.zeros(8, 3) + 0.1]).unsqueeze(0)  # (1, 2, 8, 3)
    assert min_over_proposals_l1(proposals, target).item() == pytest.approx(0.1)
    teachers = torch.ones(1, 2, 8, 3)
    assert distillation_l1(proposals, teachers, torch.tensor([[True, False]])).item() == pytest.approx(0.0)
    assert distillation_l1(proposals, teachers, torch.zeros(1, 2, dtype=torch.bool)).item() == 0.0
    assert masked_bce(torch.zeros(3), torch.tensor([1.0, float("nan"), 0.0])).item() == pytest.approx(math.log(2))


def test_loss_falls_on_a_fixed_batch(config) -> None:
    model = build_model(config)
    batch = synthetic.make_batch(config, 2, seed=4)
    with torch.no_grad():
        batch = synthetic.proxy_targets(batch, model(batch["clip"], batch["status"])["proposals"])  # fixed targets
    optimiser = torch.optim.AdamW(model.param_groups(2e-3))
    losses = []
    for _ in range(8):
        terms = drivejepa_loss(model(batch["clip"], batch["status"]), batch, config.loss)
        optimiser.zero_grad()
        terms["loss"].backward()
        optimiser.step()
        losses.append(terms["loss"].item())
    assert losses[-1] < 0.8 * losses[0], losses


def test_checkpoint_round_trip_and_config_mismatch(config, tmp_path) -> None:
    model = build_model(config).eval()
    path = common_checkpoint.save_checkpoint(tmp_path / "m.pt", model, config, MODEL_NAME)
    reloaded = build_model(drivejepa_config.load("tiny", {"checkpoint_path": str(path)})).eval()
    batch = synthetic.make_batch(config, 1, seed=2)
    with torch.no_grad():
        a = model(batch["clip"], batch["status"])["proposals"]
        b = reloaded(batch["clip"], batch["status"])["proposals"]
    assert torch.equal(a, b)
    other = drivejepa_config.load("tiny", {"planner": {"num_proposals": 16}})
    with pytest.raises(ConfigMismatchError, match="planner.num_proposals"):
        common_checkpoint.load_checkpoint(path, build_model(other), other, MODEL_NAME)


def test_training_cli_runs_and_resumes(tmp_path, cpu_dataset) -> None:
    args = ["--data", str(cpu_dataset), "--no-distillation", "--batch-size", "2", "--warmup-steps", "1"]
    first = drivejepa_train.main([*args, "--max-steps", "2", "--out", str(tmp_path), "--val-samples", "4"])
    assert len(first) == 2 and (tmp_path / "last.pt").is_file()
    assert len(drivejepa_train.main([*args, "--max-steps", "3", "--out", str(tmp_path), "--resume"])) == 1
