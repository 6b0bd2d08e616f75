"""Any planner as a NAVSIM agent, and any planner on our own :class:`sim.types.ScoringScene`.

NAVSIM (autonomousvision/navsim, not the unrelated PyPI package of that name) is imported only
inside :func:`make_navsim_agent`; everything else here works without it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from agents.base import Observation, Planner, RoadOption
from sim.geometry import to_local
from sim.types import PastIndex, ScoringScene, StateIndex

NAVSIM_CAMERAS = ("cam_f0", "cam_l0", "cam_l1", "cam_l2", "cam_r0", "cam_r1", "cam_r2", "cam_b0")
# NAVSIM's one-hot driving command is (left, straight, right, unknown)
COMMAND_FROM_ONE_HOT = (RoadOption.LEFT, RoadOption.STRAIGHT, RoadOption.RIGHT, RoadOption.LANEFOLLOW)
NAVSIM_INTERVAL = 0.5  # [s] spacing of AgentInput history frames


def command_from_one_hot(one_hot: Any) -> int:
    values = np.asarray(one_hot, dtype=np.float64).reshape(-1)
    if values.size != 4 or not np.any(values > 0):
        return RoadOption.LANEFOLLOW
    return int(COMMAND_FROM_ONE_HOT[int(np.argmax(values))])


def observation_from_agent_input(agent_input: Any) -> Observation:
    """NAVSIM ``AgentInput`` (duck-typed: ego_statuses, cameras) -> :class:`Observation` (local frame)."""
    statuses = agent_input.ego_statuses
    now = statuses[-1]
    velocity = np.asarray(now.ego_velocity, dtype=np.float64)
    history = np.array([np.asarray(s.ego_pose, dtype=np.float64) for s in statuses])  # already local to now
    images = {}
    if getattr(agent_input, "cameras", None):
        for name in NAVSIM_CAMERAS:
            camera = getattr(agent_input.cameras[-1], name, None)
            image = getattr(camera, "image", None)
            if image is not None:
                images[name] = np.asarray(image, dtype=np.uint8)
    return Observation(
        timestamp=0.0,
        speed=float(np.hypot(*velocity[:2])),
        images=images,
        acceleration=np.asarray(now.ego_acceleration, dtype=np.float64)[:2],
        pose_history=history,
        command=command_from_one_hot(now.driving_command),
    )


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


def make_navsim_agent(planner: Planner, name: str = "planner", requires_scene: bool = False) -> Any:
    """A NAVSIM ``AbstractAgent`` that runs ``planner`` (NAVSIM v2 constructor; v1.1 without sampling).

    Raises:
        ImportError: NAVSIM is not installed (with where to get it).
    """
    try:
        from navsim.agents.abstract_agent import AbstractAgent
        from navsim.common.dataclasses import SensorConfig, Trajectory
    except ImportError as error:
        raise ImportError(
            "make_navsim_agent needs NAVSIM (github.com/autonomousvision/navsim, installed from its repository; "
            "the PyPI package 'navsim' is an unrelated project)"
        ) from error

    class PlannerNavsimAgent(AbstractAgent):
        """NAVSIM agent wrapping one of our planners (no training hooks)."""

        def __init__(self) -> None:
            try:
                from navsim.common.dataclasses import TrajectorySampling as NavsimSampling

                super().__init__(trajectory_sampling=NavsimSampling(time_horizon=4, interval_length=0.5))
            except (ImportError, TypeError):  # v1.1: no trajectory_sampling argument
                super().__init__()
            self.requires_scene = requires_scene

        def name(self) -> str:
            return name

        def get_sensor_config(self) -> Any:
            needs_cameras = any(s.get("type", "").startswith("sensor.camera") for s in planner.sensors())
            return SensorConfig.build_all_sensors(include=[3]) if needs_cameras else SensorConfig.build_no_sensors()

        def initialize(self) -> None:
            planner.reset()

        def compute_trajectory(self, agent_input: Any, scene: Any = None) -> Any:
            plan = planner.plan(observation_from_agent_input(agent_input))
            poses = plan.as_trajectory().poses.astype(np.float32)
            try:
                from nuplan.planning.simulation.trajectory.trajectory_sampling import TrajectorySampling as NuSampling

                sampling = NuSampling(num_poses=plan.sampling.num_poses, interval_length=plan.sampling.interval_length)
                return Trajectory(poses, sampling)
            except ImportError:
                return Trajectory(poses)

    return PlannerNavsimAgent()
