"""Drive-JEPA training samples from the expert dataset, with multimodal trajectory distillation.

One item per sample ``t``: the 2-frame front clip (t - 0.5 s, t), the ego status, the expert plan
on 8 x 0.5 s, and, with a scored vocabulary (``vocabularies/<name>.npy`` + the per-episode
``scores/<name>.npy`` written by the vocabulary scoring step outside ``models/``):

- ``teachers (K, 8, 3)`` + ``teacher_mask (K,)``: up to K vocabulary entries whose EPDMS at this
  sample is >= ``loss.teacher_threshold`` (drawn at random per epoch), Drive-JEPA's pseudo-teachers;
- ``vocab_scores (V, S)``: every entry's sub-scores (columns ``SCORE_NAMES``), from which the
  training step gives each proposal the sub-scores of its nearest entry (:func:`~models.drivejepa.losses.
  nearest_vocabulary_targets`).
"""

from __future__ import annotations

import numpy as np
import torch

from models.common.camera import check_dataset_camera
from models.common.driving_data.layout import ScoreColumn
from models.common.driving_data.reader import Episode
from models.common.samples import EpisodeSamples, as_tensor, clamp_indices, frame_offsets
from models.common.trajectory import resample_poses
from models.drivejepa import inputs
from models.drivejepa.config import SCORE_NAMES, DriveJEPAConfig

SCORE_COLUMNS = [ScoreColumn[name] for name in SCORE_NAMES]  # dataset columns in the scorer head's order


class DriveJEPASamples(EpisodeSamples):
    """Items: ``clip (T, 3, H, W)`` in [0, 1], ``status (ego_dim,)``, ``trajectory (M, 3)`` and, with a
    ``vocabulary``, ``teachers``, ``teacher_mask`` and ``vocab_scores`` (see the module docstring)."""

    def __init__(
        self, data, config: DriveJEPAConfig, split: str | None = "train", seed: int = 0, stride: int = 1,
        vocabulary: str | None = None,
    ) -> None:  # fmt: skip
        super().__init__(data, split, seed, stride)
        self.config, self.vocabulary = config, vocabulary
        check_dataset_camera(self.data.layout, config.sensor, str(self.data.root))
        plan = config.planner
        self.clip_offsets = frame_offsets(
            config.encoder.num_frames, plan.interval_s, self.data.layout.sample_interval_s
        )
        self.vocabulary_poses = None
        if vocabulary is not None:
            raw = self.data.vocabulary(vocabulary)
            poses = resample_poses(raw, self.data.layout.horizon_interval_s, plan.num_poses, plan.interval_s)
            self.vocabulary_poses = torch.as_tensor(poses, dtype=torch.float32)  # (V, M, 3)
            for info in self.infos:  # fail now, not hours into training
                if not self.data.episode(info.id).has_scores(vocabulary):
                    raise FileNotFoundError(
                        f"{self.data.root}: episode '{info.id}' has no scores for vocabulary '{vocabulary}' "
                        "(run the vocabulary scoring step)"
                    )

    def plan(self, episode: Episode, index: int) -> np.ndarray:
        layout, plan = self.data.layout, self.config.planner
        return resample_poses(episode.field("expert_trajectory")[index], layout.horizon_interval_s, plan.num_poses,
                              plan.interval_s)  # fmt: skip

    def build(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        cfg = self.config
        frames = clamp_indices(index + self.clip_offsets, episode.n)
        field = episode.field
        item = {
            "clip": torch.stack([inputs.camera_frame(episode.image(cfg.sensor.id, j), cfg) for j in frames]),
            "status": inputs.status_vector(
                field("speed")[index],
                field("acceleration")[index],
                field("command")[index],
                field("target_point")[index],
                cfg,
            ),  # fmt: skip
            "trajectory": as_tensor(self.plan(episode, index)),
        }
        if self.vocabulary is not None:
            item.update(self._distillation(episode, index, rng))
        return item

    def _distillation(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        scores = np.asarray(episode.scores(self.vocabulary)[index], dtype=np.float32)[:, SCORE_COLUMNS]  # (V, S)
        loss = self.config.loss
        good = np.flatnonzero(scores[:, -1] >= loss.teacher_threshold)
        picks = rng.choice(good, size=min(loss.num_teachers, good.size), replace=False) if good.size else []
        teachers = torch.zeros((loss.num_teachers, *self.vocabulary_poses.shape[1:]))
        mask = torch.zeros(loss.num_teachers, dtype=torch.bool)
        for k, v in enumerate(picks):
            teachers[k], mask[k] = self.vocabulary_poses[v], True
        return {"teachers": teachers, "teacher_mask": mask, "vocab_scores": torch.from_numpy(scores)}


def collate(items: list[dict]) -> dict:
    """Stack items into the batch the training step takes."""
    return {key: torch.stack([item[key] for item in items]) for key in items[0]}
