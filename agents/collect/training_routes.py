"""Training routes: the leaderboard training route files, cut clear of every evaluation route.

A route file entry becomes one or more :class:`TrainingRoute` pieces (see
:func:`agents.collect.overlap.clean_pieces`); the pieces of one file route share its ``group``,
so the validation split holds out whole file routes. Leaderboard 2.0 training routes are all in
Town12, whose map is not in the data set: they are kept only where the map exists.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import numpy as np

from agents.collect.evaluation_routes import EvaluationRoutes, plan_description
from agents.collect.overlap import clean_pieces
from agents.collect.settings import TRAINING_ROUTE_FILES, OverlapRule
from routes.route_types import ScenarioSpec
from routes.route_xml import read_route_file
from sim.maps.dense_route import DenseRoute, arc_length
from sim.maps.route_planner import RoutePlanningError
from sim.maps.town import available_towns
from sim.paths import data_path
from sim.world.scenarios import trigger_on_route

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingRoute:
    """One drivable training route (picklable: it travels to the workers).

    Attributes:
        route_id: unique, stable id (e.g. ``lb1_training.12.p1``, ``random.Town03.17``).
        source: ``lb1_training``, ``lb2_training`` or ``random``.
        group: the route the split is decided by (a file route for its pieces).
        route: the dense route to drive.
        scenarios: leaderboard 2.0 scenarios of the file route (LB1 scenarios are matched by the world).
    """

    route_id: str
    source: str
    group: str
    route: DenseRoute
    scenarios: tuple[ScenarioSpec, ...] = ()

    @property
    def town(self) -> str:
        return self.route.town

    def split(self, val_percent: float) -> str:
        """``val`` for about ``val_percent`` % of groups (stable hash), else ``train``."""
        bucket = int(hashlib.sha256(self.group.encode()).hexdigest()[:8], 16) % 10000
        return "val" if bucket < val_percent * 100 else "train"


def sub_route(route: DenseRoute, piece: slice) -> DenseRoute:
    """The points ``piece`` of ``route`` as a route of its own (arc length from its first point)."""
    points = route.points[piece]
    inside = route.keypoint_indices[(route.keypoint_indices >= piece.start) & (route.keypoint_indices < piece.stop)]
    keypoints = np.unique(np.concatenate([[0], inside - piece.start, [points.shape[0] - 1]])).astype(np.int64)
    return DenseRoute(route.town, points, route.z[piece], route.road_options[piece], route.lanes[piece],
                      arc_length(points), keypoints)  # fmt: skip


def file_training_routes(
    source: str, evaluation: EvaluationRoutes, rule: OverlapRule, data_dir: str | None = None
) -> list[TrainingRoute]:
    """Every clean piece of every route of the training file of ``source`` in a town whose map exists."""
    towns = set(available_towns(data_dir))
    out, skipped = [], 0
    for description in read_route_file(data_path(TRAINING_ROUTE_FILES[source], data_dir)):
        if description.town not in towns:
            skipped += 1
            continue
        try:
            route = plan_description(description, data_dir)
        except RoutePlanningError as error:
            logger.warning("%s route %s cannot be planned: %s", source, description.route_id, error)
            continue
        pieces = clean_pieces(route.points, evaluation.by_town(description.town), rule)
        group = f"{source}.{description.route_id}"
        for k, piece in enumerate(pieces):
            part = sub_route(route, piece)
            scenarios = tuple(s for s in description.scenarios if trigger_on_route(s, part) is not None)
            out.append(TrainingRoute(f"{group}.p{k}", source, group, part, scenarios))
    if skipped:
        logger.info("%s: %d routes skipped (town map missing: %s)", source, skipped, "Town12/Town13 are not shipped")
    return out
