"""Road networks of the real CARLA towns (OpenDRIVE via the offline ``carla`` client) and route planning.

Public API::

    network = load_town("Town01")                       # RoadNetwork, cached per process and on disk
    lane, s = network.lane_at(np.array([x, y]))         # nearest lane, internal frame
    route = plan_route(network, keypoints_xy)           # DenseRoute at 1 m with RoadOptions
    plan = global_plan(route, network.geo, 50.0)        # leaderboard downsampling, world + GPS

Everything is in the internal right-handed frame; CARLA's left-handed frame appears only where
CARLA's own formats are produced (``GlobalPlan.carla_poses`` / ``world_route``).
"""

from sim.maps.config import MapConfig, RouteConfig
from sim.maps.dense_route import DenseRoute, RouteCursor, lane_walk_route
from sim.maps.global_plan import GlobalPlan, downsample_route, global_plan
from sim.maps.road_network import LaneMatch, RoadNetwork
from sim.maps.route_planner import RoutePlanningError, plan_route
from sim.maps.signals import SignalGroups
from sim.maps.town import MapLoadError, UnknownTownError, available_towns, build_road_network, load_town
from sim.types import RoadOption

__all__ = [
    "DenseRoute",
    "GlobalPlan",
    "LaneMatch",
    "MapConfig",
    "MapLoadError",
    "RoadNetwork",
    "RoadOption",
    "RouteConfig",
    "RouteCursor",
    "RoutePlanningError",
    "SignalGroups",
    "UnknownTownError",
    "available_towns",
    "build_road_network",
    "downsample_route",
    "global_plan",
    "lane_walk_route",
    "load_town",
    "plan_route",
]
