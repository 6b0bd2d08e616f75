"""PlannerAgent.debug_payload(): the last plan, selection, PID and the planner's own view, as plain data."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from agents.adapters.leaderboard_agent import AgentConfig
from agents.base import DebugView, Plan
from agents.control.pid import resample_waypoints
from sim.run.agent_debug import as_agent_debug
from tests.agents.adapters.test_leaderboard_agent import (
    RecordingAgent,
    RecordingPlanner,
    camera,
    input_data,
    straight_route,
)


class ViewingPlanner(RecordingPlanner):
    """Adds Plan.info values and a debug_view() with imagined frames (or one that fails)."""

    def __init__(self, broken: bool = False) -> None:
        super().__init__()
        self.broken = broken

    def plan(self, obs):  # noqa: ANN001, ANN201
        plan = super().plan(obs)
        info = {"confidence": np.float32(0.25), "reason": "free road", "history": np.zeros(3), "stopped": False}
        return Plan(plan.trajectory, plan.sampling, plan.proposals, plan.scores, plan.chosen, info=info)

    def debug_view(self) -> DebugView:
        if self.broken:
            raise RuntimeError("decoder out of memory")
        return DebugView(imagined={"rgb_front": np.zeros((2, 4, 6, 3), np.uint8)}, scalars={"latent_norm": 3.0})


class ViewingAgent(RecordingAgent):
    def build_planner(self, config: AgentConfig):  # noqa: ANN201
        return ViewingPlanner(broken=config.planner == "broken")


def drive(agent: ViewingAgent, steps: int = 3) -> None:
    agent.set_global_plan(*straight_route())
    for k in range(steps):
        agent.step(input_data(2.5 * k, 0.0, 0.0, 5.0, camera()), 0.5 * k)


def test_the_payload_holds_plan_selection_pid_and_the_planners_view() -> None:
    agent = ViewingAgent("viewing")
    assert agent.debug_payload() is None, "nothing before the first plan"
    drive(agent)
    debug = as_agent_debug(agent.debug_payload())  # what the runner does with it
    assert np.allclose(debug.plan_pose, [5.0, 0.0, 0.0], atol=1e-6)
    assert debug.proposals.shape == (2, 8, 3) and debug.chosen == 1 and debug.blended_scores.shape == (2,)
    assert np.array_equal(debug.trajectory, debug.proposals[1]) and debug.sampling_interval == 0.5
    controller = agent.controller.config
    expected = resample_waypoints(debug.trajectory, agent.last_plan.sampling, controller.waypoint_interval,
                                  controller.num_waypoints)  # fmt: skip
    assert np.allclose(debug.waypoints, expected)
    assert debug.scalars["pid/target_speed"] == pytest.approx(5.0), "2.5 m per 0.5 s"
    assert debug.scalars["selection/previous_choice"] == 1.0 and debug.scalars["selection/chosen"] == 1.0
    assert debug.scalars["viewing/confidence"] == pytest.approx(0.25) and debug.scalars["viewing/stopped"] == 0.0
    assert "viewing/history" not in debug.scalars, "arrays in Plan.info are not time series"
    assert debug.text["viewing/reason"] == "free road" and debug.text["command"] == "LANEFOLLOW"
    assert debug.scalars["viewing/latent_norm"] == 3.0 and debug.imagined["rgb_front"].shape == (2, 4, 6, 3)


def test_a_failing_planner_view_leaves_the_rest(caplog: pytest.LogCaptureFixture) -> None:
    agent = ViewingAgent("broken")
    drive(agent, steps=1)
    with caplog.at_level(logging.ERROR):
        debug = agent.debug_payload()
    assert "ViewingPlanner.debug_view() failed" in caplog.text
    assert debug.imagined == {} and debug.proposals.shape == (2, 8, 3)
