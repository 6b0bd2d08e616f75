"""Red lights and stop signs, judged the way the leaderboard's ``RunningRedLightTest`` / ``RunningStopTest`` do.

Red light: a light whose trigger centre is within 15 m and that is red is run when the ego's tail
segment (from 0.8 to 1.0 half-lengths + 1 m behind its centre) crosses the stop line of a lane the
light controls, while the tail is on that lane (or the lane leading into it) and the ego faces the
lane's direction. One light is not reported twice in a row.

Stop sign: while a point on the ego's way (its centre and up to ``stop_proximity`` ahead) lies in a
stop's trigger zone within ``stop_proximity`` of the ego, the ego must go below ``stop_speed``;
leaving the zone without having done so is an infraction. The network's stops have no trigger
volume, so the zone is ours: ``stop_zone_length`` along the lane before the stop line, a lane wide.
"""

from __future__ import annotations

import numpy as np

from sim.eval.criteria_common import CriteriaConfig, carla_location, unit
from sim.eval.infractions import Infraction, InfractionEvent
from sim.kernels.boxes import segments_intersect
from sim.maps.road_network import RoadNetwork
from sim.maps.signals import SignalGroups
from sim.types import LightState
from sim.world.snapshot import WorldSnapshot

_BACKWARDS = -0.17  # cos(100 deg): the leaderboard ignores stops when reversing or facing against the lane
_ZONE_SCALE = 1.2  # the leaderboard tests points against the trigger volume grown by 20 %
_LINE_HALF = 0.6  # [lane widths] half-length of a red light's stop line
_MAX_SWEEP = 5.0  # [m] tail moves longer than this in one tick are jumps (teleports), not driving


class _StopLines:
    """One row per controlled lane of a signal group: stop point, lane heading, width, owner."""

    def __init__(self, network: RoadNetwork, signals: SignalGroups) -> None:
        self.owner = np.repeat(np.arange(signals.count), np.diff(signals.lane_offsets))
        self.lanes = signals.lanes
        self.xy = signals.stop_points
        samples = [self._nearest_sample(network, int(lane), xy) for lane, xy in zip(self.lanes, self.xy, strict=True)]
        self.heading = np.array([network.points[k, 2] for k in samples], dtype=np.float64)
        self.width = np.array([network.widths[k] for k in samples], dtype=np.float64)
        # The tail sits on the controlled lane or on the one leading into it while crossing the line.
        self.tail_lanes = [{int(lane), *map(int, network.lane_predecessors(int(lane)))} for lane in self.lanes]

    @staticmethod
    def _nearest_sample(network: RoadNetwork, lane: int, xy: np.ndarray) -> int:
        start = int(network.lane_offsets[lane])
        points = network.lane_points(lane)
        return start + int(np.argmin(np.hypot(*(points[:, :2] - xy).T)))

    def rows_of(self, signal: int) -> np.ndarray:
        return np.flatnonzero(self.owner == signal)


class RedLightCriterion:
    """Red-light infractions."""

    def __init__(self, network: RoadNetwork, config: CriteriaConfig) -> None:
        self._network = network
        self._lights = network.traffic_lights
        self._lines = _StopLines(network, self._lights)
        self._config = config
        # The trigger volume sits on the approach: the mean of the light's stop points stands in for it.
        self._centres = np.array(
            [self._lines.xy[self._lines.rows_of(k)].mean(axis=0) for k in range(self._lights.count)]
        ).reshape(-1, 2)
        self._last_light: int | None = None
        self._previous_tail: np.ndarray | None = None

    def update(self, snapshot: WorldSnapshot) -> list[InfractionEvent]:
        """The red-light event of this tick, if any."""
        ego = snapshot.ego
        forward = unit(float(ego.pose[2]))
        half_length = float(ego.dimensions[0]) / 2.0
        tail_close = ego.center - 0.8 * half_length * forward
        tail_far = ego.center - (half_length + 1.0) * forward
        previous, self._previous_tail = self._previous_tail, tail_far
        if previous is not None and float(np.hypot(*(tail_far - previous))) < _MAX_SWEEP:
            # At speed the tail moves more than its own length per tick: test the whole swept segment.
            if float((tail_far - previous) @ forward) > 0.0:
                tail_far = previous
        near = np.hypot(*(self._centres - ego.center).T) <= self._config.red_light_distance
        red = np.asarray(snapshot.light_states) == LightState.RED
        candidates = [int(k) for k in np.flatnonzero(near & red) if int(k) != self._last_light]
        if not candidates:
            return []
        tail_lane = self._network.locate(tail_far, float(ego.pose[2])).lane
        for light in candidates:
            for row in self._lines.rows_of(light):
                if tail_lane in self._lines.tail_lanes[row] and self._crosses(row, forward, tail_close, tail_far):
                    self._last_light = light
                    return [self._event(snapshot, light)]
        return []

    def _crosses(self, row: int, forward: np.ndarray, tail_close: np.ndarray, tail_far: np.ndarray) -> bool:
        lane_forward = unit(float(self._lines.heading[row]))
        if float(forward @ lane_forward) <= 0.0:
            return False
        lateral = np.array([-lane_forward[1], lane_forward[0]]) * _LINE_HALF * self._lines.width[row]
        left, right = self._lines.xy[row] + lateral, self._lines.xy[row] - lateral
        return bool(segments_intersect(*tail_close, *tail_far, *left, *right))

    def _event(self, snapshot: WorldSnapshot, light: int) -> InfractionEvent:
        position = self._lights.positions[light]
        return InfractionEvent(
            kind=Infraction.RED_LIGHT,
            time=float(snapshot.time),
            location=carla_location(position[:2], position[2]),
            detail=str(self._lights.ids[light]),
        )


