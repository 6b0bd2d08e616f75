"""What watches a route's closed loop besides the criteria: Bench2Drive's motion log, scenario outcomes, recorders."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from sim.eval.bench2drive_metric import MetricColumn, MotionSamples, metric_sample
from sim.eval.criteria import RouteCriteria
from sim.world.scenario_base import ScenarioStatus
from sim.world.snapshot import WorldSnapshot
from sim.world.world import World

YIELD_SCENARIO = "YieldToEmergencyVehicle"


class TickObserver(Protocol):
    """Told about every tick, after the world advanced and the criteria judged it."""

    def after_tick(self, world: World, snapshot: WorldSnapshot) -> None: ...


class Recorder(Protocol):
    """Keeps what the agent was given each tick (e.g. :class:`sim.run.video.VideoRecorder`)."""

    def add(self, snapshot: WorldSnapshot, input_data: dict[str, Any]) -> None: ...


class ScenarioReporter:
    """Reports scenario outcomes from the world to the criteria, once per scenario (2.0 rules).

    A scenario that stays active past its timeout is a scenario timeout; a YieldToEmergencyVehicle
    scenario that ends with its vehicle still behind the ego is a failure to yield.
    """

    def __init__(self, criteria: RouteCriteria) -> None:
        self.criteria = criteria
        self.reported: set[str] = set()

    def after_tick(self, world: World, snapshot: WorldSnapshot | None = None) -> None:
        for state in world.scenario_states():
            if state.name in self.reported:
                continue
            location = world.context.ego_xy  # the ego's box centre [m], internal frame
            if state.status is ScenarioStatus.TIMED_OUT:
                self.criteria.scenario_timeout(state.name, world.time, location)
                self.reported.add(state.name)
            elif state.status is ScenarioStatus.DONE and state.type == YIELD_SCENARIO:
                if world.emergency_vehicle_behind(state.name):
                    self.criteria.failed_to_yield(world.time, location)
                self.reported.add(state.name)


class MotionLog:
    """The ego's motion at every tick, as a Bench2Drive agent's ``get_metric_info()`` records it each step."""

    def __init__(self) -> None:
        self.frames: list[int] = []
        self.rows: list[np.ndarray] = []

    def after_tick(self, world: World, snapshot: WorldSnapshot) -> None:
        self.frames.append(int(snapshot.frame))
        self.rows.append(metric_sample(snapshot.ego))

    def samples(self) -> MotionSamples:
        """Every sample so far (none when nothing was driven)."""
        values = np.asarray(self.rows, dtype=np.float64).reshape(-1, len(MetricColumn))
        return MotionSamples(frames=np.asarray(self.frames, dtype=np.int64), values=values)
