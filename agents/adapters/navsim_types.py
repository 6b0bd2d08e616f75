"""NAVSIM's agent-side classes, or stand-ins with the same signatures when NAVSIM is not installed.

:func:`navsim_api` returns NAVSIM's own ``AbstractAgent``, ``SensorConfig``, ``Trajectory``,
feature / target builder bases and nuPlan's ``TrajectorySampling`` when ``navsim`` imports, and the
stand-ins below otherwise, so :mod:`agents.adapters.navsim_agent` builds, pickles and trains the same way on
a machine without NAVSIM (tests, our own evaluation) as inside a NAVSIM checkout.

This module imports torch (``AbstractAgent`` is a ``torch.nn.Module``): import it lazily.
"""

from __future__ import annotations

import abc
import functools
from dataclasses import asdict, dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
import torch

NAVSIM_CAMERAS = ("cam_f0", "cam_l0", "cam_l1", "cam_l2", "cam_r0", "cam_r1", "cam_r2", "cam_b0")
NAVSIM_LIDAR = "lidar_pc"


@dataclass
class TrajectorySampling:
    """nuPlan's ``TrajectorySampling``: give two of poses, horizon [s], interval [s]; the third is derived."""

    num_poses: int | None = None
    time_horizon: float | None = None
    interval_length: float | None = None

    def __post_init__(self) -> None:
        if self.num_poses is None and self.time_horizon is not None and self.interval_length:
            self.num_poses = int(round(self.time_horizon / self.interval_length))
        elif self.time_horizon is None and self.num_poses is not None and self.interval_length:
            self.time_horizon = self.num_poses * self.interval_length
        elif self.interval_length is None and self.num_poses and self.time_horizon is not None:
            self.interval_length = self.time_horizon / self.num_poses
        if self.num_poses is None or self.time_horizon is None or self.interval_length is None:
            raise ValueError(f"TrajectorySampling needs two of num_poses, time_horizon, interval_length: {self}")


@dataclass
class Trajectory:
    """NAVSIM's ``Trajectory``: ``poses (num_poses, 3)`` local x, y, heading, and their sampling."""

    poses: np.ndarray
    trajectory_sampling: TrajectorySampling = field(
        default_factory=lambda: TrajectorySampling(time_horizon=4, interval_length=0.5)
    )

    def __post_init__(self) -> None:
        if self.poses.ndim != 2 or self.poses.shape[1] != 3:
            raise ValueError(f"Trajectory poses must be (num_poses, 3), got {self.poses.shape}")
        if self.poses.shape[0] != self.trajectory_sampling.num_poses:
            raise ValueError(f"{self.poses.shape[0]} poses for a sampling of {self.trajectory_sampling.num_poses}")


@dataclass
class SensorConfig:
    """NAVSIM's ``SensorConfig``: per sensor ``True`` / ``False`` or the frame indices to load."""

    cam_f0: bool | list[int]
    cam_l0: bool | list[int]
    cam_l1: bool | list[int]
    cam_l2: bool | list[int]
    cam_r0: bool | list[int]
    cam_r1: bool | list[int]
    cam_r2: bool | list[int]
    cam_b0: bool | list[int]
    lidar_pc: bool | list[int]

    def get_sensors_at_iteration(self, iteration: int) -> list[str]:
        return [
            name
            for name, include in asdict(self).items()
            if (isinstance(include, bool) and include) or (isinstance(include, list) and iteration in include)
        ]

    @classmethod
    def build_all_sensors(cls, include: bool | list[int] = True) -> SensorConfig:
        return cls(**{name: include for name in (*NAVSIM_CAMERAS, NAVSIM_LIDAR)})

    @classmethod
    def build_no_sensors(cls) -> SensorConfig:
        return cls.build_all_sensors(include=False)


class AbstractFeatureBuilder:
    """NAVSIM's feature builder: ``compute_features(agent_input) -> {name: tensor}`` (no ground truth)."""

    @abc.abstractmethod
    def get_unique_name(self) -> str: ...

    @abc.abstractmethod
    def compute_features(self, agent_input: Any) -> dict[str, torch.Tensor]: ...


class AbstractTargetBuilder:
    """NAVSIM's target builder: ``compute_targets(scene) -> {name: tensor}`` (ground truth allowed)."""

    @abc.abstractmethod
    def get_unique_name(self) -> str: ...

    @abc.abstractmethod
    def compute_targets(self, scene: Any) -> dict[str, torch.Tensor]: ...


class AbstractAgent(torch.nn.Module, abc.ABC):
    """NAVSIM's ``AbstractAgent`` interface (v2 constructor), for machines without NAVSIM."""

    def __init__(self, trajectory_sampling: Any, requires_scene: bool = False) -> None:
        super().__init__()
        self.requires_scene = requires_scene
        self._trajectory_sampling = trajectory_sampling

    @abc.abstractmethod
    def name(self) -> str: ...

    @abc.abstractmethod
    def get_sensor_config(self) -> SensorConfig: ...

    @abc.abstractmethod
    def initialize(self) -> None: ...

    def forward(self, features: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        raise NotImplementedError

    def get_feature_builders(self) -> list[AbstractFeatureBuilder]:
        raise NotImplementedError("No feature builders. Agent does not support training.")

    def get_target_builders(self) -> list[AbstractTargetBuilder]:
        raise NotImplementedError("No target builders. Agent does not support training.")

    def compute_trajectory(self, agent_input: Any) -> Trajectory:
        raise NotImplementedError

    def compute_loss(self, features: dict, targets: dict, predictions: dict) -> torch.Tensor:
        raise NotImplementedError("No loss. Agent does not support training.")

    def get_optimizers(self) -> Any:
        raise NotImplementedError("No optimizers. Agent does not support training.")

    def get_training_callbacks(self) -> list:
        return []


STAND_INS = SimpleNamespace(
    AbstractAgent=AbstractAgent,
    AbstractFeatureBuilder=AbstractFeatureBuilder,
    AbstractTargetBuilder=AbstractTargetBuilder,
    SensorConfig=SensorConfig,
    Trajectory=Trajectory,
    TrajectorySampling=TrajectorySampling,
    is_navsim=False,
)


@functools.cache
def navsim_api() -> SimpleNamespace:
    """NAVSIM's classes when ``navsim`` (and with it nuPlan) imports, else :data:`STAND_INS`."""
    try:
        from navsim.agents.abstract_agent import AbstractAgent as NavsimAgentBase
        from navsim.common.dataclasses import SensorConfig as NavsimSensorConfig
        from navsim.common.dataclasses import Trajectory as NavsimTrajectory
        from navsim.planning.training.abstract_feature_target_builder import (
            AbstractFeatureBuilder as NavsimFeatureBuilder,
        )
        from navsim.planning.training.abstract_feature_target_builder import (
            AbstractTargetBuilder as NavsimTargetBuilder,
        )
        from nuplan.planning.simulation.trajectory.trajectory_sampling import TrajectorySampling as NuplanSampling
    except ImportError:
        return STAND_INS
    return SimpleNamespace(
        AbstractAgent=NavsimAgentBase,
        AbstractFeatureBuilder=NavsimFeatureBuilder,
        AbstractTargetBuilder=NavsimTargetBuilder,
        SensorConfig=NavsimSensorConfig,
        Trajectory=NavsimTrajectory,
        TrajectorySampling=NuplanSampling,
        is_navsim=True,
    )
