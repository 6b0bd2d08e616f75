"""Where CARLA would put a traffic light's or stop sign's trigger volume and stop waypoints, from the road network.

CARLA's signals carry a trigger box lying across the lanes that approach them, just before the stop
line, with its x axis across the lanes (agents sample points along it and snap them to lanes), and
know their stop waypoints (where each approach lane meets the junction). The embedded network knows
which junction lanes a signal controls; their predecessors are the approach lanes, whose ends are the
stop waypoints. Signals controlling no lane get a small box at their pole. Internal frame, metres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.geometry import to_local, wrap_angle
from sim.maps.road_network import RoadNetwork
from sim.maps.signals import SignalGroups

TRIGGER_SETBACK = 2.0  # [m] the box centre lies this far before the stop line
TRIGGER_HALF_DEPTH = 1.5  # [m] half the box's extent along the lanes
TRIGGER_HALF_HEIGHT = 1.0  # [m]
SAME_APPROACH = np.pi / 4  # [rad] approach lanes heading within this of the first one form the box
AFFECTED_SETBACK = 4.0  # [m] affected-lane waypoints lie this far before the stop line


@dataclass(frozen=True)
class SignalBoxes:
    """Trigger boxes and stop points of ``S`` signals (internal frame).

    Attributes:
        centers: ``(S, 2)`` [m] trigger box centres.
        headings: ``(S,)`` [rad] direction of each box's x axis (across its lanes, to their left).
        half_extents: ``(S, 3)`` [m] half sizes along the box's x (across), y (along the lanes), z.
        stop_offsets: ``(S + 1,)`` int64 CSR into ``stop_points``.
        stop_points: ``(M, 3)`` x, y [m], heading [rad] where each approach lane meets the junction.
        lanes: ``(M,)`` int64 approach lane of each stop point.
    """

    centers: np.ndarray
    headings: np.ndarray
    half_extents: np.ndarray
    stop_offsets: np.ndarray
    stop_points: np.ndarray
    lanes: np.ndarray

    def stops(self, signal: int) -> np.ndarray:
        """``(m, 3)`` stop points of ``signal``."""
        return self.stop_points[self.stop_offsets[signal] : self.stop_offsets[signal + 1]]

    def containing(self, xy: np.ndarray) -> int:
        """The first signal whose trigger box holds ``xy`` ``(2,)`` [m] (height ignored), or -1."""
        poses = np.column_stack([self.centers, self.headings])
        local = to_local(np.broadcast_to(np.asarray(xy, dtype=np.float64), self.centers.shape), poses)
        inside = np.all(np.abs(local) <= self.half_extents[:, :2], axis=1)
        hits = np.flatnonzero(inside)
        return int(hits[0]) if hits.size else -1


def _approach_ends(network: RoadNetwork, groups: SignalGroups, signal: int) -> list[int]:
    """Approach lanes of ``signal``: predecessors of its junction lanes (the lanes themselves if none)."""
    lanes: list[int] = []
    for lane in groups.controlled_lanes(signal).tolist():
        before = network.lane_predecessors(lane).tolist() or [lane]
        lanes += [int(b) for b in before if b not in lanes]
    return lanes


def _box(network: RoadNetwork, lanes: list[int]) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """(centre, x-axis heading, half extents, stop points) of the box across ``lanes``' ends."""
    ends = np.array([network.lane_points(lane)[-1] for lane in lanes])
    widths = np.array([network.widths[network.lane_offsets[lane + 1] - 1] for lane in lanes])
    same = np.abs(wrap_angle(ends[:, 2] - ends[0, 2])) <= SAME_APPROACH
    heading = float(np.arctan2(np.sin(ends[same, 2]).mean(), np.cos(ends[same, 2]).mean()))
    forward = np.array([np.cos(heading), np.sin(heading)])
    center = ends[same, :2].mean(axis=0) - TRIGGER_SETBACK * forward
    across = heading + np.pi / 2
    spread = to_local(ends[same, :2], np.array([*center, across]))[:, 0]
    half_x = float(np.max(np.abs(spread) + 0.5 * widths[same]))
    return center, across, np.array([half_x, TRIGGER_HALF_DEPTH, TRIGGER_HALF_HEIGHT]), ends


def _signal_boxes(network: RoadNetwork, groups: SignalGroups) -> SignalBoxes:
    centers, headings, extents, stops, stop_lanes, counts = [], [], [], [], [], []
    for signal in range(groups.count):
        lanes = _approach_ends(network, groups, signal)
        if not lanes:  # a signal of no lane: a small box at its pole
            centers.append(groups.positions[signal, :2])
            headings.append(0.0)
            extents.append(np.array([1.0, TRIGGER_HALF_DEPTH, TRIGGER_HALF_HEIGHT]))
            counts.append(0)
            continue
        center, heading, half, ends = _box(network, lanes)
        centers.append(center)
        headings.append(heading)
        extents.append(half)
        stops.append(ends)
        stop_lanes += lanes
        counts.append(len(lanes))
    return SignalBoxes(
        centers=np.array(centers, dtype=np.float64).reshape(-1, 2),
        headings=np.array(headings, dtype=np.float64),
        half_extents=np.array(extents, dtype=np.float64).reshape(-1, 3),
        stop_offsets=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        stop_points=np.concatenate(stops) if stops else np.zeros((0, 3)),
        lanes=np.array(stop_lanes, dtype=np.int64),
    )


_CACHE: dict[tuple[str, str, bool], SignalBoxes] = {}  # per (town, OpenDRIVE sha, lights?)


def _cached(network: RoadNetwork, lights: bool) -> SignalBoxes:
    key = (network.name, network.source_sha256, lights)
    if key not in _CACHE:
        _CACHE[key] = _signal_boxes(network, network.traffic_lights if lights else network.stop_signs)
    return _CACHE[key]


def light_boxes(network: RoadNetwork) -> SignalBoxes:
    """Trigger boxes of the town's traffic lights (rows of ``network.traffic_lights``), cached per town."""
    return _cached(network, True)


def stop_boxes(network: RoadNetwork) -> SignalBoxes:
    """Trigger boxes of the town's stop signs (rows of ``network.stop_signs``), cached per town."""
    return _cached(network, False)
