"""Random training routes: a random start on a random lane, a random walk through junctions, planned.

The walk picks the start lane (outside junctions) and sample uniformly, then at every lane end a
uniformly random successor, until the drawn length is covered. Its start, the first point after
each junction and its end become keypoints for the route planner (:func:`sim.maps.route_planner.plan_route`),
which gives the route its RoadOptions exactly as for a route file. The longest piece clear of the
evaluation routes (:func:`agents.collect.overlap.clean_pieces`) is the route; a walk without one
is drawn again, up to ``attempts`` times.
"""

from __future__ import annotations

import logging

import numpy as np

from agents.collect.evaluation_routes import EvaluationRoutes
from agents.collect.overlap import clean_pieces
from agents.collect.settings import RANDOM_SOURCE, OverlapRule, RandomRouteConfig
from agents.collect.training_routes import TrainingRoute, sub_route
from sim.maps.dense_route import DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.maps.route_planner import RoutePlanningError, plan_route
from sim.maps.town import load_town

logger = logging.getLogger(__name__)

_MIN_START_LANE = 10.0  # [m] start lanes shorter than this are skipped (junction stubs)


def random_walk_keypoints(network: RoadNetwork, rng: np.random.Generator, length: float) -> np.ndarray:
    """``(M, 3)`` keypoints x, y, z [m] of a random walk of about ``length`` [m] (fewer if it dead-ends)."""
    starts = np.flatnonzero(~network.lane_is_junction & (network.lane_lengths > _MIN_START_LANE))
    lane = int(rng.choice(starts))
    first, end = int(network.lane_offsets[lane]), int(network.lane_offsets[lane + 1])
    start = int(rng.integers(first, end - 1))
    keypoints, travelled = [start], float(network.s[end - 1] - network.s[start])
    in_junction = False
    while travelled < length:
        successors = network.lane_successors(lane)
        if successors.size == 0:
            break
        lane = int(successors[rng.integers(successors.size)])
        first = int(network.lane_offsets[lane])
        if in_junction and not network.lane_is_junction[lane]:
            keypoints.append(first)  # pins the turn the walk took
        in_junction = bool(network.lane_is_junction[lane])
        step = float(network.lane_lengths[lane])
        if travelled + step >= length and not in_junction:
            last = int(np.searchsorted(network.s[first : network.lane_offsets[lane + 1]], length - travelled))
            keypoints.append(first + min(last, int(network.lane_offsets[lane + 1]) - first - 1))
            return _xyz(network, keypoints)
        travelled += step
    keypoints.append(int(network.lane_offsets[lane + 1]) - 1)
    return _xyz(network, keypoints)


def _xyz(network: RoadNetwork, samples: list[int]) -> np.ndarray:
    samples = list(dict.fromkeys(samples))  # a pinned point may also be the end
    return np.column_stack([network.points[samples, :2], network.z[samples]])


def random_route(
    town: str,
    index: int,
    seed: int,
    evaluation: EvaluationRoutes,
    rule: OverlapRule,
    config: RandomRouteConfig,
    data_dir: str | None = None,
) -> TrainingRoute | None:
    """The ``index``-th random route of ``town`` for ``seed`` (deterministic), or None when no attempt is clean."""
    network = load_town(town, data_dir)
    rng = np.random.default_rng([seed, index, sum(town.encode())])
    shapes = evaluation.by_town(town)
    for _ in range(config.attempts):
        low, high = config.length_classes[int(rng.integers(len(config.length_classes)))]
        keypoints = random_walk_keypoints(network, rng, float(rng.uniform(low, high)))
        if keypoints.shape[0] < 2:
            continue
        try:
            route = plan_route(network, keypoints, source=f"random route {town} #{index}")
        except RoutePlanningError as error:
            logger.debug("random walk not plannable: %s", error)
            continue
        piece = _longest(clean_pieces(route.points, shapes, rule), route)
        if piece is not None:
            route_id = random_route_id(town, index)
            return TrainingRoute(route_id, RANDOM_SOURCE, route_id, piece)
    return None


def random_route_id(town: str, index: int) -> str:
    """The id of the ``index``-th random route of ``town`` (known before the route is drawn)."""
    return f"{RANDOM_SOURCE}.{town}.{index}"


def _longest(pieces: list[slice], route: DenseRoute) -> DenseRoute | None:
    if not pieces:
        return None
    best = max(pieces, key=lambda p: route.s[p.stop - 1] - route.s[p.start])
    return sub_route(route, best)
