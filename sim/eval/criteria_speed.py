"""The minimum-speed test of leaderboard 2.0 (and Bench2Drive's efficiency metric).

The route is cut into equal route-completion checkpoints. Over each one, the ego's mean speed is
compared with the mean speed of the background vehicles over the same ticks, as
``100 x ego mean / background mean`` [%] rounded to 2 decimals (100 without background vehicles).
Bench2Drive reports an event at every checkpoint; 2.0 only where the ego was slower (below 100 %).
Both report the last partial segment when the route ends above 95 % completion.
"""

from __future__ import annotations

import numpy as np

from sim.eval.criteria_common import carla_location
from sim.eval.infractions import Infraction, InfractionEvent
from sim.types import ActorIndex, ActorKind
from sim.world.snapshot import WorldSnapshot

FINAL_SEGMENT_COMPLETION = 95.0  # [%] a last partial segment counts above this completion
SUCCESS_PERCENTAGE = 100.0  # [%] 2.0's test passes a checkpoint at or above this


class MinimumSpeedCriterion:
    """Mean ego speed against mean background-vehicle speed, per route-completion checkpoint."""

    def __init__(self, checkpoints: int, report_all: bool = True) -> None:
        self.checkpoints = checkpoints
        self.report_all = report_all
        self._reached = 0
        self._ego_speeds: list[float] = []  # ticks with background vehicles only, as the leaderboard averages
        self._traffic_speeds: list[float] = []
        self._segment_ticks = 0

    def update(self, snapshot: WorldSnapshot, completion: float) -> list[InfractionEvent]:
        """Accumulate one tick; an event when ``completion`` [%] passes the next checkpoint."""
        if self.checkpoints <= 0:
            return []
        self._segment_ticks += 1
        vehicles = snapshot.actors[snapshot.actors[:, ActorIndex.KIND] == ActorKind.VEHICLE]
        if vehicles.shape[0]:
            self._ego_speeds.append(abs(float(snapshot.ego.speed)))
            self._traffic_speeds.append(float(np.mean(np.abs(vehicles[:, ActorIndex.SPEED]))))
        events = []
        while self._reached < self.checkpoints and completion >= 100.0 * (self._reached + 1) / self.checkpoints:
            self._reached += 1
            events += self._event(snapshot)
        return events

    def finish(self, snapshot_time: float, location: np.ndarray, completion: float) -> list[InfractionEvent]:
        """The last partial segment, when the route ended above 95 % completion."""
        if self.checkpoints <= 0 or self._reached >= self.checkpoints or not self._segment_ticks:
            return []
        if completion <= FINAL_SEGMENT_COMPLETION:
            return []
        return self._segment_event(snapshot_time, location)

    def _event(self, snapshot: WorldSnapshot) -> list[InfractionEvent]:
        return self._segment_event(float(snapshot.time), carla_location(snapshot.ego.center, snapshot.ego.z))

    def _segment_event(self, time: float, location: np.ndarray) -> list[InfractionEvent]:
        ego = float(np.mean(self._ego_speeds)) if self._ego_speeds else 0.0
        traffic = float(np.mean(self._traffic_speeds)) if self._traffic_speeds else 0.0
        percentage = round(100.0 * ego / traffic, 2) if traffic > 0.0 else 100.0
        self._ego_speeds, self._traffic_speeds, self._segment_ticks = [], [], 0
        if not self.report_all and percentage >= SUCCESS_PERCENTAGE:
            return []
        return [InfractionEvent(Infraction.MIN_SPEED, time, location, value=percentage)]
