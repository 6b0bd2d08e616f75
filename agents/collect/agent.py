"""The leaderboard agent a collection drives with: the ordinary adapter around a :class:`LabellingPlanner`.

The driving planner is built from the agent config string as the evaluator builds it (a
registered planner name such as ``expert``, or an agent YAML for a learned driver); only
:meth:`PlannerAgent.build_planner`, the adapter's extension point, is overridden.
"""

from __future__ import annotations

from agents.adapters.leaderboard_agent import AgentConfig, PlannerAgent
from agents.base import Planner
from agents.collect.labelling import LabellingPlanner
from agents.expert.planner import ExpertPlanner
from agents.registry import make_planner

EXPERT = "expert"


class CollectingAgent(PlannerAgent):
    """``CollectingAgent(config, signal_range)``: the leaderboard 1.0 lifecycle (setup in the constructor)."""

    def __init__(self, config: str, signal_range: float) -> None:
        self._signal_range = signal_range
        super().__init__(config or EXPERT)

    def build_planner(self, config: AgentConfig) -> Planner:
        driver = super().build_planner(config)
        expert = None if isinstance(driver, ExpertPlanner) else make_planner(EXPERT)
        return LabellingPlanner(driver, expert, self._signal_range)

    @property
    def labelling(self) -> LabellingPlanner:
        return self.planner
