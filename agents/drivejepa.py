"""Drive-JEPA planner: 2-frame front clip (t - 0.5 s, t) + ego status -> 32 scored proposals.

The plan carries every proposal with its predicted final score and drives the argmax by default;
the agent layer re-selects with the momentum-aware selector (``agents.control.selection``). Between steps
the planner keeps the front frames of the last ~1 s to build the 2 Hz clip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.base import Observation, Plan
from agents.driveva import FrameHistory
from sim.types import TrajectorySampling

LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class DriveJEPAPlannerConfig:
    """Attributes:
    checkpoint: a Drive-JEPA checkpoint; ``None``: the shipped one (``models/drivejepa/checkpoints/cpu.pt``),
        unless only ``preset`` is given.
    preset: model preset or YAML; alone, a random-weight model of it (tests); with a checkpoint, it
        must match the checkpoint's config.

    The camera (``sensor``, and ``camera`` for the projection) and the ego status are the model
    config's, as in training.
    """

    checkpoint: str | None = None
    preset: str | None = None


class DriveJEPAPlanner:
    """:class:`agents.base.Planner` around :class:`models.drivejepa.model.DriveJEPA` (CPU, eval mode)."""

    def __init__(self, config: DriveJEPAPlannerConfig = DriveJEPAPlannerConfig()) -> None:
        # torch and the model load here, not at import, so the registry stays light.
        from models.common.loading import load_planner_model
        from models.drivejepa import config as drivejepa_config
        from models.drivejepa import model as drivejepa_model

        self.config = config
        self.model, self.model_config, self.checkpoint_extra = load_planner_model(
            drivejepa_config.MODEL_NAME, drivejepa_config.DriveJEPAConfig, drivejepa_model.DriveJEPA,
            drivejepa_config.load, Path(drivejepa_model.__file__).parent, config.checkpoint, config.preset,
            drivejepa_model.IGNORED_CONFIG_PATHS,
            "python -m models.drivejepa.train --preset cpu --data DATASET --out runs/drivejepa",
        )  # fmt: skip
        self.model.eval()
        plan = self.model_config.planner
        self.sampling = TrajectorySampling(plan.num_poses, plan.interval_s)
        self.history = FrameHistory(self.model_config.encoder.num_frames, plan.interval_s)

    def sensors(self) -> list[dict]:
        return [self.model_config.sensor.sensor_spec()]

    def reset(self) -> None:
        self.history.reset()

    def image_history(self) -> tuple[int, float]:
        """Front frames the model reads and their spacing [s] (the NAVSIM adapter loads these)."""
        return self.history.num_frames, self.history.interval

    def observe(self, obs: Observation) -> None:
        """Take in a past frame without planning (warm-up from NAVSIM's history frames)."""
        from models.drivejepa import inputs

        cfg = self.model_config
        if cfg.sensor.id not in obs.images:
            raise KeyError(f"Drive-JEPA needs camera '{cfg.sensor.id}', got {sorted(obs.images)}")
        self.history.push(obs.timestamp, inputs.camera_frame(obs.images[cfg.sensor.id], cfg))

    def plan(self, obs: Observation) -> Plan:
        import torch

        from models.drivejepa import inputs
        from models.drivejepa.config import SCORE_NAMES

        cfg = self.model_config
        self.observe(obs)
        clip = self.history.clip().unsqueeze(0)  # (1, T, 3, H, W) in [0, 1]
        status = inputs.status_vector(obs.speed, obs.acceleration, obs.command, obs.target_point, cfg)[None]
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
