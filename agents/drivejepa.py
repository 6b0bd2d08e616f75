"""Drive-JEPA planner: 2-frame front clip (t - 0.5 s, t) + ego status -> 32 scored proposals.

The plan carries every proposal with its predicted final score and drives the argmax by default;
the agent layer re-selects with the momentum-aware selector (``agents.control.selection``). Between steps
the planner keeps the front frames of the last ~1 s to build the 2 Hz clip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from agents.base import Observation, Plan
from agents.driveva import FrameHistory, navsim_command, resize_image
from sim.types import TrajectorySampling
from sim.world.camera_rig import camera_spec

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriveJEPAPlannerConfig:
    """Attributes:
    preset: model preset name or YAML path (``tiny`` runs with random weights).
    camera_id: sensor id of the front camera.
    camera_width / camera_height: sensor size [px]; the aspect matches the model camera's
        tan(fov_h / 2) / tan(fov_v / 2) (NAVSIM's cropped 1920 x 1024), resized non-uniformly to the input.
    camera_position: sensor mount x, y, z [m] (leaderboard convention); keep it consistent with the
        model config's ``camera.position`` (given relative to the rear axle).
    """

    preset: str = "tiny"
    camera_id: str = "rgb_front"
    camera_width: int = 960
    camera_height: int = 512
    camera_position: tuple[float, float, float] = (0.2, 0.0, 1.6)


class DriveJEPAPlanner:
    """:class:`agents.base.Planner` around :class:`models.drivejepa.model.DriveJEPA` (CPU, eval mode)."""

    def __init__(self, config: DriveJEPAPlannerConfig = DriveJEPAPlannerConfig()) -> None:
        # torch and the model load here, not at import, so the registry stays light.
        from models.drivejepa import config as drivejepa_config
        from models.drivejepa.model import build_model

        self.config = config
        self.model_config = drivejepa_config.load(config.preset)
        self.model = build_model(self.model_config).eval()
        plan = self.model_config.planner
        self.sampling = TrajectorySampling(plan.num_poses, plan.interval_s)
        self.history = FrameHistory(self.model_config.encoder.num_frames, plan.interval_s)

    def sensors(self) -> list[dict]:
        cfg = self.config
        return [
            camera_spec(
                cfg.camera_id,
                0.0,
                cfg.camera_width,
                cfg.camera_height,
                self.model_config.camera.fov_horizontal_deg,
                cfg.camera_position,
            )
        ]

    def reset(self) -> None:
        self.history.reset()

    def image_history(self) -> tuple[int, float]:
        """Front frames the model reads and their spacing [s] (the NAVSIM adapter loads these)."""
        return self.history.num_frames, self.history.interval

    def observe(self, obs: Observation) -> None:
        """Take in a past frame without planning (warm-up from NAVSIM's history frames)."""
        if self.config.camera_id not in obs.images:
            raise KeyError(f"Drive-JEPA needs camera '{self.config.camera_id}', got {sorted(obs.images)}")
        enc = self.model_config.encoder
        self.history.push(
            obs.timestamp, resize_image(obs.images[self.config.camera_id], enc.image_height, enc.image_width)
        )

    def plan(self, obs: Observation) -> Plan:
        import torch

        from models.drivejepa.config import SCORE_NAMES
        from models.drivejepa.model import ego_status

        self.observe(obs)
        clip = self.history.clip().unsqueeze(0)  # (1, T, 3, H, W) in [0, 1]
        velocity = torch.tensor([[float(obs.speed), 0.0]])
        accel = torch.as_tensor(np.asarray(obs.acceleration, dtype=np.float32)[:2]).view(1, 2)
        command = torch.tensor([navsim_command(obs.command)])
        status = ego_status(velocity, accel, command, self.model_config.planner.num_commands)
        with torch.no_grad():
            out = self.model(clip, status)
        proposals = out["proposals"][0].double().numpy()
        scores = out["scores"][0].double().numpy()
        chosen = int(np.argmax(scores))
        if not np.all(np.isfinite(proposals)):
            LOGGER.warning("Drive-JEPA produced non-finite proposals at t=%.2f", obs.timestamp)
        subscores = out["score_logits"][0].sigmoid().double().numpy()
        return Plan(
            trajectory=proposals[chosen],
            sampling=self.sampling,
            proposals=proposals,
            scores=scores,
            chosen=chosen,
            info={"subscores": subscores, "score_names": SCORE_NAMES, "history_frames": len(self.history)},
        )
