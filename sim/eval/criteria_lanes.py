"""Where the ego drives relative to its route and the lanes: route deviation and outside route lanes.

Route deviation follows the leaderboard's ``InRouteTest``: the closest route point within a small
window; 30 m away ends the route at once, and driving more than 30 % of the route length while more
than 15 m away ends it too. Outside route lanes follows ``OutsideRouteLanesTest``: the route distance
passed while the ego centre is farther than half the lane width plus a margin from the nearest
driving lane, or inside an opposite-direction lane outside junctions, as a share of the route
distance passed.
"""

from __future__ import annotations

import math

import numpy as np

from sim.eval.criteria_common import CriteriaConfig
from sim.geometry import wrap_angle
from sim.maps.road_network import RoadNetwork


class RouteDeviation:
    """The leaderboard's ``InRouteTest`` over a dense route.

    Args:
        points: ``(K, 3)`` route x, y, heading.
        accum: ``(K,)`` [m] cumulative route distance.
        config: thresholds.
    """

    def __init__(self, points: np.ndarray, accum: np.ndarray, config: CriteriaConfig) -> None:
        self._xy = points[:, :2]
        self._accum = accum
        self._config = config
        self._index = 0
        self._in_safe_route = True
        self.out_route_distance = 0.0  # [m] route distance advanced while far from the route

    def update(self, xy: np.ndarray) -> bool:
        """Feed the ego location ``(2,)``; True when the ego has deviated from the route."""
        window = self._xy[self._index : self._index + self._config.deviation_window + 1]
        distances = np.hypot(*(window - xy).T)
        # The leaderboard keeps the last of equally close points (``<=``).
        closest = len(distances) - 1 - int(np.argmin(distances[::-1]))
        shortest = float(distances[closest])
        off_route = True
        if shortest < self._config.deviation_distance:
            off_route = False
            self._in_safe_route = shortest < self._config.deviation_safe_distance
        new_index = self._index + closest
        if new_index != self._index:
            if not self._in_safe_route:
                self.out_route_distance += float(self._accum[new_index] - self._accum[self._index])
                if 100.0 * self.out_route_distance / self._accum[-1] > self._config.deviation_max_percentage:
                    off_route = True
            self._index = new_index
        return off_route


class OutsideRouteLanes:
    """Route distance driven outside the driving lanes or against their direction.

    Args:
        network: the town's lanes.
        config: margin and opposite-lane angle.
    """

    def __init__(self, network: RoadNetwork, config: CriteriaConfig) -> None:
        self._network = network
        self._margin = config.outside_lane_margin
        self._wrong_angle = math.radians(config.wrong_lane_angle)
        self.wrong_direction_active = True  # 2.0 scenarios switch the opposite-lane check off
        self.total_distance = 0.0  # [m] route distance passed
        self.wrong_distance = 0.0  # [m] ... of which outside lanes or in an opposite lane

    @property
    def percentage(self) -> float:
        """[%] of the passed route distance driven outside lanes, rounded like the leaderboard (2 places)."""
        if self.total_distance <= 0.0:
            return 0.0
        return round(100.0 * self.wrong_distance / self.total_distance, 2)

    def is_outside(self, xy: np.ndarray, heading: float) -> bool:
        """The ego centre ``(2,)`` is off the driving lanes or, outside junctions, in an opposite lane."""
        match = self._network.locate(xy)
        width = float(self._network.widths[match.point])
        if match.distance > width / 2.0 + self._margin:
            return True
        if not self.wrong_direction_active or self._network.lane_junction_ids[match.lane] >= 0:
            return False  # junction lanes cross each other: no direction to be wrong about
        lane_heading = float(self._network.points[match.point, 2])
        return abs(float(wrap_angle(lane_heading - heading))) > self._wrong_angle

    def add(self, distance: float, outside: bool) -> None:
        """Count ``distance`` [m] of newly passed route, driven ``outside`` or not."""
        self.total_distance += distance
        if outside:
            self.wrong_distance += distance