class StopSignCriterion:
    """Stop-sign infractions."""

    def __init__(self, network: RoadNetwork, config: CriteriaConfig) -> None:
        self._stops = network.stop_signs
        self._lines = _StopLines(network, self._stops)
        self._config = config
        self._forward = np.column_stack([np.cos(self._lines.heading), np.sin(self._lines.heading)])
        self._centres = self._lines.xy - 0.5 * config.stop_zone_length * self._forward
        self._target: int | None = None  # stop row the ego is in
        self._stopped = False
        self._last_failed: int | None = None  # stop sign reported last
        self._last_obeyed: int | None = None  # stop sign the ego stopped for last

    def update(self, snapshot: WorldSnapshot) -> list[InfractionEvent]:
        """The stop event of this tick, if any."""
        if self._lines.xy.shape[0] == 0:
            return []
        way = self._way_points(snapshot)
        if self._target is None:
            self._target = self._scan(snapshot, way)
            return []  # like the leaderboard, speed counts from the tick after the stop is found
        if abs(snapshot.ego.speed) < self._config.stop_speed:
            self._stopped = True
        if self._affects(self._target, way):
            return []
        events = []
        stop = int(self._lines.owner[self._target])
        if self._stopped:
            self._last_obeyed = stop
        elif stop != self._last_failed:
            position = self._stops.positions[stop]
            location = carla_location(position[:2], position[2])
            detail = f"with id={self._stops.ids[stop]}"
            events.append(InfractionEvent(Infraction.STOP_SIGN, float(snapshot.time), location, detail=detail))
            self._last_failed = stop
        self._target, self._stopped = None, False
        return events

    def _way_points(self, snapshot: WorldSnapshot) -> np.ndarray:
        """The ego centre and points ahead of it up to ``stop_proximity`` [m]."""
        steps = np.arange(0.0, self._config.stop_proximity + 1e-9, self._config.stop_lookahead_step)
        return snapshot.ego.center + steps[:, None] * unit(float(snapshot.ego.pose[2]))

    def _scan(self, snapshot: WorldSnapshot, way: np.ndarray) -> int | None:
        forward = unit(float(snapshot.ego.pose[2]))
        if snapshot.ego.speed < _BACKWARDS:
            return None
        for row in range(self._lines.xy.shape[0]):
            # a sign controls several lanes; one stop serves all of its zones
            if int(self._lines.owner[row]) == self._last_obeyed:
                continue
            if float(forward @ self._forward[row]) >= _BACKWARDS and self._affects(row, way):
                return row
        return None

    def _affects(self, row: int, way: np.ndarray) -> bool:
        """The ego is near the zone of ``row`` and one of its way points lies in it."""
        if float(np.hypot(*(way[0] - self._centres[row]))) > self._config.stop_proximity:
            return False
        along = (way - self._centres[row]) @ self._forward[row]
        across = (way - self._centres[row]) @ np.array([-self._forward[row, 1], self._forward[row, 0]])
        half_length = _ZONE_SCALE * 0.5 * self._config.stop_zone_length
        half_width = _ZONE_SCALE * 0.5 * self._lines.width[row]
        return bool(np.any((np.abs(along) < half_length) & (np.abs(across) < half_width)))
