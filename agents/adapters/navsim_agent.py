"""Any registered planner as a NAVSIM agent (``NavsimAgent``), and any planner on our own ScoringScene.

``NavsimAgent`` is a module-level, picklable subclass of NAVSIM's ``AbstractAgent`` (or of the
stand-in with the same signatures in :mod:`agents.adapters.navsim_types` when NAVSIM is not installed); the
class is made on first use, so importing this module needs neither NAVSIM nor torch. Hydra builds it
from ``_target_: agents.adapters.navsim_agent.NavsimAgent`` with the keyword arguments of
:meth:`_NavsimAgentMixin.__init__` (planner name, planner config overrides, checkpoint...).

- Sensors: the planner's cameras map to NAVSIM's (``rgb_front`` -> ``cam_f0``...), and only the
  cameras and history frames it reads are requested (plus the future frames of training targets).
- ``requires_scene``: planners that read the privileged world (``pdm_closed``) get NAVSIM's ``scene``
  as a :class:`~sim.types.ScoringScene` built from its current frame (:mod:`agents.adapters.navsim_scene`).
- Training: Drive-JEPA and DriveVA provide feature / target builders, ``forward``, ``compute_loss``
  and ``get_optimizers`` (:mod:`agents.adapters.navsim_training`) for NAVSIM's training script.
"""

from __future__ import annotations

import logging
import types
from dataclasses import replace
from typing import Any

import numpy as np

from agents.adapters.navsim_camera import (
    NAVSIM_CAMERAS,
    camera_map_for,
    observation_from_agent_input,
    wants_lidar,
)
from agents.base import Observation, RoadOption
from sim.geometry import to_local
from sim.types import PastIndex, ScoringScene, StateIndex

LOGGER = logging.getLogger(__name__)
NAVSIM_HISTORY = 4  # history frames of NAVSIM's AgentInput (t = -1.5 ... 0 s)


def observation_from_scoring_scene(scene: ScoringScene) -> Observation:
    """A scoring scene -> :class:`Observation` holding the scene; the route is its centerline, local frame."""
    ego = np.asarray(scene.ego_init, dtype=np.float64)
    pose = ego[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]]
    past = np.asarray(scene.ego_past, dtype=np.float64)
    past_poses = past[:, [PastIndex.X, PastIndex.Y, PastIndex.HEADING]]
    centerline = np.asarray(scene.centerline, dtype=np.float64)
    centerline_local = to_local(centerline, pose)
    ahead = centerline_local[centerline_local[:, 0] > 0.0]
    return Observation(
        timestamp=0.0,
        speed=float(np.hypot(ego[StateIndex.VX], ego[StateIndex.VY])),
        acceleration=ego[[StateIndex.AX, StateIndex.AY]],
        ego_pose=pose,
        pose_history=to_local(past_poses, pose),
        route=centerline_local,
        target_point=ahead[min(len(ahead) - 1, 20)] if len(ahead) else np.zeros(2),
        command=RoadOption.LANEFOLLOW,
        scene=scene,
    )


def with_navsim_scene(obs: Observation, scene: Any) -> Observation:
    """``obs`` (from the AgentInput) with the scoring scene of NAVSIM's ``scene`` and its route (local)."""
    from agents.adapters.navsim_scene import scene_from_navsim

    scoring = scene_from_navsim(scene)
    privileged = observation_from_scoring_scene(scoring)
    return replace(
        obs, ego_pose=privileged.ego_pose, route=privileged.route, target_point=privileged.target_point, scene=scoring
    )


