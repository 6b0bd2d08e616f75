"""The planner protocol: what every planner sees (:class:`Observation`) and returns (:class:`Plan`).

One planner runs unchanged in the embedded world, inside the CARLA leaderboard and as a NAVSIM
agent: each adapter builds an :class:`Observation` from its own inputs, calls
:meth:`Planner.plan`, and turns the :class:`Plan` into its own output (a ``carla.VehicleControl``
through selection and PID control, or a NAVSIM ``Trajectory``).

Frames (DESIGN.md): "local" is the ego rear-axle frame now, x forward, y left, heading
counter-clockwise [rad]; "global" is the map frame in the internal right-handed convention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

import numpy as np

from sim.types import Frame, RoadOption, ScoringScene, Trajectory, TrajectorySampling
from sim.world.privileged import PrivilegedWorld

__all__ = ["DebugView", "Observation", "Plan", "Planner", "RoadOption"]


def _empty(shape: tuple[int, ...]) -> np.ndarray:
    return np.zeros(shape, dtype=np.float64)


@dataclass(frozen=True)
class Observation:
    """Everything a planner may read at one tick.

    Attributes:
        timestamp: simulation time [s].
        speed: forward speed [m/s] (negative when reversing).
        images: camera images by sensor id, each ``(H, W, 3)`` uint8 **RGB**.
        acceleration: ``(2,)`` [m/s^2] body frame, longitudinal and lateral (left positive).
        ego_pose: ``(3,)`` x [m], y [m], heading [rad] of the rear axle, global frame.
        pose_history: ``(H, 3)`` past poses in the local frame, oldest first, the last row is now.
        route: ``(K, 2)`` upcoming route points [m], local frame, nearest first (may be empty).
        target_point: ``(2,)`` the next route target [m], local frame (LMDrive's / TF++'s target).
        command: :class:`RoadOption` value of the next route segment.
        instruction: LangAuto language instruction, or ``None`` outside LangAuto.
        notice: LangAuto notice instruction (scenario or light ahead), or ``None``.
        lidar: ``(N, 4)`` float32 x, y, z, intensity in the local frame, or ``None``.
        world: the ground truth of the world driven in (for planners with ``reads_world``), or ``None``.
        scene: the NAVSIM-style scoring scene being planned in (NAVSIM scenes), or ``None``.
    """

    timestamp: float
    speed: float
    images: Mapping[str, np.ndarray] = field(default_factory=dict)
    acceleration: np.ndarray = field(default_factory=lambda: _empty((2,)))
    ego_pose: np.ndarray = field(default_factory=lambda: _empty((3,)))
    pose_history: np.ndarray = field(default_factory=lambda: _empty((1, 3)))
    route: np.ndarray = field(default_factory=lambda: _empty((0, 2)))
    target_point: np.ndarray = field(default_factory=lambda: _empty((2,)))
    command: int = RoadOption.LANEFOLLOW
    instruction: str | None = None
    notice: str | None = None
    lidar: np.ndarray | None = None
    world: PrivilegedWorld | None = None
    scene: ScoringScene | None = None


@dataclass(frozen=True)
class Plan:
    """A planner's answer at one tick.

    Attributes:
        trajectory: ``(T, 3)`` float64 x [m], y [m], heading [rad], local frame; pose ``k`` is at
            ``(k + 1) * sampling.interval_length`` [s]. May contain NaN or be empty when a model
            fails: adapters check :attr:`is_valid` and brake instead of driving it.
        sampling: the time grid of ``trajectory`` and of every proposal.
        proposals: ``(N, T, 3)`` candidate trajectories (local frame), or ``None``.
        scores: ``(N,)`` predicted score of each proposal (higher is better), or ``None``.
        chosen: index of ``trajectory`` among ``proposals``, or ``None``.
        instruction_completed: the planner believes the current language instruction is done.
        info: free-form debugging values, not read to drive. The recorders plot every number in it
            (``plots/<planner>/<key>``) and show every string (``text/<planner>/<key>``).
    """

    trajectory: np.ndarray
    sampling: TrajectorySampling
    proposals: np.ndarray | None = None
    scores: np.ndarray | None = None
    chosen: int | None = None
    instruction_completed: bool = False
    info: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "trajectory", np.asarray(self.trajectory, dtype=np.float64))
        if self.proposals is not None:
            object.__setattr__(self, "proposals", np.asarray(self.proposals, dtype=np.float64))
        if self.scores is not None:
            object.__setattr__(self, "scores", np.asarray(self.scores, dtype=np.float64))

    @property
    def is_valid(self) -> bool:
        """The trajectory is non-empty, ``(T, 3)`` and finite."""
        poses = self.trajectory
        return poses.ndim == 2 and poses.shape[0] > 0 and poses.shape[1] == 3 and bool(np.all(np.isfinite(poses)))

    @property
    def has_proposals(self) -> bool:
        return self.proposals is not None and self.scores is not None and len(self.scores) > 0

    def with_choice(self, index: int) -> Plan:
        """The same plan driving ``proposals[index]`` (used by the momentum-aware selector)."""
        if self.proposals is None:
            raise ValueError("Plan.with_choice needs proposals")
        return replace(self, trajectory=self.proposals[index], chosen=int(index))

    def as_trajectory(self) -> Trajectory:
        """The validated :class:`sim.types.Trajectory` (raises on NaN or a wrong shape)."""
        return Trajectory(self.trajectory, self.sampling, Frame.LOCAL)


@dataclass(frozen=True)
class DebugView:
    """What a planner shows the debugging tools besides its :class:`Plan` (see :class:`Planner`).

    Attributes:
        imagined: future frames the planner imagined at its last plan, by view name:
            ``(F, H, W, 3)`` uint8 RGB each, oldest first (LMGenDrive's generated world, DriveVA's video).
        scalars: extra time series by name (plotted as ``plots/<planner>/<name>``).
        text: extra texts by name (shown as ``text/<planner>/<name>``).
    """

    imagined: Mapping[str, np.ndarray] = field(default_factory=dict)
    scalars: Mapping[str, float] = field(default_factory=dict)
    text: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Planner(Protocol):
    """Anything that maps an :class:`Observation` to a :class:`Plan`.

    A planner that reads ground truth sets a class attribute ``reads_world = True``: the leaderboard
    agent then fills :attr:`Observation.world` (read through ``CarlaDataProvider``).

    Optional hook: ``debug_view() -> DebugView | None``, called by the adapters only while a route
    is recorded or stepped in the debugger, after :meth:`plan`; costly views (decoding imagined
    frames) belong there rather than in :meth:`plan`. It is not part of the protocol's check.
    """

    def sensors(self) -> list[dict]:
        """Leaderboard sensor dicts (cameras, LiDAR...) this planner reads, besides the ego sensors."""
        ...

    def reset(self) -> None:
        """Forget every state carried between ticks (called at the start of a route or scene)."""
        ...

    def plan(self, obs: Observation) -> Plan:
        """One planning step."""
        ...
