"""LMGenDrive training data from the expert dataset (:mod:`models.common.driving_data`).

- :class:`VisionSamples` (stage 1): the views of one sample, its BEV detection / semantic targets,
  traffic-light class and the vision encoder's waypoints.
- :class:`DriveClips` (stages 2 and 3): the frame history the planner would have buffered at the
  sample (same rules, :mod:`models.lmgendrive.inputs`), the instruction, the current notice
  (inserted with LMDrive's probability), and for each of ``steps`` steps the waypoints (5 x 0.5 s),
  the completion flag and the true future views the generator learns to produce.

Waypoints come from the expert's plan (``expert_trajectory``) resampled by the shared helper.
"""

from __future__ import annotations

import numpy as np
import torch

from models.common.camera import check_dataset_camera
from models.common.driving_data.reader import Episode
from models.common.samples import EpisodeSamples, as_tensor, clamp_indices
from models.common.trajectory import resample_poses
from models.lmgendrive import inputs, targets
from models.lmgendrive.config import LMGenDriveConfig
from models.lmgendrive.text import encode_instructions
from models.lmgendrive.training import DriveBatch, VisionBatch


class _LMGenDriveSamples(EpisodeSamples):
    def __init__(self, data, config: LMGenDriveConfig, split: str | None = "train", seed: int = 0, stride: int = 1):
        super().__init__(data, split, seed, stride)
        self.config = config
        for camera in config.inputs.cameras:
            check_dataset_camera(self.data.layout, camera, str(self.data.root))

    def views(self, episode: Episode, index: int) -> torch.Tensor:
        """``(V, 3, S, S)`` normalised views of one sample, as the planner preprocesses them."""
        images = [episode.image(c.id, index) for c in self.config.inputs.cameras]
        return inputs.preprocess_views(images, self.config.vision.image_size, self.config.inputs.resize_to)

    def waypoints(self, episode: Episode, index: int, count: int, interval: float) -> np.ndarray:
        """``(count, 2)`` expert waypoints [m] ``interval`` [s] apart, local frame of the sample."""
        layout = self.data.layout
        plan = episode.field("expert_trajectory")[index]
        return resample_poses(plan, layout.horizon_interval_s, count, interval)[:, :2]


