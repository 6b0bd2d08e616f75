"""The planner the collection's leaderboard agent drives: LangAuto instructions in, expert labels out.

:class:`LabellingPlanner` wraps the driving planner (the expert, or a learned planner in a DAgger
round) inside the ordinary leaderboard agent (:class:`agents.adapters.leaderboard_agent.PlannerAgent`),
so target point, command, speed, acceleration and pose reach it exactly as the adapter computes
them. On sampled ticks it steps the LangAuto instruction manager (10 Hz, as LMDrive's agent plans;
with notices and the light ahead from the privileged world), puts the instruction into the
observation, asks the expert for its plan (the label) and keeps everything in :attr:`last`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from agents.base import Observation, Plan, Planner
from agents.collect.signals import SignalsAhead, SignalWatch
from agents.expert.planner import ExpertPlanner
from agents.instructions import Instruction, InstructionManager
from agents.privileged import require_world


@dataclass(frozen=True)
class TickRecord:
    """What the agent saw and decided on a sampled tick.

    Attributes:
        obs: the observation the driver planned on (instruction included).
        plan: the driver's plan; label: the expert's plan (the same object when the expert drives).
        instruction, notice: what the instruction manager issued (None: nothing).
        signals: the light and stop sign ahead.
    """

    obs: Observation
    plan: Plan
    label: Plan
    instruction: Instruction | None
    notice: Instruction | None
    signals: SignalsAhead


class LabellingPlanner:
    """See the module docstring. ``expert`` is None when ``driver`` is the expert itself."""

    def __init__(self, driver: Planner, expert: ExpertPlanner | None, signal_range: float) -> None:
        self.driver, self.expert, self.signal_range = driver, expert, signal_range
        self.instructions: InstructionManager | None = None
        self.sampling_now = False
        self.last: TickRecord | None = None
        self._watch: SignalWatch | None = None
        self._text: tuple[str | None, str | None] = (None, None)

    def start(self, instructions: InstructionManager) -> None:
        """Begin a route with its instruction manager."""
        self.instructions, self._watch, self.last, self._text = instructions, None, None, (None, None)

    reads_world = True  # the expert labels from the privileged world, whoever drives

    def sensors(self) -> list[dict]:
        return list(self.driver.sensors())

    def reset(self) -> None:
        self.driver.reset()
        if self.expert is not None:
            self.expert.reset()

    def plan(self, obs: Observation) -> Plan:
        world = require_world(obs, "the collection's labelling planner")
        if self._watch is None:
            self._watch = SignalWatch(world, self.signal_range)
        signals = self._watch.ahead(world) if self.sampling_now else None
        # 1. the instruction (stepped at the sample rate), into the observation
        if self.sampling_now and self.instructions is not None:
            text, notice = self.instructions.step(obs.ego_pose, obs.speed, obs.timestamp, signals.instruction_light())
            self._text = (text, notice)
        obs = replace(obs, instruction=self._text[0], notice=self._text[1])
        # 2. the driver drives, the expert labels
        plan = self.driver.plan(obs)
        if self.sampling_now:
            label = plan if self.expert is None else self.expert.plan(obs)
            manager = self.instructions
            issued = (manager.issued, manager.notice) if manager is not None else (None, None)
            self.last = TickRecord(obs, plan, label, *issued, signals)
        # 3. a learned driver may declare its instruction done (LMDrive's completion flag)
        if plan.instruction_completed and self.instructions is not None:
            self.instructions.mark_completed()
        return plan
