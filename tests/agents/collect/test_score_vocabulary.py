"""Scoring scenes of collected samples and the vocabulary scoring command on the tiny collection."""

from __future__ import annotations

import shutil

import numpy as np

from agents.collect.scene import scene_for_sample
from agents.collect.score_vocabulary import main as score_main
from models.common.driving_data import DrivingData, write_vocabulary
from models.common.driving_data.layout import ScoreColumn
from sim.types import PAST_MIN_COLUMNS, PastIndex


def test_scene_of_a_sample_has_the_logged_past_and_the_ego(tiny_dataset) -> None:
    data = DrivingData(tiny_dataset)
    episode = data.episode(data.episodes[0].id)
    i = episode.n // 2
    scene = scene_for_sample(data, episode, i)
    assert scene.ego_past.shape[1] == PAST_MIN_COLUMNS
    assert scene.ego_past[-1, PastIndex.T] == 0.0
    pose = episode.field("ego_pose")[i]
    np.testing.assert_allclose(scene.ego_past[-1, [PastIndex.X, PastIndex.Y]], pose[:2], atol=1e-6)


def test_vocabulary_scores_the_expert_plan_above_a_plan_off_the_road(tiny_dataset, tmp_path) -> None:
    """Entry 0 is the expert's own plan at sample ``i``, entry 1 swerves 25 m to the left: at ``i`` the
    first stays on the drivable area and scores above the second; unscored samples (``--every 2``) are NaN."""
    root = tmp_path / "dataset"
    shutil.copytree(tiny_dataset, root)
    data = DrivingData(root)
    info = max(data.episodes, key=lambda e: e.n_samples)
    episode = data.episode(info.id)
    i = 2 * (episode.n // 4)  # an even sample: scored with --every 2
    expert = episode.field("expert_trajectory")[i]
    swerve = expert.copy()
    swerve[:, 1] += 25.0 * np.linspace(0.0, 1.0, swerve.shape[0]) ** 2
    step = np.diff(np.vstack([np.zeros((1, 3)), swerve]), axis=0)
    swerve[:, 2] = np.arctan2(step[:, 1], step[:, 0])  # a drivable heading: the tracker follows the swerve
    write_vocabulary(root, "pair", np.stack([expert, swerve]), data.layout.horizon_steps)

    assert score_main(["--data", str(root), "--vocab", "pair", "--every", "2"]) == 0

    scores = DrivingData(root).episode(info.id).scores("pair").astype(np.float64)
    assert scores.shape == (episode.n, 2, len(ScoreColumn))
    assert np.all(np.isnan(scores[1::2])) and np.all(np.isfinite(scores[::2, :, ScoreColumn.EPDMS]))
    assert scores[i, 0, ScoreColumn.DAC] == 1.0 and scores[i, 1, ScoreColumn.DAC] == 0.0
    assert scores[i, 0, ScoreColumn.EPDMS] > scores[i, 1, ScoreColumn.EPDMS]
    assert np.all(np.isnan(scores[::2, :, ScoreColumn.EC]))  # needs the plan of 0.5 s earlier
