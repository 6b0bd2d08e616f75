"""Dense routes from route keypoints, as the leaderboard builds them with CARLA's GlobalRoutePlanner.

Between each pair of consecutive keypoints the shortest lane sequence is traced along the lanes'
own 1 m centreline samples, and each point gets a :class:`RoadOption`: LEFT / RIGHT / STRAIGHT
through a junction by the turn angle (CARLA's ``_turn_decision``, 35 degrees), CHANGELANELEFT /
CHANGELANERIGHT on the two points of a lane change, LANEFOLLOW elsewhere. All in the internal frame.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from sim.maps.config import DEFAULT_ROUTE_CONFIG, RouteConfig
from sim.maps.dense_route import DenseRoute, arc_length
from sim.maps.lane_search import Step, Via, closest_sample, nearest_sample, search_lanes
from sim.maps.road_network import RoadNetwork
from sim.types import RoadOption

logger = logging.getLogger(__name__)

_DUPLICATE = 0.1  # [m] consecutive route points closer than this are one point
_LANE_CHANGES = (int(RoadOption.CHANGELANELEFT), int(RoadOption.CHANGELANERIGHT))


class RoutePlanningError(ValueError):
    """Keypoints that cannot be turned into a route; the message names the source and keypoint."""


def _turn_decision(network: RoadNetwork, before: int, first: int, last: int, threshold: float) -> RoadOption:
    """LEFT / RIGHT / STRAIGHT for the junction lanes ``first`` ... ``last`` entered from ``before``.

    CARLA compares the cross product of the approach direction with the chord of the junction
    path against those of the other paths leaving the same lane end. Internal frame: a positive
    cross product turns left (CARLA's left-handed frame flips the sign).
    """
    approach = network.points[network.lane_offsets[before + 1] - 1, 2]
    cv = np.array([math.cos(approach), math.sin(approach)])

    def chord(lane: int) -> np.ndarray:
        pts = network.lane_points(lane)
        vector = pts[-1, :2] - pts[0, :2]
        return vector / max(float(np.hypot(*vector)), 1e-9)

    def cross(vector: np.ndarray) -> float:
        return float(cv[0] * vector[1] - cv[1] * vector[0])

    nv = chord(last)
    cross_list = [cross(chord(int(s))) for s in network.lane_successors(before) if s != first] or [0.0]
    next_cross = cross(nv)
    deviation = math.acos(float(np.clip(np.dot(cv, nv), -1.0, 1.0)))
    if deviation < threshold:
        return RoadOption.STRAIGHT
    if next_cross > max(cross_list):
        return RoadOption.LEFT
    if next_cross < min(cross_list):
        return RoadOption.RIGHT
    return RoadOption.LEFT if next_cross > 0 else RoadOption.RIGHT


def _step_options(network: RoadNetwork, steps: list[Step], threshold: float) -> list[RoadOption]:
    """One option per step: the turn decision over each junction run, LANEFOLLOW elsewhere."""
    junction = network.lane_is_junction
    options = [RoadOption.LANEFOLLOW] * len(steps)
    k = 1
    while k < len(steps):
        step, previous = steps[k], steps[k - 1]
        if not (junction[step.lane] and step.via == Via.SUCCESSOR and not junction[previous.lane]):
            k += 1
            continue
        end = k
        while end + 1 < len(steps) and junction[steps[end + 1].lane] and steps[end + 1].via == Via.SUCCESSOR:
            end += 1
        decision = _turn_decision(network, previous.lane, step.lane, steps[end].lane, threshold)
        options[k : end + 1] = [decision] * (end + 1 - k)
        k = end + 1
    return options


def _trace(network: RoadNetwork, steps: list[Step], goal: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and options along ``steps``, ending at sample ``goal`` of the last lane."""
    options = _step_options(network, steps, threshold)
    indices: list[int] = []
    values: list[int] = []
    for k, step in enumerate(steps):
        last = int(network.lane_offsets[step.lane + 1]) - 1
        if k + 1 < len(steps) and steps[k + 1].via in (Via.CHANGE_LEFT, Via.CHANGE_RIGHT):
            last = steps[k + 1].leave
        elif k + 1 == len(steps):
            if step.via in (Via.CHANGE_LEFT, Via.CHANGE_RIGHT) and goal < step.enter:
                # Land on the goal rather than jump past it (the next keypoint starts there).
                step = step._replace(enter=max(goal, closest_sample(network, step.lane, step.leave)))
            last = max(goal, step.enter)  # CARLA does not loop back to a goal behind the entry
        span = list(range(step.enter, last + 1))
        option = int(options[k])
        if step.via in (Via.CHANGE_LEFT, Via.CHANGE_RIGHT):
            change = RoadOption.CHANGELANELEFT if step.via == Via.CHANGE_LEFT else RoadOption.CHANGELANERIGHT
            values[-1] = int(change)  # the point where the change starts
            indices.append(span.pop(0))
            values.append(int(change))
        indices.extend(span)
        values.extend([option] * len(span))
    return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.int64)


