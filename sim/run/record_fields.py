"""What the results formats need from a route besides its judgement: the length each leaderboard
reports, Bench2Drive's names of the route and its Traffic_Signs junction threshold."""

from __future__ import annotations

import functools
import logging
from datetime import datetime

import numpy as np

from routes.bench2drive_weather import read_weather_cases, weather_id
from routes.route_types import LeaderboardVersion, RouteDescription
from sim.eval.bench2drive import junction_completion
from sim.eval.bench2drive_fields import bench2drive_fields
from sim.maps.dense_route import NO_LANE, DenseRoute
from sim.maps.road_network import RoadNetwork
from sim.paths import DataFileNotFoundError

logger = logging.getLogger(__name__)


def reported_length(description: RouteDescription, route: DenseRoute | None = None) -> float:
    """[m] the record's route length as each leaderboard measures it (its per-km figures divide by it):
    1.0 the 3D polyline through the route file's keypoints; 2.0 the 3D length of the dense route
    (0 when it could not be built)."""
    if description.version is LeaderboardVersion.LB1:
        points = description.keypoints_carla
    elif route is not None:
        points = np.column_stack([route.points[:, :2], route.z])
    else:
        return 0.0
    return float(np.sum(np.linalg.norm(np.diff(points, axis=0), axis=1)))


def record_fields(description: RouteDescription, route_id: str, data_dir: str | None) -> dict:
    """Bench2Drive's names of a 2.0 route, given as it starts (its evaluator names every route before
    running it); none for 1.0."""
    if description.version is not LeaderboardVersion.LB2:
        return {}
    weather = weather_id(description, _weather_cases(data_dir))
    return bench2drive_fields(description, route_id, weather, datetime.now())


@functools.lru_cache(maxsize=4)
def _weather_cases(data_dir: str | None) -> list:
    try:
        return read_weather_cases(data_dir)
    except DataFileNotFoundError:
        logger.warning("no Bench2Drive weather.xml in the data directory: weather ids are None")
        return []


def junction_threshold(network: RoadNetwork, route: DenseRoute) -> float | None:
    """Bench2Drive's Traffic_Signs threshold for this route (first junction point + 8) / points."""
    lanes = np.asarray(route.lanes)
    in_junction = np.zeros(lanes.shape[0], dtype=bool)
    known = lanes != NO_LANE
    in_junction[known] = np.asarray(network.lane_is_junction)[lanes[known]]
    return junction_completion(in_junction)
