"""NAVSIM's constant-velocity baseline: keep the current speed, straight ahead."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.base import Observation, Plan
from agents.config_loader import require
from sim.types import TrajectorySampling


@dataclass(frozen=True)
class ConstantVelocityConfig:
    """Output sampling: ``num_poses`` poses every ``interval_length`` [s] (NAVSIM: 8 x 0.5 s)."""

    num_poses: int = 8
    interval_length: float = 0.5  # [s]

    def __post_init__(self) -> None:
        require(self, ">=1", "num_poses")
        require(self, ">0", "interval_length")

    @property
    def sampling(self) -> TrajectorySampling:
        return TrajectorySampling(self.num_poses, self.interval_length)


class ConstantVelocityPlanner:
    """``x_i = (i + 1) dt |v|``, ``y_i = 0``, heading 0 (NAVSIM's ``ConstantVelocityAgent``)."""

    def __init__(self, config: ConstantVelocityConfig = ConstantVelocityConfig()) -> None:
        self.config = config

    def sensors(self) -> list[dict]:
        return []  # the adapters always add the ego sensors (GNSS, IMU, speedometer)

    def reset(self) -> None:
        """Stateless."""

    def plan(self, obs: Observation) -> Plan:
        sampling = self.config.sampling
        x = sampling.interval_length * np.arange(1, sampling.num_poses + 1) * abs(float(obs.speed))
        poses = np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=-1)
        return Plan(trajectory=poses, sampling=sampling)