def _match(network: RoadNetwork, keypoint: np.ndarray, k: int, config: RouteConfig, source: str):
    match = network.locate(keypoint[:2], z=float(keypoint[2]) if keypoint.shape[0] > 2 else None)
    if match.distance > config.max_keypoint_distance:
        raise RoutePlanningError(
            f"{source or network.name}: keypoint {k} at x={keypoint[0]:.2f}, y={keypoint[1]:.2f} (internal frame) "
            f"is {match.distance:.1f} m from the nearest driving lane of {network.name} "
            f"(limit {config.max_keypoint_distance} m)"
        )
    return match


def plan_route(
    network: RoadNetwork, keypoints: np.ndarray, config: RouteConfig = DEFAULT_ROUTE_CONFIG, source: str = ""
) -> DenseRoute:
    """The dense route through ``keypoints`` ``(M, 2 or 3)`` (internal frame x, y [, z]).

    A keypoint's z [m], when given, picks the road level where roads cross over each other.

    Raises:
        RoutePlanningError: fewer than two keypoints, a keypoint far from every driving lane, or
            two consecutive keypoints not connected by the lane graph (all named with ``source``).
    """
    keypoints = np.asarray(keypoints, dtype=np.float64)
    if keypoints.ndim != 2 or keypoints.shape[0] < 2 or keypoints.shape[1] < 2:
        raise RoutePlanningError(f"{source or network.name}: need at least two (x, y) keypoints, got {keypoints.shape}")
    matches = [_match(network, keypoint, k, config, source) for k, keypoint in enumerate(keypoints)]
    threshold = math.radians(config.turn_threshold_deg)
    parts, part_options, anchors = [], [], [0]
    for k in range(len(matches) - 1):
        steps = search_lanes(network, matches[k], matches[k + 1], config.lane_change_cost, config.lane_change_advance)
        if steps is None:
            raise RoutePlanningError(
                f"{source or network.name}: keypoint {k + 1} (lane {network.lane_token(matches[k + 1].lane)}) "
                f"cannot be reached from keypoint {k} (lane {network.lane_token(matches[k].lane)})"
            )
        indices, options = _trace(network, steps, nearest_sample(network, matches[k + 1]), threshold)
        parts.append(indices)
        part_options.append(options)
        anchors.append(anchors[-1] + indices.size)
    indices, options = np.concatenate(parts), np.concatenate(part_options)
    keypoint_positions = np.asarray(anchors[:-1] + [anchors[-1] - 1], dtype=np.int64)
    marker = np.zeros(indices.size, dtype=np.int64)
    np.add.at(marker, keypoint_positions, 1)  # keep track of keypoints through the dedupe
    indices, options, marker = _dedupe(indices, options, marker, network.points)
    return _dense_route(network, indices, options, marker)


def _dedupe(indices: np.ndarray, options: np.ndarray, marker: np.ndarray, points: np.ndarray):
    """Drop points that repeat the next one (lane joins and keypoint joins share a sample).

    The later copy is kept: it carries the option of the lane being entered (a junction turn or
    a lane change starting on the join), as CARLA's trace repeats the point with that option.
    """
    step = np.hypot(*np.diff(points[indices, :2], axis=0).T)
    keep = np.concatenate([step >= _DUPLICATE, [True]])
    # A dropped duplicate hands its keypoint mark to the point that repeats it.
    owner = np.cumsum(keep[::-1])[::-1]
    owner = int(keep.sum()) - owner
    merged = np.zeros(int(keep.sum()), dtype=np.int64)
    np.add.at(merged, owner, marker)
    kept_options = options[keep].copy()
    changes = ~keep & np.isin(options, _LANE_CHANGES)  # a lane change mark is never lost
    kept_options[owner[changes]] = options[changes]
    return indices[keep], kept_options, merged


def _dense_route(network: RoadNetwork, indices: np.ndarray, options: np.ndarray, marker: np.ndarray) -> DenseRoute:
    points = network.points[indices]
    return DenseRoute(
        town=network.name,
        points=points,
        z=network.z[indices],
        road_options=options,
        lanes=network.point_lanes[indices],
        s=arc_length(points),
        keypoint_indices=np.repeat(np.arange(marker.size), marker).astype(np.int64),
    )
