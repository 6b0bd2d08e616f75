"""The minimum-speed test of leaderboard 2.0 (and Bench2Drive's efficiency metric).

The route is cut into equal route-completion checkpoints. Over each one, the ego's mean speed is
compared with the mean speed of the background vehicles over the same ticks; at every checkpoint
an event reports ``100 x ego mean / background mean`` [%] (100 without background vehicles).
Bench2Drive also reports the last partial segment when the route ends above 95 % completion.
"""

from __future__ import annotations

import numpy as np

from sim.eval.criteria_common import carla_location
from sim.eval.infractions import Infraction, InfractionEvent
from sim.world.snapshot import ActorIndex, ActorKind, WorldSnapshot

FINAL_SEGMENT_COMPLETION = 95.0  # [%] a last partial segment counts above this completion


class MinimumSpeedCriterion:
    """Mean ego speed against mean background-vehicle speed, per route-completion checkpoint."""

    def __init__(self, checkpoints: int) -> None:
        self.checkpoints = checkpoints
        self._reached = 0
        self._ego_speeds: list[float] = []
        self._traffic_speeds: list[float] = []

    def update(self, snapshot: WorldSnapshot, completion: float) -> list[InfractionEvent]:
        """Accumulate one tick; an event when ``completion`` [%] passes the next checkpoint."""
        if self.checkpoints <= 0:
            return []
        self._ego_speeds.append(abs(float(snapshot.ego.speed)))
        vehicles = snapshot.actors[snapshot.actors[:, ActorIndex.KIND] == ActorKind.VEHICLE]
        if vehicles.shape[0]:
            self._traffic_speeds.append(float(np.mean(np.abs(vehicles[:, ActorIndex.SPEED]))))
        events = []
        while self._reached < self.checkpoints and completion >= 100.0 * (self._reached + 1) / self.checkpoints:
            self._reached += 1
            events.append(self._event(snapshot))
        return events

    def finish(self, snapshot_time: float, location: np.ndarray, completion: float) -> list[InfractionEvent]:
        """The last partial segment, when the route ended above 95 % (Bench2Drive's rule)."""
        if self.checkpoints <= 0 or self._reached >= self.checkpoints or not self._ego_speeds:
            return []
        if completion <= FINAL_SEGMENT_COMPLETION:
            return []
        return [self._segment_event(snapshot_time, location)]

    def _event(self, snapshot: WorldSnapshot) -> InfractionEvent:
        return self._segment_event(float(snapshot.time), carla_location(snapshot.ego.center, snapshot.ego.z))

    def _segment_event(self, time: float, location: np.ndarray) -> InfractionEvent:
        ego = float(np.mean(self._ego_speeds)) if self._ego_speeds else 0.0
        traffic = float(np.mean(self._traffic_speeds)) if self._traffic_speeds else 0.0
        percentage = 100.0 * ego / traffic if traffic > 0.0 else 100.0
        self._ego_speeds, self._traffic_speeds = [], []
        return InfractionEvent(Infraction.MIN_SPEED, time, location, value=percentage)
