"""What the leaderboard agent shows the debugging tools: its last plan, selection and control.

The embedded runner asks ``PlannerAgent.debug_payload()`` after each tick while it records or steps
a route; this module builds the answer, an :class:`sim.run.agent_debug.AgentDebug`, from what the
agent kept of its last plan, plus the planner's optional ``debug_view()`` and the numbers and
strings of ``Plan.info``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real

import numpy as np

from agents.base import DebugView, Observation, Plan, RoadOption
from agents.control.pid import ControlCommand, WaypointController, resample_waypoints
from sim.run.agent_debug import AgentDebug

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlanningStep:
    """What the agent kept of its last planning step.

    Attributes:
        observation: what the planner was given.
        pose: ``(3,)`` x [m], y [m], heading [rad] of the ego then (global frame, from GNSS + compass).
        plan: the plan driven (after selection).
        blended_scores: ``(N,)`` the selector's scores, or ``None`` without selection.
        previous_choice: the index the selector chose one step before, or ``None``.
        command: the controller's output for this plan.
    """

    observation: Observation
    pose: np.ndarray
    plan: Plan
    blended_scores: np.ndarray | None
    previous_choice: int | None
    command: ControlCommand


def build_debug(step: PlanningStep, controller: WaypointController, planner, planner_name: str) -> AgentDebug:
    """The :class:`AgentDebug` of the last planning step (local frame: the ego at ``step.pose``)."""
    plan, obs, command = step.plan, step.observation, step.command
    scalars = {
        "pid/target_speed": command.desired_speed,  # [m/s]
        "pid/speed": obs.speed,  # [m/s]
        "pid/aim_angle": command.aim_angle,  # [deg / 90], positive right
        "pid/steer": command.steer,
        "pid/throttle": command.throttle,
        "pid/brake": command.brake,
    }
    if step.previous_choice is not None:
        scalars["selection/previous_choice"] = float(step.previous_choice)
    if plan.chosen is not None:
        scalars["selection/chosen"] = float(plan.chosen)
    text = {"instruction": obs.instruction or "", "notice": obs.notice or "", "command": _command_name(obs.command)}
    _add_info(plan.info, planner_name, scalars, text)
    view = _planner_view(planner)
    if view is not None:
        scalars.update({f"{planner_name}/{k}": float(v) for k, v in view.scalars.items()})
        text.update({f"{planner_name}/{k}": str(v) for k, v in view.text.items()})
    return AgentDebug(
        plan_pose=np.asarray(step.pose, dtype=np.float64),
        trajectory=plan.trajectory if plan.is_valid else None,
        sampling_interval=plan.sampling.interval_length,
        proposals=plan.proposals,
        scores=plan.scores,
        blended_scores=step.blended_scores,
        chosen=plan.chosen,
        waypoints=_waypoints(plan, controller),
        target_point=obs.target_point,
        route=obs.route,
        scalars=scalars,
        text=text,
        imagined=dict(view.imagined) if view is not None else {},
    )


def _waypoints(plan: Plan, controller: WaypointController) -> np.ndarray | None:
    """``(W, 2)`` the waypoints the PID controller read from the plan."""
    if not plan.is_valid:
        return None
    cfg = controller.config
    return resample_waypoints(plan.trajectory, plan.sampling, cfg.waypoint_interval, cfg.num_waypoints)


def _add_info(info: Mapping, planner_name: str, scalars: dict, text: dict) -> None:
    """Every number of ``Plan.info`` becomes a time series, every string a text."""
    for key, value in info.items():
        if isinstance(value, bool | np.bool_):
            scalars[f"{planner_name}/{key}"] = float(value)
        elif isinstance(value, Real | np.number) and np.isfinite(float(value)):
            scalars[f"{planner_name}/{key}"] = float(value)
        elif isinstance(value, str):
            text[f"{planner_name}/{key}"] = value


def _command_name(command: int) -> str:
    try:
        return RoadOption(int(command)).name
    except ValueError:
        return str(command)


def _planner_view(planner) -> DebugView | None:
    hook = getattr(planner, "debug_view", None)
    if hook is None:
        return None
    try:
        return hook()
    except Exception:
        logger.exception("%s.debug_view() failed; the tick is shown without it", type(planner).__name__)
        return None
