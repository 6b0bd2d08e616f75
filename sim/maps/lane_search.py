"""Shortest lane sequence between two points of a road network (Dijkstra with lane changes).

Like CARLA's ``GlobalRoutePlanner``, the graph has a follow edge from each lane to each of its
successors (cost: the successor's length) and, outside junctions, a lane-change edge to the
same-direction neighbour on each side (cost: ``lane_change_cost``), taken at the first sample
where the road markings allow it. The search stops when the destination's lane is reached;
like CARLA, a destination behind the point where the route enters its lane is not looped to.
"""

from __future__ import annotations

import enum
import heapq
from typing import NamedTuple

import numpy as np

from sim.maps.road_network import LANE_CHANGE_LEFT, LANE_CHANGE_RIGHT, LaneMatch, RoadNetwork


class Via(enum.IntEnum):
    """How a route enters a lane."""

    START = 0  # the route starts on it
    SUCCESSOR = 1  # it continues the previous lane
    CHANGE_LEFT = 2  # lane change to the left from the previous lane
    CHANGE_RIGHT = 3  # lane change to the right


class Step(NamedTuple):
    """One lane of a route: enter at sample ``enter`` (global index into ``network.points``).

    For a lane change, ``leave`` is the sample of the *previous* lane where the change starts;
    otherwise it is -1.
    """

    lane: int
    via: Via
    enter: int
    leave: int


def nearest_sample(network: RoadNetwork, match: LaneMatch) -> int:
    """Global index of the sample of ``match.lane`` closest to the projected point."""
    last = int(network.lane_offsets[match.lane + 1]) - 1
    p = match.point
    if p < last and network.s[p + 1] - match.s < match.s - network.s[p]:
        return p + 1
    return p


def _change_point(network: RoadNetwork, lane: int, enter: int, flag: int) -> int:
    """First sample at or after ``enter`` on ``lane`` where the change ``flag`` is allowed, or -1."""
    end = int(network.lane_offsets[lane + 1])
    allowed = np.flatnonzero(network.lane_change[enter:end] & flag)
    return enter + int(allowed[0]) if allowed.size else -1


def closest_sample(network: RoadNetwork, lane: int, sample: int) -> int:
    """Global index of the sample of ``lane`` closest to sample ``sample`` (of another lane)."""
    lo, hi = int(network.lane_offsets[lane]), int(network.lane_offsets[lane + 1])
    return lo + int(np.argmin(np.hypot(*(network.points[lo:hi, :2] - network.points[sample, :2]).T)))


def _landing(network: RoadNetwork, target: int, change: int, advance: float) -> int:
    """Sample of ``target`` about ``advance`` [m] ahead of the sample closest to ``change``."""
    lo, hi = int(network.lane_offsets[target]), int(network.lane_offsets[target + 1])
    closest = closest_sample(network, target, change)
    ahead = np.searchsorted(network.s[lo:hi], network.s[closest] + advance - 1e-9)
    return min(lo + int(ahead), hi - 1)


class _Search:
    """Dijkstra state; labels are distances [m] from the origin to each lane's end."""

    def __init__(self, network: RoadNetwork, lane_change_cost: float, lane_change_advance: float) -> None:
        self.network = network
        self.lengths = network.lane_lengths
        self.cost = lane_change_cost
        self.advance = lane_change_advance
        self.label: dict[int, float] = {}
        self.parent: dict[int, tuple[int, Step]] = {}
        self.heap: list[tuple[float, int]] = []

    def offer(self, lane: int, label: float, previous: int, step: Step) -> None:
        if label < self.label.get(lane, np.inf):
            self.label[lane] = label
            self.parent[lane] = (previous, step)
            heapq.heappush(self.heap, (label, lane))

    def expand(self, lane: int, label: float) -> None:
        network = self.network
        for successor in network.lane_successors(lane).tolist():
            first = int(network.lane_offsets[successor])
            self.offer(successor, label + self.lengths[successor], lane, Step(successor, Via.SUCCESSOR, first, -1))
        if network.lane_junction_ids[lane] >= 0:
            return  # CARLA adds no lane-change links inside junctions
        enter = self.parent[lane][1].enter
        sides = ((network.lane_left[lane], LANE_CHANGE_LEFT, Via.CHANGE_LEFT),)
        sides += ((network.lane_right[lane], LANE_CHANGE_RIGHT, Via.CHANGE_RIGHT),)
        for target, flag, via in sides:
            change = _change_point(network, lane, enter, flag) if target >= 0 else -1
            if change < 0:
                continue
            land = _landing(network, int(target), change, self.advance)
            hop = float(np.hypot(*(network.points[land, :2] - network.points[change, :2])))
            lane_end = int(network.lane_offsets[lane + 1]) - 1
            to_change = label - (network.s[lane_end] - network.s[change])
            target_end = int(network.lane_offsets[target + 1]) - 1
            new_label = to_change + hop + (network.s[target_end] - network.s[land]) + self.cost
            self.offer(int(target), max(new_label, label), lane, Step(int(target), via, land, change))


def search_lanes(
    network: RoadNetwork,
    origin: LaneMatch,
    destination: LaneMatch,
    lane_change_cost: float,
    lane_change_advance: float,
) -> list[Step] | None:
    """Lanes from ``origin`` to ``destination``'s lane, or ``None`` when it cannot be reached."""
    search = _Search(network, lane_change_cost, lane_change_advance)
    start = nearest_sample(network, origin)
    search.offer(
        origin.lane, float(search.lengths[origin.lane] - origin.s), -1, Step(origin.lane, Via.START, start, -1)
    )
    settled: set[int] = set()
    while search.heap:
        label, lane = heapq.heappop(search.heap)
        if lane in settled:
            continue
        settled.add(lane)
        if lane == destination.lane:
            return _unwind(search.parent, lane)
        search.expand(lane, label)
    return None


def _unwind(parent: dict[int, tuple[int, Step]], lane: int) -> list[Step]:
    steps = []
    while lane >= 0:
        previous, step = parent[lane]
        steps.append(step)
        lane = previous
    return steps[::-1]
