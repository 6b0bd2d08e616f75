"""One sample's fields, object boxes and ego state, from what the agent saw and the world's ground truth.

Field names and columns are the dataset layout's (``models.common.driving_data.layout``); this
module fills everything a sample knows when it is taken. ``future_poses``, ``future_valid`` and
``instruction_completed`` need the samples after it (:mod:`agents.collect.sample_buffer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from agents.adapters import leaderboard_io as io
from agents.base import Plan
from agents.collect.labelling import TickRecord
from agents.control.pid import ControlCommand
from models.common.driving_data.layout import BoxColumn
from sim.geometry import to_local, wrap_angle
from sim.types import ActorIndex, StateIndex
from sim.world.snapshot import WorldSnapshot

IMU_COMPASS = 6  # index of the compass in the IMU payload
NO_ID = -1


def horizon_poses(plan: Plan, steps: int, interval: float) -> np.ndarray:
    """``(steps, 3)`` the plan's poses at ``interval * (1..steps)`` [s] (linear in time, held past its end)."""
    poses = np.asarray(plan.trajectory, dtype=np.float64)
    sampling = plan.sampling
    if poses.shape[0] == steps and abs(sampling.interval_length - interval) < 1e-9:
        return poses.copy()
    times = sampling.interval_length * np.arange(0, poses.shape[0] + 1)
    table = np.vstack([np.zeros((1, 3)), poses])
    table[:, 2] = np.unwrap(table[:, 2])
    wanted = interval * np.arange(1, steps + 1)
    out = np.column_stack([np.interp(wanted, times, table[:, k]) for k in range(3)])
    out[:, 2] = wrap_angle(out[:, 2])
    return out


def control_row(command: Any) -> np.ndarray:
    """``(3,)`` throttle, steer, brake (``ControlColumn`` order) of a control-like object."""
    return np.array([float(command.throttle), float(command.steer), float(command.brake)])


def sample_fields(
    record: TickRecord,
    snapshot: WorldSnapshot,
    input_data: Mapping[str, Any],
    executed: Any,
    expert: ControlCommand,
    perturbed: bool,
    horizon: tuple[int, float],
) -> dict[str, Any]:
    """Every per-sample field except ``future_poses``, ``future_valid`` and ``instruction_completed``."""
    obs, label, signals = record.obs, record.label, record.signals
    instruction, notice = record.instruction, record.notice
    return {
        "frame": snapshot.frame,
        "time": snapshot.time,
        "speed": obs.speed,
        "acceleration": np.asarray(obs.acceleration, dtype=np.float64),
        "gnss": np.asarray(io.sensor_payload(input_data, io.GNSS_ID), dtype=np.float64)[:3],
        "compass": float(np.asarray(io.sensor_payload(input_data, io.IMU_ID))[IMU_COMPASS]),
        "ego_pose": np.asarray(snapshot.ego.pose, dtype=np.float64),
        "target_point": np.asarray(obs.target_point, dtype=np.float64),
        "command": int(obs.command),
        "instruction_id": NO_ID if instruction is None else instruction.id,
        "notice_id": NO_ID if notice is None else notice.id,
        "instruction": "" if instruction is None else instruction.text,
        "notice": "" if notice is None else notice.text,
        "misleading": bool(instruction is not None and instruction.misleading),
        "expert_trajectory": horizon_poses(label, *horizon),
        "control": control_row(executed),
        "expert_control": control_row(expert),
        "perturbed": bool(perturbed),
        "light_state": signals.light_state,
        "light_distance": signals.light_distance,
        "stop_sign_distance": signals.stop_sign_distance,
        "blocking_reason": str(label.info.get("reason", "")),
    }


def object_boxes(snapshot: WorldSnapshot, radius: float) -> np.ndarray:
    """``(M, len(BoxColumn))`` actors within ``radius`` [m] of the ego's box centre, in the sample's local frame."""
    actors = np.asarray(snapshot.actors, dtype=np.float64).reshape(-1, len(ActorIndex))
    near = np.hypot(*(actors[:, :2] - np.asarray(snapshot.ego.center)).T) <= radius
    rows, ids = actors[near], np.asarray(snapshot.actor_ids)[near]
    boxes = np.zeros((rows.shape[0], len(BoxColumn)))
    if rows.shape[0]:
        local = to_local(rows[:, [ActorIndex.X, ActorIndex.Y, ActorIndex.HEADING]], snapshot.ego.pose)
        boxes[:, [BoxColumn.X, BoxColumn.Y]] = local[:, :2]
        boxes[:, BoxColumn.HEADING] = wrap_angle(local[:, 2])
        for box, actor in ((BoxColumn.LENGTH, ActorIndex.LENGTH), (BoxColumn.WIDTH, ActorIndex.WIDTH),
                           (BoxColumn.HEIGHT, ActorIndex.HEIGHT), (BoxColumn.SPEED, ActorIndex.SPEED),
                           (BoxColumn.KIND, ActorIndex.KIND)):  # fmt: skip
            boxes[:, box] = rows[:, actor]
        boxes[:, BoxColumn.ID] = ids
    return boxes


def ego_state_row(snapshot: WorldSnapshot, wheelbase: float) -> np.ndarray:
    """``(11,)`` :class:`sim.types.StateIndex` state of the ego (rear axle, global; steering from the last steer)."""
    ego = snapshot.ego
    state = np.zeros(len(StateIndex))
    state[[StateIndex.X, StateIndex.Y, StateIndex.HEADING]] = ego.pose
    state[StateIndex.VX] = ego.speed
    state[[StateIndex.AX, StateIndex.AY]] = ego.acceleration
    state[StateIndex.ANGULAR_VELOCITY] = ego.yaw_rate
    if abs(ego.speed) > 0.1:  # the kinematic tyre angle that gives this yaw rate at this speed
        state[StateIndex.STEERING_ANGLE] = float(np.arctan(wheelbase * ego.yaw_rate / ego.speed))
    return state
