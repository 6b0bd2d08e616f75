"""Training hooks of the NAVSIM agent: feature / target builders over NAVSIM's AgentInput / Scene, loss, optimiser.

With these, Drive-JEPA and DriveVA train inside NAVSIM's own training script (``run_training.py``,
``AgentLightningModule``): features come from the history frames of the front camera and the ego
status, targets from the scene's future (the human trajectory; DriveVA also the future front frames
its video loss needs). Every tensor is per sample (NAVSIM caches and batches them).

Drive-JEPA's per-proposal score targets depend on the proposals of each forward pass; without a
scorer in the loop they come from the same geometric proxy as ``models.drivejepa.train``.

NAVSIM frame indices: a scene has ``num_history`` frames 0.5 s apart ending now (index
``num_history - 1``), then its future frames. A model that wants more history than NAVSIM keeps gets
the oldest frame repeated, as the closed-loop planners do at the start of a route.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from agents.adapters.navsim_camera import camera_image, navsim_command_index
from models.common.images import resize_image

NAVSIM_INTERVAL = 0.5  # [s] NAVSIM's frame spacing
NAVSIM_HISTORY = 4  # frames of an AgentInput (t = -1.5 ... 0 s)


def history_indices(num_frames: int, interval: float, num_history: int = NAVSIM_HISTORY) -> list[int]:
    """Scene frame indices (oldest first) nearest to ``now - k * interval`` for ``k < num_frames``."""
    step = interval / NAVSIM_INTERVAL
    return [max(0, num_history - 1 - round(k * step)) for k in reversed(range(num_frames))]


def future_indices(num_frames: int, interval: float, num_history: int = NAVSIM_HISTORY) -> list[int]:
    """Scene frame indices of ``now + (k + 1) * interval`` for ``k < num_frames``."""
    step = interval / NAVSIM_INTERVAL
    return [num_history - 1 + round((k + 1) * step) for k in range(num_frames)]


def _frames(cameras: list, indices: list[int], camera: str, height: int, width: int) -> torch.Tensor:
    return torch.stack([resize_image(camera_image(cameras, index, camera), height, width) for index in indices])


def _ego(agent_input: Any) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Velocity ``(2,)`` [m/s], acceleration ``(2,)`` [m/s^2] (ego frame, now) and the command index."""
    now = agent_input.ego_statuses[-1]
    velocity = torch.as_tensor(np.asarray(now.ego_velocity, dtype=np.float32)[:2])
    acceleration = torch.as_tensor(np.asarray(now.ego_acceleration, dtype=np.float32)[:2])
    return velocity, acceleration, torch.tensor(navsim_command_index(now.driving_command))


def _future_poses(scene: Any, num_poses: int) -> torch.Tensor:
    return torch.as_tensor(np.asarray(scene.get_future_trajectory(num_poses).poses, dtype=np.float32))


class DriveVAFeatures:
    """``frames (Th, 3, H, W)`` in [-1, 1] (front camera history), ``velocity (2,)``, ``command ()``."""

    def __init__(self, model_config: Any, camera: str) -> None:
        self.config, self.camera = model_config, camera

    def get_unique_name(self) -> str:
        return "driveva_features"

    def compute_features(self, agent_input: Any) -> dict[str, torch.Tensor]:
        cfg = self.config
        indices = history_indices(cfg.history_frames, 1.0 / cfg.frame_rate_hz, len(agent_input.ego_statuses))
        frames = _frames(agent_input.cameras, indices, self.camera, cfg.image_height, cfg.image_width) * 2.0 - 1.0
        velocity, _, command = _ego(agent_input)
        return {"frames": frames, "velocity": velocity, "command": command}


class DriveVATargets:
    """``future_frames (Tf, 3, H, W)`` in [-1, 1] and the human ``trajectory (K, 3)``."""

    def __init__(self, model_config: Any, camera: str) -> None:
        self.config, self.camera = model_config, camera

    def get_unique_name(self) -> str:
        return "driveva_targets"

    def compute_targets(self, scene: Any) -> dict[str, torch.Tensor]:
        cfg = self.config
        num_history = scene.scene_metadata.num_history_frames
        indices = future_indices(cfg.future_frames, 1.0 / cfg.frame_rate_hz, num_history)
        cameras = [frame.cameras for frame in scene.frames]
        frames = _frames(cameras, indices, self.camera, cfg.image_height, cfg.image_width) * 2.0 - 1.0
        return {"future_frames": frames, "trajectory": _future_poses(scene, cfg.trajectory.num_waypoints)}