class VisionSamples(_LMGenDriveSamples):
    """Stage-1 items: ``images (V, 3, S, S)``, ``speed ()``, ``detection (HW, 1 + det)``, ``light ()``
    long, ``waypoints (num_waypoint_queries, 2)`` and, with the semantic head, ``bev_semantic (HW, C)``."""

    def build(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        vision, layout = self.config.vision, self.data.layout
        interval = self.config.action.waypoint_interval
        item = {
            "images": self.views(episode, index),
            "speed": as_tensor(episode.field("speed")[index]),
            "detection": as_tensor(targets.detection_targets(episode.boxes(index), vision, layout.bev_center_x)),
            "light": torch.tensor(inputs.light_class(episode.field("light_state")[index])),
            "waypoints": as_tensor(self.waypoints(episode, index, vision.num_waypoint_queries, interval)),
        }
        if vision.bev_semantic_channels > 0:
            raster = episode.bev(index)
            if raster.shape[0] != vision.bev_semantic_channels:
                raise ValueError(
                    f"{self.data.root}: the BEV raster has {raster.shape[0]} channels, the model predicts "
                    f"vision.bev_semantic_channels = {vision.bev_semantic_channels}"
                )
            item["bev_semantic"] = as_tensor(targets.semantic_targets(raster, layout.bev_metres_per_px, vision))
        return item


class DriveClips(_LMGenDriveSamples):
    """Stage-2/3 items (``steps`` = 1 in stage 2). Keys: ``images (T, V, 3, S, S)``, ``speed (T,)``,
    ``instruction`` and ``notice`` (str), ``notice_after`` (frame index or -1), ``waypoints (steps, W, 2)``,
    ``completed (steps,)`` and, with the generator, ``future (steps, V, F, 3, s, s)`` in [-1, 1]."""

    def __init__(self, data, config: LMGenDriveConfig, split="train", seed=0, stride=1, steps: int = 1):
        super().__init__(data, config, split, seed, stride)
        self.steps = steps
        self._resets: dict[str, np.ndarray] = {}

    def resets(self, episode: Episode) -> np.ndarray:
        if episode.info.id not in self._resets:
            self._resets[episode.info.id] = inputs.buffer_resets(
                episode.field("instruction"), episode.field("instruction_completed")
            )
        return self._resets[episode.info.id]

    def build(self, episode: Episode, index: int, rng: np.random.Generator) -> dict:
        cfg = self.config
        start = inputs.buffer_start(self.resets(episode), index, cfg.inputs.max_buffer_frames)
        positions = inputs.history_positions(index - start + 1, cfg.inputs.history_stride, cfg.llm.max_frames)
        frames = [start + p for p in positions]
        notice, after = self._notice(episode, start, index, positions, rng)
        step = int(round(cfg.world.num_future_frames * cfg.world.future_interval / cfg.inputs.sample_interval))
        targets_at = clamp_indices(index + step * np.arange(self.steps), episode.n)
        item = {
            "images": torch.stack([self.views(episode, j) for j in frames]),
            "speed": as_tensor(episode.field("speed")[frames]),
            "instruction": str(episode.field("instruction")[index]),
            "notice": notice,
            "notice_after": after,
            "waypoints": as_tensor(np.stack([self._action_waypoints(episode, j) for j in targets_at])),
            "completed": as_tensor(episode.field("instruction_completed")[targets_at]),
        }
        if cfg.world.enabled:
            item["future"] = torch.stack([self._future(episode, j) for j in targets_at])
        return item

    def _action_waypoints(self, episode: Episode, index: int) -> np.ndarray:
        action = self.config.action
        return self.waypoints(episode, index, action.num_waypoints, action.waypoint_interval)

    def _notice(self, episode, start, index, positions, rng) -> tuple[str, int]:
        """The planner's current notice at ``index`` and its frame slot, kept with LMDrive's probability."""
        current = None
        for j, text in enumerate(episode.field("notice")[start : index + 1]):
            current = inputs.update_notice(current, str(text), j)
        if current is None or rng.random() >= self.config.inputs.notice_probability:
            return "", -1
        return current[0], inputs.notice_slot(positions, current[1])

    def _future(self, episode: Episode, index: int) -> torch.Tensor:
        """``(V, F, 3, s, s)`` the views ``future_interval, ..., F future_interval`` after ``index``."""
        world, sample = self.config.world, self.config.inputs.sample_interval
        step = int(round(world.future_interval / sample))
        later = clamp_indices(index + step * np.arange(1, world.num_future_frames + 1), episode.n)
        views = torch.stack([self.views(episode, j) for j in later], dim=1)  # (V, F, 3, S, S)
        return inputs.to_generator_space(views.flatten(0, 1), world.image_size).unflatten(0, views.shape[:2])


def collate_vision(items: list[dict]) -> VisionBatch:
    """Stack stage-1 items into a :class:`VisionBatch`."""
    stacked = {key: torch.stack([item[key] for item in items]) for key in items[0]}
    return VisionBatch(**stacked)


class DriveCollate:
    """Stage-2/3 items -> :class:`DriveBatch`: histories right-padded to the longest (``frame_mask``),
    instructions and notices tokenised with the model's tokenizer."""

    def __init__(self, tokenizer, config: LMGenDriveConfig) -> None:
        self.tokenizer, self.max_length = tokenizer, config.llm.max_instruction_len

    def __call__(self, items: list[dict]) -> DriveBatch:
        lengths = [item["images"].shape[0] for item in items]
        t = max(lengths)
        images = torch.stack([_pad(item["images"], t) for item in items])
        speed = torch.stack([_pad(item["speed"], t) for item in items])
        mask = torch.arange(t)[None] < torch.tensor(lengths)[:, None]
        ids, text_mask = encode_instructions(self.tokenizer, [item["instruction"] for item in items], self.max_length)
        notice = None
        if any(item["notice_after"] >= 0 for item in items):
            notice_ids, notice_mask = encode_instructions(self.tokenizer, [i["notice"] for i in items], self.max_length)
            notice = (notice_ids, notice_mask, torch.tensor([item["notice_after"] for item in items]))
        future = torch.stack([item["future"] for item in items]) if "future" in items[0] else None
        return DriveBatch(
            images=images,
            speed=speed,
            frame_mask=mask,
            text_ids=ids,
            text_mask=text_mask,
            waypoints=torch.stack([item["waypoints"] for item in items]),
            completed=torch.stack([item["completed"] for item in items]),
            future=future,
            notice=notice,
        )


def _pad(tensor: torch.Tensor, length: int) -> torch.Tensor:
    """Right-pad the first axis with zeros to ``length``."""
    if tensor.shape[0] == length:
        return tensor
    return torch.cat([tensor, tensor.new_zeros((length - tensor.shape[0], *tensor.shape[1:]))])
