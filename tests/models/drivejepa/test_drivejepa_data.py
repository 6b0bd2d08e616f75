"""Drive-JEPA's training samples and multimodal trajectory distillation targets from a scored vocabulary."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from models.common.driving_data import DrivingData, write_scores
from models.common.driving_data.layout import ScoreColumn
from models.common.trajectory import resample_poses
from models.common.vocabulary import main as vocabulary_main
from models.drivejepa import config as drivejepa_config
from models.drivejepa import inputs
from models.drivejepa.data import DriveJEPASamples, collate
from models.drivejepa.losses import masked_bce, nearest_vocabulary_targets
from models.drivejepa.model import TARGET_POINT_SCALE
from models.drivejepa.train import compute_loss

torch.set_num_threads(1)
V = 8


@pytest.fixture(scope="module")
def scored(cpu_dataset, tmp_path_factory):
    """A copy of the dataset with an 8-entry vocabulary; entry v scores EPDMS v / 7 everywhere."""
    root = tmp_path_factory.mktemp("scored") / "data"
    shutil.copytree(cpu_dataset, root)
    vocabulary_main(["--data", str(root), "--name", "km8", "--size", str(V)])
    data = DrivingData(root)
    for info in data.episodes:
        scores = np.ones((info.n_samples, V, len(ScoreColumn)))
        scores[..., ScoreColumn.EPDMS] = np.arange(V) / (V - 1)
        scores[..., ScoreColumn.EC] = np.nan
        scores[: info.n_samples // 2, :, ScoreColumn.DAC] = 0.0
        write_scores(root, info, "km8", scores, V)
    return root


def test_clip_and_status_as_the_planner_builds_them(cpu_dataset) -> None:
    config = drivejepa_config.load("cpu")
    samples = DriveJEPASamples(cpu_dataset, config, split="train")
    episode, index = samples.episode(0), 3
    item = samples.build(episode, index, np.random.default_rng(0))
    torch.testing.assert_close(item["clip"][0], inputs.camera_frame(episode.image("rgb_front_narrow", 0), config))
    torch.testing.assert_close(item["clip"][1], inputs.camera_frame(episode.image("rgb_front_narrow", 3), config))
    status = item["status"].numpy()
    assert status.shape == (13,) and status[3] == pytest.approx(episode.field("speed")[index])
    np.testing.assert_allclose(status[-2:], episode.field("target_point")[index] / TARGET_POINT_SCALE, rtol=1e-6)
    plan = resample_poses(episode.field("expert_trajectory")[index], 0.1, 8, 0.5)
    np.testing.assert_allclose(item["trajectory"].numpy(), plan, rtol=1e-6)


def test_pseudo_teachers_are_the_entries_above_the_threshold(scored) -> None:
    config = drivejepa_config.load("cpu")
    samples = DriveJEPASamples(scored, config, split="train", vocabulary="km8")
    item = samples.build(samples.episode(0), 30, np.random.default_rng(0))
    assert item["teacher_mask"].tolist() == [True, False, False, False]  # only entry 7 has EPDMS >= 0.95
    torch.testing.assert_close(item["teachers"][0], samples.vocabulary_poses[V - 1])
    assert item["vocab_scores"].shape == (V, 9) and item["vocab_scores"][:, -1].tolist()[-1] == 1.0


def test_missing_scores_are_reported_before_training(scored, tmp_path) -> None:
    config = drivejepa_config.load("cpu")
    root = shutil.copytree(scored, tmp_path / "data")
    (root / "episodes" / "ep001" / "scores" / "km8.npy").unlink()
    with pytest.raises(FileNotFoundError, match="episode 'ep001' has no scores for vocabulary 'km8'"):
        DriveJEPASamples(root, config, split="train", vocabulary="km8")
    DriveJEPASamples(root, config, split="val", vocabulary="km8")  # other episodes are fine


def test_proposals_take_the_scores_of_the_nearest_entry_within_the_gate() -> None:
    vocabulary = torch.zeros(2, 8, 3)
    vocabulary[1, :, 0] = torch.arange(1, 9) * 2.0
    scores = torch.tensor([[[0.1, 0.2], [0.9, 0.8]]])  # (B=1, V=2, S=2), the final score last
    proposals = torch.stack([vocabulary[1] + 0.3, vocabulary[0] + 5.0])[None]  # near entry 1; far from both
    targets = nearest_vocabulary_targets(proposals, vocabulary, scores, gate=1.0)
    torch.testing.assert_close(targets[0, 0], torch.tensor([0.9, 0.8]))
    assert torch.isnan(targets[0, 1, 0]) and targets[0, 1, 1] == 0.0  # unscored manoeuvre: final score 0


def test_unscored_samples_give_no_targets_even_far_from_the_vocabulary() -> None:
    vocabulary = torch.zeros(1, 8, 3)
    scores = torch.full((1, 1, 2), float("nan"))  # a sample the scoring step skipped
    proposals = (vocabulary + 5.0)[None]
    assert torch.isnan(nearest_vocabulary_targets(proposals, vocabulary, scores, gate=1.0)).all()


def test_the_score_head_learns_to_rank_a_scored_proposal_above_unscored_ones() -> None:
    """With nearest-entry targets alone, proposals far from every entry got no target and an untrained
    score, so the argmax picked them; with the final-score target 0 the scored proposal wins."""
    torch.manual_seed(0)
    vocabulary = torch.zeros(1, 8, 3)
    vocabulary[0, :, 0] = torch.arange(1, 9) * 3.0  # one scored manoeuvre: 24 m ahead, EPDMS 0.6
    scores = torch.tensor([[[0.6]]])
    proposals = torch.stack([vocabulary[0] + 0.2, vocabulary[0] * 0.3, vocabulary[0] * 0.1, vocabulary[0] * 2])[None]
    targets = nearest_vocabulary_targets(proposals, vocabulary, scores, gate=1.0)[..., 0]
    logits = torch.nn.Parameter(torch.tensor([[-2.0, 1.0, 2.0, 0.5]]))  # the slow proposals start ahead
    optimiser = torch.optim.SGD([logits], lr=1.0)
    for _ in range(200):
        optimiser.zero_grad()
        masked_bce(logits, targets).backward()
        optimiser.step()
    assert int(logits.argmax()) == 0
    assert abs(float(logits[0, 0].sigmoid()) - 0.6) < 0.05


def test_a_distillation_batch_gives_every_loss_term(scored) -> None:
    from models.drivejepa.model import build_model

    config = drivejepa_config.load("cpu")
    samples = DriveJEPASamples(scored, config, split="train", vocabulary="km8")
    batch = collate([samples[0], samples[35]])
    torch.manual_seed(0)
    losses = compute_loss(build_model(config), batch, config, samples.vocabulary_poses)
    assert torch.isfinite(losses["loss"]) and losses["trajectory"] > 0