class _NavsimAgentMixin:
    """What ``NavsimAgent`` adds to NAVSIM's ``AbstractAgent`` (see the module docstring)."""

    def __init__(
        self,
        planner: str = "constant_velocity",
        config: dict | None = None,
        checkpoint: str | None = None,
        trajectory_sampling: Any = None,
        requires_scene: bool | None = None,
        camera_map: dict | None = None,
        training: bool = False,
        lr: float = 1e-4,
        weight_decay: float = 0.0,
    ) -> None:
        """Args:
        planner: registered planner name (``agents.registry``).
        config: overrides of the planner's config (e.g. ``{"preset": "tiny"}``).
        checkpoint: weights loaded by :meth:`initialize`: NAVSIM's Lightning checkpoint of this agent
            (``state_dict`` with ``agent.`` keys) or our own model checkpoint.
        trajectory_sampling: NAVSIM's sampling (object or ``{time_horizon, interval_length}``), default 4 s at 0.5 s.
        requires_scene: pass NAVSIM's ``scene`` (default: when the planner reads ground truth, ``reads_world``).
        camera_map: ``{planner camera id: NAVSIM camera}`` added to the default pairs.
        training: also request the future frames the training targets read.
        lr, weight_decay: AdamW settings of :meth:`get_optimizers`.
        """
        from agents.adapters.navsim_training import TRAINING_ADAPTERS
        from agents.adapters.navsim_types import navsim_api
        from agents.registry import make_planner

        api = navsim_api()
        built = make_planner(planner, dict(config or {}))
        sensors = built.sensors()
        if requires_scene is None:
            requires_scene = bool(getattr(built, "reads_world", False))
        super().__init__(trajectory_sampling=_sampling(api, trajectory_sampling), requires_scene=bool(requires_scene))
        self.init_args = dict(planner=planner, config=dict(config or {}), checkpoint=checkpoint,
                              trajectory_sampling=trajectory_sampling, requires_scene=requires_scene,
                              camera_map=camera_map, training=training, lr=lr, weight_decay=weight_decay)  # fmt: skip
        self.planner = built
        self.camera_map = camera_map_for(sensors, camera_map)
        self.use_lidar = wants_lidar(sensors)
        model = getattr(built, "model", None)
        self.hooks = None
        if model is not None:
            self.model = model  # registered: NAVSIM's trainer optimises and checkpoints it
            if planner in TRAINING_ADAPTERS:
                camera = self.camera_map[_camera_id(built)]
                self.hooks = TRAINING_ADAPTERS[planner](model, built.model_config, camera)

    def __reduce__(self):
        return _rebuild_agent, (self.init_args, self.state_dict())

    def name(self) -> str:
        return self.init_args["planner"]

    def initialize(self) -> None:
        """Load the checkpoint (when given) and reset the planner; NAVSIM calls this once per worker."""
        if self.init_args["checkpoint"]:
            self._load_checkpoint(self.init_args["checkpoint"])
        self.planner.reset()

    def get_sensor_config(self) -> Any:
        """Only the cameras (and history frames) the planner reads; LiDAR now when it reads LiDAR."""
        from agents.adapters.navsim_types import navsim_api

        frames: dict[str, set[int]] = {camera: set(self._history_frames()) for camera in self.camera_map.values()}
        if self.hooks is not None:
            camera = self.camera_map[_camera_id(self.planner)]
            frames[camera] |= set(self.hooks.camera_frames(self.init_args["training"]))
        include = {camera: sorted(frames[camera]) if camera in frames else False for camera in NAVSIM_CAMERAS}
        return navsim_api().SensorConfig(**include, lidar_pc=[NAVSIM_HISTORY - 1] if self.use_lidar else False)

    def compute_trajectory(self, agent_input: Any, scene: Any = None) -> Any:
        """Plan on NAVSIM's ``agent_input`` (and ``scene`` for privileged planners) -> NAVSIM ``Trajectory``."""
        from agents.adapters.navsim_types import navsim_api

        api = navsim_api()
        # 1. The history frames the planner keeps, then now
        self.planner.reset()
        observe = getattr(self.planner, "observe", None)
        last = len(agent_input.ego_statuses) - 1
        for index in self._history_frames(last + 1) if observe is not None else []:
            if index != last:
                observe(observation_from_agent_input(agent_input, self.camera_map, index, self.use_lidar))
        obs = observation_from_agent_input(agent_input, self.camera_map, last, self.use_lidar)
        # 2. Privileged planners read NAVSIM's scene
        if self.requires_scene:
            if scene is None:
                raise ValueError(f"planner '{self.name()}' needs NAVSIM's scene: call compute_trajectory(input, scene)")
            obs = with_navsim_scene(obs, scene)
        # 3. Plan; a non-finite plan stops the ego where it is
        plan = self.planner.plan(obs)
        poses = plan.trajectory
        if not plan.is_valid or poses.shape[0] != plan.sampling.num_poses:
            LOGGER.warning("planner %s returned an invalid trajectory: standing still", self.name())
            poses = np.zeros((plan.sampling.num_poses, 3))
        sampling = api.TrajectorySampling(
            num_poses=plan.sampling.num_poses, interval_length=plan.sampling.interval_length
        )
        return api.Trajectory(poses.astype(np.float32), sampling)

    def forward(self, features: dict) -> dict:
        return self._training_hooks().forward(features)

    def get_feature_builders(self) -> list:
        return self._training_hooks().feature_builders()

    def get_target_builders(self) -> list:
        return self._training_hooks().target_builders()

    def compute_loss(self, features: dict, targets: dict, predictions: dict) -> Any:
        return self._training_hooks().loss(features, targets, predictions)

    def get_optimizers(self) -> Any:
        import torch

        lr, weight_decay = self.init_args["lr"], self.init_args["weight_decay"]
        return torch.optim.AdamW(self._training_hooks().param_groups(lr, weight_decay), lr=lr)

    def _training_hooks(self) -> Any:
        if self.hooks is None:
            from agents.adapters.navsim_training import TRAINING_ADAPTERS

            raise NotImplementedError(
                f"planner '{self.name()}' does not train in NAVSIM; these do: {sorted(TRAINING_ADAPTERS)}"
            )
        return self.hooks

    def _history_frames(self, num_history: int = NAVSIM_HISTORY) -> list[int]:
        from agents.adapters.navsim_training import history_indices

        image_history = getattr(self.planner, "image_history", None)
        if image_history is None:
            return [num_history - 1]
        return sorted(set(history_indices(*image_history(), num_history=num_history)))

    def _load_checkpoint(self, path: str) -> None:
        import torch

        try:
            payload = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as error:  # noqa: BLE001 - torch raises many kinds for a bad file
            raise ValueError(
                f"checkpoint '{path}' cannot be read as weights ({type(error).__name__}: {error})"
            ) from error
        if isinstance(payload, dict) and "format" in payload and self.hooks is not None:
            self.hooks.load_checkpoint(path)  # our models' format: config checked, fields named
            return
        state = payload.get("state_dict") if isinstance(payload, dict) else None
        if not isinstance(state, dict):
            raise ValueError(f"checkpoint '{path}' has no state_dict")
        self.load_state_dict({key.removeprefix("agent."): value for key, value in state.items()}, strict=True)


