"""DriveVA training clips from the expert dataset (:mod:`models.common.driving_data`).

One item per sample ``t``: the front frames at ``t - 2 s, ..., t`` (5 at 2 Hz; repeated first frame
at a route start, as the planner's history does) and the future frames ``t + 0.5 s, ..., t + 4 s``
(the last one repeated past the episode's end) for flow matching on video latents; the ego
velocity, the route command, the instruction (dropped at random, see ``text.instruction_dropout``)
and the 8 x 0.5 s poses of the expert's plan as the action target.
"""

from __future__ import annotations

import numpy as np
import torch

from models.common.camera import check_dataset_camera
from models.common.driving_data.reader import Episode
from models.common.samples import EpisodeSamples, as_tensor, clamp_indices, frame_offsets
from models.common.trajectory import resample_poses
from models.driveva import inputs
from models.driveva.config import DriveVAConfig


class DriveVAClips(EpisodeSamples):
    """Items: ``frames (Th + Tf, 3, H, W)`` in [-1, 1], ``velocity (2,)``, ``command ()`` long,
    ``trajectory (K, 3)`` and ``instruction`` (str, "" for none)."""

    def __init__(self, data, config: DriveVAConfig, split: str | None = "train", seed: int = 0, stride: int = 1):
        super().__init__(data, split, seed, stride)
        self.config = config
        check_dataset_camera(self.data.layout, config.camera, str(self.data.root))
        sample = self.data.layout.sample_interval_s
        interval = 1.0 / config.frame_rate_hz
        self.history = frame_offsets(config.history_frames, interval, sample)
        self.future = -frame_offsets(config.future_frames + 1, interval, sample)[::-1][1:]

    def build(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        cfg, layout = self.config, self.data.layout
        frames = clamp_indices(np.concatenate([index + self.history, index + self.future]), episode.n)
        images = torch.stack([inputs.camera_frame(episode.image(cfg.camera.id, j), cfg) for j in frames])
        plan = episode.field("expert_trajectory")[index]
        trajectory = resample_poses(
            plan, layout.horizon_interval_s, cfg.trajectory.num_waypoints, cfg.trajectory.interval_s
        )
        instruction = str(episode.field("instruction")[index])
        if rng.random() < cfg.text.instruction_dropout:
            instruction = ""
        return {
            "frames": inputs.model_frames(images),
            "velocity": as_tensor(inputs.ego_velocity(episode.field("speed")[index])),
            "command": torch.tensor(inputs.navsim_command(episode.field("command")[index])),
            "trajectory": as_tensor(trajectory),
            "instruction": instruction,
        }


def collate(items: list[dict]) -> dict:
    """Stack items into the batch :meth:`models.driveva.model.DriveVA.loss` takes."""
    batch = {key: torch.stack([item[key] for item in items]) for key in ("frames", "velocity", "command", "trajectory")}
    batch["instructions"] = [item["instruction"] or None for item in items]
    return batch