class DriveJEPAFeatures:
    """``clip (T, 3, H, W)`` in [0, 1] (front camera, 2 Hz) and ``status (11,)``."""

    def __init__(self, model_config: Any, camera: str) -> None:
        self.config, self.camera = model_config, camera

    def get_unique_name(self) -> str:
        return "drivejepa_features"

    def compute_features(self, agent_input: Any) -> dict[str, torch.Tensor]:
        from models.drivejepa.model import ego_status

        enc, plan = self.config.encoder, self.config.planner
        indices = history_indices(enc.num_frames, plan.interval_s, len(agent_input.ego_statuses))
        clip = _frames(agent_input.cameras, indices, self.camera, enc.image_height, enc.image_width)
        velocity, acceleration, command = _ego(agent_input)
        status = ego_status(velocity[None], acceleration[None], command[None], plan.num_commands)[0]
        return {"clip": clip, "status": status}


class DriveJEPATargets:
    """The human ``trajectory (M, 3)``."""

    def __init__(self, model_config: Any) -> None:
        self.config = model_config

    def get_unique_name(self) -> str:
        return "drivejepa_targets"

    def compute_targets(self, scene: Any) -> dict[str, torch.Tensor]:
        return {"trajectory": _future_poses(scene, self.config.planner.num_poses)}


class DriveVATraining:
    """DriveVA's flow-matching loss on the future video latents and waypoints."""

    def __init__(self, model: torch.nn.Module, model_config: Any, camera: str) -> None:
        self.model, self.config, self.camera = model, model_config, camera

    def camera_frames(self, training: bool) -> list[int]:
        step = 1.0 / self.config.frame_rate_hz
        frames = history_indices(self.config.history_frames, step)
        return sorted(set(frames + (future_indices(self.config.future_frames, step) if training else [])))

    def feature_builders(self) -> list:
        return [DriveVAFeatures(self.config, self.camera)]

    def target_builders(self) -> list:
        return [DriveVATargets(self.config, self.camera)]

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Training: nothing to predict outside the loss. Evaluation: sampled ``trajectory (B, K, 3)``."""
        if self.model.training:
            return {}
        sample = self.model.sample(features["frames"], features["velocity"], features["command"])
        return {"trajectory": sample.trajectory}

    def loss(self, features: dict, targets: dict, predictions: dict) -> torch.Tensor:
        batch = {
            "frames": torch.cat([features["frames"], targets["future_frames"]], dim=1),
            "velocity": features["velocity"],
            "command": features["command"],
            "trajectory": targets["trajectory"],
        }
        return self.model.loss(batch)["loss"]

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        return [{"params": [p for p in self.model.parameters() if p.requires_grad], "weight_decay": weight_decay}]

    def load_checkpoint(self, path: str) -> None:
        """Our DriveVA checkpoint (weights + config; a differing config is refused, naming the fields)."""
        from models.common.checkpoint import load_checkpoint
        from models.driveva.config import MODEL_NAME
        from models.driveva.model import IGNORED_CONFIG_PATHS

        load_checkpoint(path, self.model, self.config, MODEL_NAME, ignore=IGNORED_CONFIG_PATHS)


class DriveJEPATraining:
    """Drive-JEPA's losses: trajectory (winner-takes-all over proposals), scores, map, collision."""

    def __init__(self, model: torch.nn.Module, model_config: Any, camera: str) -> None:
        self.model, self.config, self.camera = model, model_config, camera

    def camera_frames(self, training: bool) -> list[int]:
        return sorted(set(history_indices(self.config.encoder.num_frames, self.config.planner.interval_s)))

    def feature_builders(self) -> list:
        return [DriveJEPAFeatures(self.config, self.camera)]

    def target_builders(self) -> list:
        return [DriveJEPATargets(self.config)]

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """The model's outputs plus ``trajectory (B, M, 3)``: the best-scored proposal."""
        out = self.model(features["clip"], features["status"])
        best = out["scores"].argmax(dim=1)
        return {**out, "trajectory": out["proposals"][torch.arange(best.shape[0]), best]}

    def loss(self, features: dict, targets: dict, predictions: dict) -> torch.Tensor:
        from models.drivejepa import synthetic
        from models.drivejepa.losses import drivejepa_loss

        batch = {**features, **targets}
        if "score_targets" not in batch:
            batch = synthetic.proxy_targets(batch, predictions["proposals"].detach())
        return drivejepa_loss(predictions, batch, self.config.loss)["loss"]

    def param_groups(self, lr: float, weight_decay: float) -> list[dict]:
        return self.model.param_groups(lr, weight_decay)

    def load_checkpoint(self, path: str) -> None:
        """Our Drive-JEPA checkpoint (weights + config; a differing config is refused, naming the fields)."""
        from models.common.checkpoint import load_checkpoint
        from models.drivejepa.config import MODEL_NAME
        from models.drivejepa.model import IGNORED_CONFIG_PATHS

        load_checkpoint(path, self.model, self.config, MODEL_NAME, ignore=IGNORED_CONFIG_PATHS)


TRAINING_ADAPTERS = {"driveva": DriveVATraining, "drivejepa": DriveJEPATraining}
"""Registered planners that train inside NAVSIM, by planner name."""