def _sampling(api: Any, value: Any) -> Any:
    if value is None:
        return api.TrajectorySampling(time_horizon=4.0, interval_length=0.5)
    if isinstance(value, dict):
        return api.TrajectorySampling(**{k: v for k, v in value.items() if not k.startswith("_")})
    return value


def _rebuild_agent(init_args: dict, state: dict) -> Any:
    agent = navsim_agent_class()(**init_args)
    agent.load_state_dict(state, strict=True)
    return agent


def build_agent_class(base: type) -> type:
    """``NavsimAgent`` on ``base`` (NAVSIM's ``AbstractAgent`` or the stand-in)."""
    cls = types.new_class("NavsimAgent", (_NavsimAgentMixin, base))
    cls.__module__, cls.__qualname__ = __name__, "NavsimAgent"
    cls.__doc__ = "A registered planner as a NAVSIM agent (module docstring of agents.adapters.navsim_agent)."
    return cls


_AGENT_CLASS: list[type] = []


def navsim_agent_class() -> type:
    """The one ``NavsimAgent`` class of this process (made on first use, on NAVSIM's base when it imports)."""
    if not _AGENT_CLASS:
        from agents.adapters.navsim_types import navsim_api

        _AGENT_CLASS.append(build_agent_class(navsim_api().AbstractAgent))
    return _AGENT_CLASS[0]


def __getattr__(name: str) -> Any:
    if name == "NavsimAgent":
        return navsim_agent_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _camera_id(planner: Any) -> str:
    """The id of the one camera a trainable planner declares (its model config's)."""
    return next(spec["id"] for spec in planner.sensors() if str(spec.get("type", "")).startswith("sensor.camera"))
